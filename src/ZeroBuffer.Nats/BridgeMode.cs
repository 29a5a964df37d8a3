namespace ZeroBuffer.Nats;

/// <summary>How a bridge carries frames over NATS (docs/bridge.md, "What the bridge guarantees").</summary>
public enum BridgeMode
{
    /// <summary>
    /// Core NATS: at most once. Nothing is stored; a frame published while the importer is not
    /// subscribed, or dropped by a slow importer, is lost, and the importer reports the gap exactly.
    /// </summary>
    Core = 0,

    /// <summary>
    /// JetStream: at least once, de-duplicated by sequence. The exporter holds each frame until the
    /// stream acknowledged every chunk of it; the importer acknowledges a frame once it is committed
    /// to the local ring. A restart of either bridge or of the server loses nothing the stream
    /// acknowledged, and duplicates are dropped by sequence.
    /// </summary>
    JetStream = 1,
}
