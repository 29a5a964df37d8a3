using System.Collections.Concurrent;
using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>
/// A started server and a connected client on a unique channel, in this process. Disposing
/// disposes the client, then the server, and asserts that neither buffer is left.
/// </summary>
internal sealed class DuplexPair : IDisposable
{
    internal static readonly BufferConfig DefaultConfig = new(4096, 1024 * 1024);
    internal static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);

    private DuplexPair(string channel, IDuplexServer server, IDuplexClient client, ConcurrentQueue<DuplexErrorEventArgs> errors)
    {
        Errors = errors;
        Channel = channel;
        Server = server;
        Client = client;
    }

    internal string Channel { get; }

    internal IDuplexServer Server { get; }

    internal IDuplexClient Client { get; }

    /// <summary>Every OnError the server raised.</summary>
    internal ConcurrentQueue<DuplexErrorEventArgs> Errors { get; }

    internal static DuplexPair Immutable(ImmutableRequestHandler handler, BufferConfig? config = null,
        DuplexServerOptions? options = null, DuplexClientOptions? clientOptions = null, string prefix = "dx")
    {
        string channel = TestNames.Unique(prefix);
        var factory = new DuplexChannelFactory();
        IImmutableDuplexServer server = factory.CreateImmutableServer(channel, config ?? DefaultConfig, options);
        var errors = new ConcurrentQueue<DuplexErrorEventArgs>();
        server.OnError += (_, e) => errors.Enqueue(e);
        server.Start(handler);
        return Connect(channel, server, clientOptions, errors);
    }

    /// <summary>An echo-style pair on a given channel name (e.g. to show a name is reusable).</summary>
    internal static DuplexPair ImmutableOn(string channel, ImmutableRequestHandler handler, BufferConfig config)
    {
        IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, config);
        var errors = new ConcurrentQueue<DuplexErrorEventArgs>();
        server.OnError += (_, e) => errors.Enqueue(e);
        server.Start(handler);
        return Connect(channel, server, null, errors);
    }

    internal static DuplexPair Mutable(MutableRequestHandler handler, BufferConfig? config = null,
        DuplexServerOptions? options = null, string prefix = "dxm")
    {
        string channel = TestNames.Unique(prefix);
        var factory = new DuplexChannelFactory();
        IMutableDuplexServer server = factory.CreateMutableServer(channel, config ?? DefaultConfig, options);
        var errors = new ConcurrentQueue<DuplexErrorEventArgs>();
        server.OnError += (_, e) => errors.Enqueue(e);
        server.Start(handler);
        return Connect(channel, server, null, errors);
    }

    private static DuplexPair Connect(string channel, IDuplexServer server, DuplexClientOptions? clientOptions, ConcurrentQueue<DuplexErrorEventArgs> errors)
    {
        try
        {
            IDuplexClient client = new DuplexChannelFactory().CreateClient(channel, clientOptions);
            return new DuplexPair(channel, server, client, errors);
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Sends and waits for the response; asserts it answers the request.</summary>
    internal byte[] RoundTrip(ReadOnlySpan<byte> request)
    {
        ulong sequence = Client.SendRequest(request);
        using Frame response = Client.ReceiveResponse(ReceiveTimeout);
        Assert.True(response.IsValid, "no response in time");
        Assert.Equal(sequence, response.Sequence);
        return response.ToArray();
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        AssertNoBuffers(Channel);
    }

    /// <summary>
    /// Removes a buffer whose reader was SIGKILLed (<see cref="CliProcess.RemoveAbandonedBuffer"/>).
    /// Another test's reader may be probing the same stale lock file at that instant (its stale
    /// sweep holds the lock for a moment), which reads as "held": retry briefly in that case only.
    /// </summary>
    internal static void RemoveAbandoned(string bufferName)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        int backoffMs = 1;
        while (true)
        {
            try
            {
                CliProcess.RemoveAbandonedBuffer(bufferName);
                return;
            }
            catch (ReaderAlreadyConnectedException) when (deadline.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(backoffMs); // bounded retry of a transient condition, not synchronization with a peer
                backoffMs = Math.Min(backoffMs * 2, 50);
            }
        }
    }

    /// <summary>
    /// Removes the request buffers a SIGKILLed server left: session 0's and those it had opened for
    /// further clients (the tests' servers open at most sessions 1-3).
    /// </summary>
    internal static void RemoveAbandonedServer(string channel)
    {
        RemoveAbandoned(channel + "_request");
        for (int session = 1; session < 4; session++)
        {
            RemoveAbandoned($"{channel}_request.{session}");
        }
    }

    /// <summary>No buffer of <paramref name="channel"/> is left, of any session the tests open (0-3).</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="clientStillOpen">A client is still connected: its response buffer is its own to remove.</param>
    internal static void AssertNoBuffers(string channel, bool clientStillOpen = false)
    {
        OsResources.AssertNone(channel + "_request");
        if (!clientStillOpen)
        {
            OsResources.AssertNone(channel + "_response");
        }

        for (int session = 1; session < 4; session++)
        {
            OsResources.AssertNone($"{channel}_request.{session}");
            OsResources.AssertNone($"{channel}_response.{session}");
        }
    }
}
