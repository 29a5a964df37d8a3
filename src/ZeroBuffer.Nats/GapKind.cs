namespace ZeroBuffer.Nats;

/// <summary>Why frames of the exporter's stream did not reach the importer's local buffer.</summary>
public enum GapKind
{
    /// <summary>
    /// Frames the exporter published that never arrived whole while this importer was running:
    /// dropped by a slow importer or the server, published while the importer was disconnected,
    /// a chunk missing, or (JetStream) removed by the stream's limits before they were read.
    /// </summary>
    Lost = 0,

    /// <summary>
    /// Frames of the first session this importer saw that were published before it joined
    /// (core NATS keeps nothing for a subscriber that is not there yet).
    /// </summary>
    MissedBeforeJoin = 1,

    /// <summary>Frames that arrived whole but can never fit the local ring (<see cref="FrameTooLargeException"/>).</summary>
    Rejected = 2,
}
