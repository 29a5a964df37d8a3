using System.Diagnostics;
using System.IO.MemoryMappedFiles;

namespace ZeroBuffer.Bench;

/// <summary>
/// The hardware floor: a ping-pong on one shared-memory cache line, both sides spinning on
/// <c>Volatile.Read</c>, no system call. The pinger writes an odd counter
/// value; the echo answers with the next (even) value; a negative value ends the run. The line
/// lives in a 4 KiB file <c>/dev/shm/NAME-spin</c>, created and removed by the echo. Needs a
/// core per side: on a loaded machine the figure degrades to scheduler time slices.
/// </summary>
internal static unsafe class BusyPollPingPongPeers
{
    private const int FileSize = 4096;
    private const long Stop = -1;
    private const int SpinsBetweenChecks = 1 << 20;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    internal static string FilePath(string name) => Path.Combine("/dev/shm", name + "-spin");

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        string path = FilePath(settings.Name);
        long frames = 0;
        try
        {
            using var file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, FileSize, MemoryMappedFileAccess.ReadWrite);
            using MemoryMappedViewAccessor view = file.CreateViewAccessor(0, FileSize);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            try
            {
                long* cell = (long*)(pointer + view.PointerOffset);
                PeerReport.Ready(output, settings.Role);
                int spins = 0;
                while (true)
                {
                    long value = Volatile.Read(ref *cell);
                    if (value < 0)
                    {
                        break;
                    }

                    if ((value & 1) != 0)
                    {
                        Volatile.Write(ref *cell, value + 1);
                        frames++;
                    }
                    else if (++spins == SpinsBetweenChecks)
                    {
                        spins = 0;
                        if (stop.IsRequested)
                        {
                            break;
                        }
                    }
                }
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        finally
        {
            File.Delete(path);
        }

        PeerReport.Summary(output, settings.Role, frames, 0, new SideMeter());
        return ExitCodes.Success;
    }

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        using var file = MemoryMappedFile.CreateFromFile(FilePath(settings.Name), FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using MemoryMappedViewAccessor view = file.CreateViewAccessor(0, FileSize);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            long* cell = (long*)(pointer + view.PointerOffset);
            PeerReport.Ready(output, settings.Role);
            var latency = new LatencyRecorder(0);
            long counter = 1;
            long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
            do
            {
                long reference = latency.NextSend();
                RoundTrip(cell, ref counter, stop);
                latency.Record(reference);
            }
            while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

            var meter = new SideMeter();
            meter.Start();
            latency.Restart();
            long frames = 0;
            long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            do
            {
                long reference = latency.NextSend();
                RoundTrip(cell, ref counter, stop);
                latency.Record(reference);
                frames++;
            }
            while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

            meter.Stop();
            Volatile.Write(ref *cell, Stop);
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, frames, 0, meter, latency);
            return ExitCodes.Success;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Writes the next odd value and spins until the echo answers with the even one after it.</summary>
    private static void RoundTrip(long* cell, ref long counter, Interruption stop)
    {
        long sent = counter;
        counter += 2;
        Volatile.Write(ref *cell, sent);
        int spins = 0;
        long deadline = 0;
        while (Volatile.Read(ref *cell) != sent + 1)
        {
            if (++spins < SpinsBetweenChecks)
            {
                continue;
            }

            spins = 0;
            stop.Token.ThrowIfCancellationRequested();
            long now = Stopwatch.GetTimestamp();
            deadline = deadline == 0 ? now + (long)(ReplyTimeout.TotalSeconds * Stopwatch.Frequency) : deadline;
            if (now > deadline)
            {
                throw new TimeoutException("no answer on the shared cache line within 30 s");
            }
        }
    }
}
