namespace ZeroBuffer.Nats;

/// <summary>How a <see cref="NatsImporter"/> receives frames and writes them to its local buffer.</summary>
public sealed class NatsImporterOptions
{
    /// <summary>The subject prefix <c>P</c> the exporter publishes under (required).</summary>
    public required string Subject { get; init; }

    /// <summary>Core NATS (default) or JetStream: the exporter's mode.</summary>
    public BridgeMode Mode { get; init; } = BridgeMode.Core;

    /// <summary>
    /// Core mode: bytes of messages the importer holds while it is busy (the local ring is full,
    /// or a burst came), default 64 MiB. Beyond that, new messages are dropped and their frames
    /// reported as lost. (The server keeps nothing in core mode: whatever does not fit here is gone.)
    /// </summary>
    public long PendingBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Core mode: how long <see cref="NatsImporter.StartAsync"/> waits for the exporter's answer
    /// to a metadata request (default 2 s; <see cref="TimeSpan.Zero"/>: do not ask). Metadata
    /// is published once, so an importer that starts later gets it this way.
    /// </summary>
    public TimeSpan MetadataRequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether the end of the exporter's local stream ends the local one too (default true): the
    /// importer closes its writer, so the local reader sees the end of the stream, and connects a
    /// new writer for the next frame.
    /// </summary>
    public bool PropagateEndOfStream { get; init; } = true;

    /// <summary>The stream and the durable consumer, in <see cref="BridgeMode.JetStream"/>.</summary>
    public NatsJetStreamOptions JetStream { get; init; } = new();

    /// <summary>
    /// Frames to write into the local buffer before the importer stops by itself (null, the
    /// default: no limit). It stops right after that frame was committed (and, in JetStream mode,
    /// acknowledged), then closes its writer: the local reader sees the end of the stream.
    /// </summary>
    public long? MaxFrames { get; init; }

    /// <summary>
    /// Whether the importer stops by itself at the first end of the exporter's stream it receives
    /// (default false: it goes on with the exporter's next session). In JetStream mode the end is
    /// acknowledged first, so the next importer with the same consumer goes on after it.
    /// </summary>
    public bool StopAtEndOfStream { get; init; }

    internal void Validate()
    {
        BridgeSubjects.Validate(Subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(PendingBytes, 1, nameof(PendingBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MetadataRequestTimeout, TimeSpan.Zero, nameof(MetadataRequestTimeout));
        if (MaxFrames is long frames)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1, nameof(MaxFrames));
        }

        JetStream.Validate();
    }
}
