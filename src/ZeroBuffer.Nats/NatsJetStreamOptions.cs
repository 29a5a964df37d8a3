namespace ZeroBuffer.Nats;

/// <summary>
/// The JetStream side of a bridge in <see cref="BridgeMode.JetStream"/> (docs/bridge.md). The
/// exporter creates the stream when it does not exist; the importer creates it too (either may
/// start first) and its durable consumer. An existing stream is used as it is, never changed.
/// </summary>
public sealed class NatsJetStreamOptions
{
    /// <summary>
    /// The stream's name; null (default) derives it from the subject prefix: <c>ZB_</c> and the
    /// prefix with its dots as underscores (<c>site1.cam0</c> → <c>ZB_site1_cam0</c>).
    /// </summary>
    public string? StreamName { get; init; }

    /// <summary>Replicas of the stream (1 for a single server; 3 for a three-node cluster that survives the loss of a node).</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>
    /// The stream's size limit in bytes (default 1 GiB; -1: none). When full, the oldest messages
    /// go: an importer that falls that far behind reports the frames as lost.
    /// </summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>How long the stream keeps a message (default <see cref="TimeSpan.Zero"/>: no age limit).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long the stream remembers message ids to drop a republished message (default 2 min):
    /// an exporter retrying a publish whose acknowledgement was lost must retry within it.
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether the stream is kept in memory instead of files (default false: files, which survive a server restart).</summary>
    public bool MemoryStorage { get; init; }

    /// <summary>
    /// The importer's durable consumer; null (default) derives it from the local buffer name
    /// (<c>zb-</c> and the name with its dots as underscores). Two importers of one stream need
    /// two names; an importer restarted with the same name resumes where the last one acknowledged.
    /// </summary>
    public string? ConsumerName { get; init; }

    /// <summary>
    /// How long the server waits for the importer's acknowledgement before it delivers a message
    /// again (default 30 s). After a disconnection, messages in flight come back after this long.
    /// </summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages delivered to the importer and not acknowledged yet, at most (default 1024).</summary>
    public int MaxAckPending { get; init; } = 1024;

    /// <summary>Bytes the importer asks for per pull (default 8 MiB; at least 4 × the server's max_payload is used).</summary>
    public int PullMaxBytes { get; init; } = 8 << 20;

    private static readonly System.Buffers.SearchValues<char> NotInNames = System.Buffers.SearchValues.Create(" \t.*>/\\");

    /// <summary>The stream name used for subject prefix <paramref name="prefix"/>: <see cref="StreamName"/>, or the one derived from the prefix.</summary>
    public string EffectiveStreamName(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return StreamName ?? "ZB_" + prefix.Replace('.', '_');
    }

    /// <summary>The durable consumer name used for local buffer <paramref name="bufferName"/>: <see cref="ConsumerName"/>, or the one derived from the name.</summary>
    public string EffectiveConsumerName(string bufferName)
    {
        ArgumentNullException.ThrowIfNull(bufferName);
        return ConsumerName ?? "zb-" + bufferName.Replace('.', '_');
    }

    internal void Validate()
    {
        if (StreamName is not null && (StreamName.Length == 0 || StreamName.AsSpan().IndexOfAny(NotInNames) >= 0))
        {
            throw new ArgumentException($"Invalid JetStream stream name '{StreamName}': it must be non-empty, without spaces, '.', '*', '>', '/' or '\\'.", nameof(StreamName));
        }

        if (ConsumerName is not null && (ConsumerName.Length == 0 || ConsumerName.AsSpan().IndexOfAny(NotInNames) >= 0))
        {
            throw new ArgumentException($"Invalid JetStream consumer name '{ConsumerName}': it must be non-empty, without spaces, '.', '*', '>', '/' or '\\'.", nameof(ConsumerName));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Replicas, 1, nameof(Replicas));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Replicas, 5, nameof(Replicas));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AckWait, TimeSpan.Zero, nameof(AckWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAckPending, 1, nameof(MaxAckPending));
        ArgumentOutOfRangeException.ThrowIfLessThan(PullMaxBytes, 1, nameof(PullMaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateWindow, TimeSpan.Zero, nameof(DuplicateWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAge, TimeSpan.Zero, nameof(MaxAge));
    }
}
