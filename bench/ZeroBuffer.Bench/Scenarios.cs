namespace ZeroBuffer.Bench;

/// <summary>The names <c>bench --scenarios</c> accepts.</summary>
internal static class Scenarios
{
    /// <summary>ZeroBuffer one-way throughput, zero-copy and copy.</summary>
    internal const string Throughput = "throughput";

    /// <summary>ZeroBuffer ping-pong over two buffers, back-to-back and at a fixed rate.</summary>
    internal const string Latency = "latency";

    /// <summary>Unix domain socket baseline: throughput and ping-pong at the same sizes.</summary>
    internal const string UnixSocket = "uds";

    /// <summary>Bare named-semaphore ping-pong baseline.</summary>
    internal const string Semaphore = "semaphore";

    /// <summary>Busy-poll ping-pong on one shared cache line baseline.</summary>
    internal const string BusyPoll = "busy-poll";

    /// <summary>Single-thread memcpy bandwidth baseline, hot and streaming.</summary>
    internal const string Memcpy = "memcpy";

    /// <summary>CPU of a ZeroBuffer reader waiting with a connected writer and no traffic.</summary>
    internal const string Idle = "idle";

    /// <summary>
    /// The asynchronous API: 64 B round trips back-to-back and at a fixed rate (each reply a wake-up)
    /// next to the blocking ones, and the CPU and threads of 100 idle async readers (<see cref="ZeroBufferAsyncPeers"/>).
    /// </summary>
    internal const string Async = "async";

    /// <summary>Duplex round trip, 64 B, next to the raw two-buffer ping-pong (see <see cref="DuplexRoundTrip"/>).</summary>
    internal const string Duplex = "duplex";

    /// <summary>One publisher and 1, 2, 4, 8 subscribers of a topic: the publisher's cost per frame (see <see cref="FanOutPeers"/>).</summary>
    internal const string FanOut = "fanout";

    /// <summary>Upstream's relay benchmark: 3.1 MB frames through a relay process at 30-240 fps, copy and zero-copy (see <see cref="UpstreamRelay"/>).</summary>
    internal const string Upstream = "upstream";

    /// <summary>
    /// Frames through a nats-server the bench starts, bare NATS next to the ZeroBuffer bridge (see <see cref="NatsScenario"/>).
    /// Not in <see cref="Default"/>: it needs a program from outside (nats-server), and it measures the network
    /// bridge, not shared memory.
    /// </summary>
    internal const string Nats = "nats";

    internal static readonly string[] All = [Throughput, Latency, UnixSocket, Semaphore, BusyPoll, Memcpy, Idle, Async, Duplex, FanOut, Upstream, Nats];

    /// <summary>What runs when <c>--scenarios</c> is not given: everything that exists (except <see cref="Nats"/>, which must be asked for).</summary>
    internal static readonly string[] Default = [Throughput, Latency, UnixSocket, Semaphore, BusyPoll, Memcpy, Idle, Async, Duplex, FanOut, Upstream];
}
