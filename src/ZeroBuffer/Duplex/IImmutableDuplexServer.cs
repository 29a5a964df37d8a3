namespace ZeroBuffer.Duplex;

/// <summary>A server whose handler reads each request and writes a separate response.</summary>
/// <example>
/// Process A (server):
/// <code>
/// using IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer("resize", new BufferConfig(4096, 64 &lt;&lt; 20));
/// server.Start((request, response) =&gt;
/// {
///     Span&lt;byte&gt; target = response.GetBuffer(Resized(request.Size));
///     Resize(request.Span, target);
///     response.Commit();
/// });
/// server.Completion.Wait();
/// </code>
/// Process B (client): see <see cref="IDuplexClient"/>.
/// </example>
public interface IImmutableDuplexServer : IDuplexServer
{
    /// <summary>Creates the request buffer and starts serving on the server's thread.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">Another server serves this channel.</exception>
    void Start(ImmutableRequestHandler handler);
}
