namespace ZeroBuffer.Duplex;

/// <summary>How a duplex server processes requests and how long it waits for its client.</summary>
public sealed record DuplexServerOptions
{
    /// <summary>The processing mode (default <see cref="ProcessingMode.SingleThread"/>).</summary>
    public ProcessingMode Mode { get; init; } = ProcessingMode.SingleThread;

    /// <summary>
    /// <see cref="ProcessingMode.ThreadPool"/>: the most handlers running at once, which is also the
    /// most request frames held in the request ring by handlers (default: processor count).
    /// </summary>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// <see cref="ProcessingMode.ThreadPool"/>: where handlers run (default <see cref="TaskScheduler.Default"/>,
    /// the .NET thread pool). Any scheduler works, e.g. one with a dedicated set of threads; it must
    /// eventually run every task it is given, or <see cref="IDuplexServer.Stop"/> waits forever.
    /// </summary>
    public TaskScheduler? Scheduler { get; init; }

    /// <summary>
    /// How long, once the first request arrived, the server waits for the client's response buffer
    /// before giving up (an <see cref="IDuplexServer.OnError"/> with a <see cref="TimeoutException"/>).
    /// Default 5 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a response write waits for space in the response ring while the client does not
    /// read (then <see cref="BufferFullException"/> through <see cref="IDuplexServer.OnError"/>, and that
    /// response is dropped). Default 5 s; <see cref="Timeout.InfiniteTimeSpan"/> allowed (Stop still ends the wait).
    /// </summary>
    public TimeSpan ResponseWriteTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How the server waits for requests and for response-ring space (default
    /// <see cref="ZeroBuffer.WaitStrategy.Default"/>, spin then block).
    /// </summary>
    public WaitStrategy WaitStrategy { get; init; } = WaitStrategy.Default;

    /// <summary>
    /// The most clients served at once, each in its own session (docs/duplex.md): session 0 is
    /// <c>C_request</c>/<c>C_response</c>, session k is <c>C_request.k</c>/<c>C_response.k</c>. A session
    /// is opened when the previous one is taken, so one is always free until this many are in
    /// use. Default 8; 1 to 100.
    /// </summary>
    public int MaxSessions { get; init; } = 8;

    /// <summary>Called once per client, on its session's thread, with the request buffer's metadata before its first request is handled.</summary>
    public DuplexMetadataHandler? MetadataHandler { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(WaitStrategy);
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, $"Unknown processing mode {Mode}.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, $"MaxConcurrency must be at least 1 (got {MaxConcurrency}).");
        }

        if (MaxSessions is < 1 or > ChannelNames.MaxSessions)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, $"MaxSessions must be 1-{ChannelNames.MaxSessions} (got {MaxSessions}).");
        }

        if (Scheduler is not null && Mode != ProcessingMode.ThreadPool)
        {
            throw new ArgumentException($"A Scheduler runs handlers in ThreadPool mode; the mode is {Mode}.", nameof(Scheduler));
        }

        if (ConnectTimeout < TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be >= 0 or infinite.");
        }

        if (ResponseWriteTimeout <= TimeSpan.Zero && ResponseWriteTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ResponseWriteTimeout), ResponseWriteTimeout, "ResponseWriteTimeout must be positive or infinite.");
        }
    }
}
