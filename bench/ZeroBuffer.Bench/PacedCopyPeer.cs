using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ZeroBuffer.Bench;

/// <summary>
/// The paced copy floor (role <c>memcpy-paced</c>, row <c>latency/memcpy/fixed-rate/SIZE</c>): the
/// one copy of a paced zero-copy round trip, alone. One thread copies a frame from a managed
/// array (like the pinger's source) into one of two 4 KiB-aligned native slots in turn (like a
/// ring of two frames, prefaulted), on the paced schedule of <see cref="LatencyRecorder"/>, each
/// copy timed from its intended start like a round trip. Why not the streaming-memcpy GB/s: on a
/// VM a copy started every 5 ms finds source and destination evicted and the core cold, and
/// costs several times what the same copy costs back to back (measured on the bench machine:
/// 3.1 MB in 68 µs back to back, p50 326 µs / p99 588 µs at 200/s), so the paced row is the
/// honest price of "one copy" at that rate.
/// </summary>
internal static unsafe class PacedCopyPeer
{
    internal static int Run(Output output, Interruption stop, PeerSettings settings)
    {
        int size = settings.FrameSize;
        byte[] source = new byte[size];
        source.AsSpan().Fill(0x5A);
        byte* slots = (byte*)NativeMemory.AlignedAlloc((nuint)size * 2, 4096);
        try
        {
            var destination = new Span<byte>(slots, size * 2);
            destination.Clear(); // every page touched before timing: no first-touch faults in the window
            PeerReport.Ready(output, settings.Role);
            var latency = new LatencyRecorder(settings.Rate);
            long frames = 0;
            long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
            latency.Restart();
            do
            {
                CopyOnce(latency, source, destination, frames++);
            }
            while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

            var meter = new SideMeter();
            meter.Start();
            latency.Restart();
            frames = 0;
            long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            do
            {
                CopyOnce(latency, source, destination, frames++);
            }
            while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

            meter.Stop();
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, frames, frames * size, meter, latency);
            return ExitCodes.Success;
        }
        finally
        {
            NativeMemory.AlignedFree(slots);
        }
    }

    private static void CopyOnce(LatencyRecorder latency, byte[] source, Span<byte> destination, long index)
    {
        long intended = latency.NextSend();
        source[0] = (byte)index; // a new first byte each time, as the pinger marks its requests
        source.CopyTo(destination.Slice((int)(index & 1) * source.Length, source.Length));
        latency.Record(intended);
    }
}
