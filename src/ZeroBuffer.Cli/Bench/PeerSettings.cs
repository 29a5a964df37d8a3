namespace ZeroBuffer.Cli.Bench;

/// <summary>What a bench peer process is told on its command line (see <c>bench-peer --help</c>).</summary>
/// <param name="Role">Which peer: see <see cref="PeerRoles"/>.</param>
/// <param name="Name">Base name of the resources of this pair (buffers, socket, semaphores, shared file).</param>
/// <param name="FrameSize">Data frame size in bytes.</param>
/// <param name="ZeroCopy">Zero-copy (GetFrameBuffer/CommitFrame, reader touches one byte) or copy-in/copy-out.</param>
/// <param name="Seconds">Measured duration.</param>
/// <param name="WarmUpSeconds">Unmeasured warm-up before the measured window.</param>
/// <param name="Rate">Round trips per second for a paced ping-pong; 0 = back-to-back.</param>
/// <param name="RingSize">Ring size of ZeroBuffer buffers, bytes.</param>
/// <param name="StreamBytes">Size of each streaming memcpy buffer.</param>
internal sealed record PeerSettings(
    string Role, string Name, int FrameSize, bool ZeroCopy, double Seconds, double WarmUpSeconds, double Rate, long RingSize, long StreamBytes);

/// <summary>The roles of <c>bench-peer</c>; the first of each pair waits for the second.</summary>
internal static class PeerRoles
{
    internal const string ZeroBufferReader = "zb-reader";
    internal const string ZeroBufferWriter = "zb-writer";
    internal const string ZeroBufferEcho = "zb-echo";
    internal const string ZeroBufferPing = "zb-ping";
    internal const string SocketReader = "uds-reader";
    internal const string SocketWriter = "uds-writer";
    internal const string SocketEcho = "uds-echo";
    internal const string SocketPing = "uds-ping";
    internal const string SemaphoreEcho = "sem-echo";
    internal const string SemaphorePing = "sem-ping";
    internal const string SpinEcho = "spin-echo";
    internal const string SpinPing = "spin-ping";
    internal const string Memcpy = "memcpy";
    internal const string IdleReader = "idle-reader";
    internal const string IdleWriter = "idle-writer";

    internal static readonly string[] All =
    [
        ZeroBufferReader, ZeroBufferWriter, ZeroBufferEcho, ZeroBufferPing, SocketReader, SocketWriter, SocketEcho, SocketPing,
        SemaphoreEcho, SemaphorePing, SpinEcho, SpinPing, Memcpy, IdleReader, IdleWriter,
    ];
}
