namespace ZeroBuffer.Duplex;

/// <summary>
/// A server whose handler transforms each request in place, in the request ring; the edited
/// bytes are sent back as the response (one copy, into the response ring).
/// </summary>
/// <example>
/// <code>
/// using IMutableDuplexServer server = factory.CreateMutableServer("invert", new BufferConfig(4096, 64 &lt;&lt; 20));
/// server.Start(request =&gt;
/// {
///     foreach (ref byte b in request.GetMutableSpan()) b ^= 0xFF;
/// });
/// </code>
/// </example>
public interface IMutableDuplexServer : IDuplexServer
{
    /// <summary>Creates the request buffer and starts serving on the server's thread.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">Another server serves this channel.</exception>
    void Start(MutableRequestHandler handler);
}
