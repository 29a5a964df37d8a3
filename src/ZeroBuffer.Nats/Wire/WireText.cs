using System.Globalization;
using NATS.Client.Core;

namespace ZeroBuffer.Nats.Wire;

/// <summary>Builds the headers of outbound bridge messages (docs/bridge.md, "Wire format").</summary>
internal static class WireText
{
    internal static NatsHeaders Chunk(string session, ulong sequence, ulong sourceSequence, int length, int offset, int chunk, int chunks) => new()
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [BridgeHeaders.Session] = session,
        [BridgeHeaders.Sequence] = Number(sequence),
        [BridgeHeaders.SourceSequence] = Number(sourceSequence),
        [BridgeHeaders.Length] = Number((ulong)length),
        [BridgeHeaders.Offset] = Number((ulong)offset),
        [BridgeHeaders.Chunk] = Number((ulong)chunk),
        [BridgeHeaders.Chunks] = Number((ulong)chunks),
    };

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

    internal static NatsHeaders End(string session, ulong lastSequence, EndReason reason) => new()
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

    internal static string MetadataId(string session) => session + ".meta";

    internal static string EndId(string session, ulong lastSequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{session}.end.{lastSequence}");

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
