using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ZeroBuffer.Bench;

/// <summary>
/// Single-thread memcpy bandwidth, the ceiling of any copy: "hot" copies a 64 KiB block that
/// stays in cache; "streaming" copies between two buffers of at least 256 MiB each, far larger
/// than any cache, so it runs at memory speed. Both buffers are 4 KiB-aligned native memory,
/// touched before timing (no page faults in the window). GB/s counts bytes copied (each byte is
/// read once and written once).
/// </summary>
internal static unsafe class MemcpyBandwidth
{
    internal const int HotBytes = 64 * 1024;

    internal static int Run(Output output, Interruption stop, PeerSettings settings)
    {
        PeerReport.Ready(output, settings.Role);
        double half = Math.Max(0.05, settings.Seconds / 2);
        (double hot, long hotCopies) = Measure(HotBytes, half, settings.WarmUpSeconds / 2, minimumCopies: 16, stop);
        (double streaming, long streamingCopies) = Measure(settings.StreamBytes, half, settings.WarmUpSeconds / 2, minimumCopies: 3, stop);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, hotCopies + streamingCopies, 0, new SideMeter(), extra: w =>
        {
            w.WriteNumber("hotBytes"u8, HotBytes);
            w.WriteNumber("hotGigabytesPerSecond"u8, hot);
            w.WriteNumber("streamBytes"u8, settings.StreamBytes);
            w.WriteNumber("streamingGigabytesPerSecond"u8, streaming);
        });
        return ExitCodes.Success;
    }

    private static (double GigabytesPerSecond, long Copies) Measure(long size, double seconds, double warmUpSeconds, int minimumCopies, Interruption stop)
    {
        byte* source = (byte*)NativeMemory.AlignedAlloc((nuint)size, 4096);
        byte* destination = (byte*)NativeMemory.AlignedAlloc((nuint)size, 4096);
        try
        {
            new Span<byte>(source, (int)Math.Min(size, int.MaxValue)).Fill(0x5A);
            Touch(source, size);
            Touch(destination, size);
            long warmUpEnd = Stopwatch.GetTimestamp() + (long)(warmUpSeconds * Stopwatch.Frequency);
            do
            {
                Buffer.MemoryCopy(source, destination, size, size);
            }
            while (Stopwatch.GetTimestamp() < warmUpEnd);

            long copies = 0;
            long start = Stopwatch.GetTimestamp();
            long end = start + (long)(seconds * Stopwatch.Frequency);
            long now;
            do
            {
                Buffer.MemoryCopy(source, destination, size, size);
                copies++;
                now = Stopwatch.GetTimestamp();
            }
            while ((now < end || copies < minimumCopies) && !stop.IsRequested);

            double elapsed = Stopwatch.GetElapsedTime(start, now).TotalSeconds;
            return (copies * (double)size / elapsed / 1e9, copies);
        }
        finally
        {
            NativeMemory.AlignedFree(source);
            NativeMemory.AlignedFree(destination);
        }
    }

    /// <summary>Writes one byte per page so the window sees no first-touch faults.</summary>
    private static void Touch(byte* memory, long size)
    {
        for (long i = 0; i < size; i += 4096)
        {
            memory[i] = 1;
        }
    }
}
