using ZeroBuffer.Duplex;
using ZeroBuffer.Extensions.Hosting.Internal;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// A hosted duplex server (docs/duplex.md): its request buffers' sizes and how it serves.
/// <see cref="ZeroBufferEndpointOptions.BufferName"/> is the channel name. Configuration section:
/// <c>ZeroBuffer:DuplexServers:&lt;name&gt;</c>.
/// </summary>
public sealed class ZeroBufferDuplexServerOptions : ZeroBufferOwnerOptions
{
    /// <summary>How handlers run (default <see cref="ProcessingMode.SingleThread"/>).</summary>
    public ProcessingMode Mode { get; set; } = ProcessingMode.SingleThread;

    /// <summary><see cref="ProcessingMode.ThreadPool"/>: the most handlers running at once (default: processor count).</summary>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>The most clients served at once, each in a session of its own (default 8; 1 to 100).</summary>
    public int MaxSessions { get; set; } = 8;

    /// <summary>How long, once a client's first request arrived, the server waits for its response buffer (default 5 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a response waits for space in the client's ring before it is dropped (default 5 s).</summary>
    public TimeSpan ResponseWriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal override EndpointKind Kind => EndpointKind.DuplexServer;

    internal override int MaxNameLength => BufferNameRule.MaxChannelName;

    /// <summary>The core library's server options (validated beforehand).</summary>
    internal DuplexServerOptions ToServerOptions() => new()
    {
        Mode = Mode,
        MaxConcurrency = MaxConcurrency,
        MaxSessions = MaxSessions,
        ConnectTimeout = ConnectTimeout,
        ResponseWriteTimeout = ResponseWriteTimeout,
        WaitStrategy = ParseWaitStrategy(),
    };

    /// <inheritdoc/>
    internal override void Validate(string registrationName, OptionsProblems problems)
    {
        base.Validate(registrationName, problems);
        problems.RequireDefined(nameof(Mode), Mode);
        if (MaxConcurrency < 1)
        {
            problems.Add(nameof(MaxConcurrency), $"must be at least 1 (got {MaxConcurrency}).");
        }

        if (MaxSessions is < 1 or > MaxSessionsLimit)
        {
            problems.Add(nameof(MaxSessions), $"must be 1-{MaxSessionsLimit} (got {MaxSessions}).");
        }

        if (ConnectTimeout < TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add(nameof(ConnectTimeout), $"must be zero or more, or infinite (got {ConnectTimeout}).");
        }

        problems.RequirePositiveOrInfinite(nameof(ResponseWriteTimeout), ResponseWriteTimeout);
    }

    /// <summary>The most sessions a channel has (docs/duplex.md: sessions 0 to 99).</summary>
    internal const int MaxSessionsLimit = 100;
}
