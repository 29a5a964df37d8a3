using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>
/// Creates the two ends of a duplex channel <c>C</c>: a server (started first; it creates
/// <c>C_request</c>) and a client (it connects to <c>C_request</c> and creates <c>C_response</c>).
/// </summary>
/// <example>
/// Process A (server):
/// <code>
/// var factory = new DuplexChannelFactory();
/// using IImmutableDuplexServer server = factory.CreateImmutableServer("echo", new BufferConfig(4096, 1 &lt;&lt; 20));
/// server.Start((request, response) =&gt; response.Write(request.Span));
/// server.Completion.Wait(); // until the client leaves
/// </code>
/// Process B (client):
/// <code>
/// DuplexChannelFactory.WaitExists("echo", TimeSpan.FromSeconds(5));
/// using IDuplexClient client = new DuplexChannelFactory().CreateClient("echo");
/// ulong sequence = client.SendRequest("hello"u8);
/// using Frame response = client.ReceiveResponse(TimeSpan.FromSeconds(1));
/// Debug.Assert(response.Sequence == sequence);
/// </code>
/// </example>
public sealed class DuplexChannelFactory
{
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMilliseconds(50);
    private readonly ILoggerFactory _loggerFactory;

    /// <summary>Creates a factory whose servers and clients log through <paramref name="loggerFactory"/>.</summary>
    public DuplexChannelFactory(ILoggerFactory? loggerFactory = null) => _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;

    /// <summary>A server whose handler writes a separate response. Nothing is created until <see cref="IImmutableDuplexServer.Start"/>.</summary>
    /// <param name="channelName">The channel <c>C</c>: 1-191 characters from [A-Za-z0-9._-].</param>
    /// <param name="config">The request buffer's sizes.</param>
    /// <param name="options">Processing mode and timeouts (default: SingleThread).</param>
    public IImmutableDuplexServer CreateImmutableServer(string channelName, BufferConfig config, DuplexServerOptions? options = null) =>
        new ImmutableDuplexServer(channelName, config, options, _loggerFactory.CreateLogger<ImmutableDuplexServer>());

    /// <summary>A server whose handler transforms each request in place. Nothing is created until <see cref="IMutableDuplexServer.Start"/>.</summary>
    /// <inheritdoc cref="CreateImmutableServer" path="/param"/>
    public IMutableDuplexServer CreateMutableServer(string channelName, BufferConfig config, DuplexServerOptions? options = null) =>
        new MutableDuplexServer(channelName, config, options, _loggerFactory.CreateLogger<MutableDuplexServer>());

    /// <summary>Connects a client to a started server and creates its response buffer.</summary>
    /// <exception cref="BufferNotFoundException">No server serves the channel.</exception>
    /// <exception cref="WriterAlreadyConnectedException">Another client is connected.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">Another client's response buffer exists.</exception>
    public IDuplexClient CreateClient(string channelName, DuplexClientOptions? options = null) =>
        new DuplexClient(channelName, options, _loggerFactory.CreateLogger<DuplexClient>());

    /// <summary>
    /// Waits until a server has created the channel's request buffer (a client can connect), or
    /// <paramref name="timeout"/> passes. Polls with a short backoff (at most 50 ms).
    /// </summary>
    public static bool WaitExists(string channelName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ChannelNames.Validate(channelName);
        Deadline deadline = Deadline.After(timeout);
        string name = ChannelNames.Request(channelName);
        var backoff = new Backoff(MaxPollInterval);
        while (!IsReady(name))
        {
            if (!backoff.Pause(deadline, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Both semaphores exist, the control block is valid and its reader is running (the one validator of <see cref="ControlBlock"/>).</summary>
    private static bool IsReady(string bufferName)
    {
        if (!File.Exists(ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(bufferName)))
            || !File.Exists(ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(bufferName))))
        {
            return false;
        }

        BufferCensus.SegmentLook look = BufferCensus.LookAtSegment(bufferName);
        return look.Block is { } block && block.Validate().Status == ControlBlockStatus.Ok && look.Reader == PeerState.Alive;
    }
}
