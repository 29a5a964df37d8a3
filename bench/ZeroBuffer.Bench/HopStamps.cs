using System.Buffers.Binary;

namespace ZeroBuffer.Bench;

/// <summary>
/// Where a paced round trip carries its timestamps inside the frame (little-endian
/// <see cref="System.Diagnostics.Stopwatch"/> ticks: CLOCK_MONOTONIC, one clock for every process
/// of the host, so a stamp taken by the echo compares with one taken by the pinger). Byte 0 and
/// the last byte stay free for the zero-copy marker. Frames shorter than
/// <see cref="MinimumFrameSize"/> carry no stamps.
/// </summary>
internal static class HopStamps
{
    /// <summary>Pinger: when its send began. The echo copies it back unchanged, which proves the reply answers this request.</summary>
    internal const int SentOffset = 8;

    /// <summary>Echo: when its read returned the request.</summary>
    internal const int EchoWokeOffset = 16;

    /// <summary>Echo: right before it committed the reply (after copying it).</summary>
    internal const int EchoCommitOffset = 24;

    /// <summary>Echo: how its read found the request, a <see cref="WakePath"/> byte.</summary>
    internal const int EchoWakePathOffset = 32;

    /// <summary>The smallest frame with room for the stamps and the zero-copy marker byte at the end.</summary>
    internal const int MinimumFrameSize = 40;

    internal static bool Fit(int frameSize) => frameSize >= MinimumFrameSize;

    internal static void Write(Span<byte> frame, int offset, long ticks) => BinaryPrimitives.WriteInt64LittleEndian(frame[offset..], ticks);

    internal static long Read(ReadOnlySpan<byte> frame, int offset) => BinaryPrimitives.ReadInt64LittleEndian(frame[offset..]);
}
