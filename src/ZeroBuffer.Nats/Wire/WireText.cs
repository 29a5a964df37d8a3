using System.Globalization;
using NATS.Client.Core;

namespace ZeroBuffer.Nats.Wire;

/// <summary>Builds the headers of outbound bridge messages (docs/bridge.md, "Wire format").</summary>
internal static class WireText
{
    /// <summary>
    /// Headers of a frame chunk: the version, <c>Zb-Frame</c>, and <c>Zb-Chunk</c> when the frame
    /// takes more than one message; in a dictionary sized for them and the message id a JetStream
    /// publish adds.
    /// </summary>
    internal static NatsHeaders Chunk(string session, ulong sequence, ulong sourceSequence, ChunkHeader chunk)
    {
        var headers = new NatsHeaders(MostHeaders)
        {
            [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
            [BridgeHeaders.Frame] = string.Create(CultureInfo.InvariantCulture, $"{session} {sequence} {sourceSequence}"),
        };
        AddChunk(headers, chunk);
        return headers;
    }

    /// <summary>Headers of a batch: the version, <c>Zb-Frame</c> of its first frame, and <c>Zb-Batch</c>.</summary>
    internal static NatsHeaders Batch(string session, ulong firstSequence, ulong firstSourceSequence, int count) => new(MostHeaders)
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [BridgeHeaders.Frame] = string.Create(CultureInfo.InvariantCulture, $"{session} {firstSequence} {firstSourceSequence}"),
        [BridgeHeaders.Batch] = count.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Adds <c>Zb-Chunk</c> when <paramref name="chunk"/> is a piece of a larger whole.</summary>
    internal static void AddChunk(NatsHeaders headers, ChunkHeader chunk)
    {
        if (chunk.IsChunked)
        {
            headers[BridgeHeaders.Chunk] = chunk.Format();
        }
    }

    /// <summary>Headers of a metadata message, or of a reply to a metadata request.</summary>
    /// <param name="session">The exporter's session.</param>
    /// <param name="nextSequence">The bridge sequence of the first frame the metadata applies to.</param>
    /// <param name="none">A reply saying the exporter has no metadata yet.</param>
    internal static NatsHeaders Metadata(string session, ulong nextSequence, bool none = false)
    {
        var headers = new NatsHeaders
        {
            [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
            [BridgeHeaders.Session] = session,
            [BridgeHeaders.Sequence] = Number(nextSequence),
        };
        if (none)
        {
            headers[BridgeHeaders.MetadataState] = "none";
        }

        return headers;
    }

    internal static NatsHeaders End(string session, ulong lastSequence, EndReason reason) => new(MostHeaders)
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [BridgeHeaders.Session] = session,
        [BridgeHeaders.LastSequence] = Number(lastSequence),
        [BridgeHeaders.Reason] = reason switch
        {
            EndReason.Closed => "closed",
            EndReason.Died => "died",
            _ => "stopped",
        },
    };

    internal static EndReason ParseReason(string? text) => text switch
    {
        "closed" => EndReason.Closed,
        "died" => EndReason.Died,
        _ => EndReason.Stopped,
    };

    /// <summary>JetStream message ids: unique per message of a session, the same when a publish is retried.</summary>
    internal static string ChunkId(string session, ulong sequence, int chunk) =>
        string.Create(CultureInfo.InvariantCulture, $"{session}.{sequence}.{chunk}");

    /// <summary>
    /// A batch's id: its first sequence and its count, so a retry (the same frames, the same bytes)
    /// is a duplicate, and no chunk id (<c>SESSION.SEQ.INDEX</c>) can equal it.
    /// </summary>
    internal static string BatchId(string session, ulong firstSequence, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"{session}.{firstSequence}.b{count}");

    internal static string MetadataId(string session) => session + ".meta";

    internal static string EndId(string session, ulong lastSequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{session}.end.{lastSequence}");

    /// <summary>The most headers a bridge message has: version, two fields, and the JetStream message id.</summary>
    private const int MostHeaders = 4;

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
