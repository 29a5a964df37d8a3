using System.Diagnostics;
using System.IO.MemoryMappedFiles;

namespace ZeroBuffer.Bench;

/// <summary>
/// The paced wake-up floor (roles <c>sem-paced-echo</c>, <c>sem-paced-ping</c>): the bare
/// semaphore ping-pong of <see cref="SemaphorePingPongPeers"/> (same semaphore names), sent on the
/// paced schedule of <see cref="LatencyRecorder"/> like the paced ZeroBuffer rows, with the same
/// hops measured (<see cref="HopRecorder"/>): the echo stamps when its wait returned and when it
/// posted into a 4 KiB shared file (<c>/dev/shm/NAME-stamps</c>, created and removed by the echo),
/// read by the pinger once its own wait returns. No data, no ring: what two kernel wake-ups at this
/// rate cost on this machine, hop by hop. Both waits are always semaphore waits, so no wake path is
/// recorded.
/// </summary>
internal static unsafe class PacedSemaphorePeers
{
    private const int FileSize = 4096;
    private const int PollMilliseconds = 100;
    private const int ReplyTimeoutMilliseconds = 30_000;

    // Cells of the shared file, in longs: written by the echo before its post, read by the pinger after its wait (a post and a wait order them).
    private const int EchoWokeCell = 0;
    private const int EchoPostCell = 1;

    internal static string StampsPath(string name) => Path.Combine("/dev/shm", name + "-stamps");

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        string pingName = SemaphorePingPongPeers.PingName(settings.Name);
        string pongName = SemaphorePingPongPeers.PongName(settings.Name);
        string path = StampsPath(settings.Name);
        long frames = 0;
        try
        {
            using PosixSemaphore ping = PosixSemaphore.Create(pingName);
            using PosixSemaphore pong = PosixSemaphore.Create(pongName);
            using var file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, FileSize, MemoryMappedFileAccess.ReadWrite);
            using MemoryMappedViewAccessor view = file.CreateViewAccessor(0, FileSize);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            try
            {
                long* cells = (long*)(pointer + view.PointerOffset);
                PeerReport.Ready(output, settings.Role);
                while (!stop.IsRequested)
                {
                    if (ping.Wait(PollMilliseconds))
                    {
                        Volatile.Write(ref cells[EchoWokeCell], Stopwatch.GetTimestamp());
                        Volatile.Write(ref cells[EchoPostCell], Stopwatch.GetTimestamp());
                        pong.Post();
                        frames++;
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
            PosixSemaphore.Unlink(pingName);
            PosixSemaphore.Unlink(pongName);
            File.Delete(path);
        }

        PeerReport.Summary(output, settings.Role, frames, 0, new SideMeter());
        return ExitCodes.Success;
    }

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        using PosixSemaphore ping = PosixSemaphore.Open(SemaphorePingPongPeers.PingName(settings.Name));
        using PosixSemaphore pong = PosixSemaphore.Open(SemaphorePingPongPeers.PongName(settings.Name));
        using var file = MemoryMappedFile.CreateFromFile(StampsPath(settings.Name), FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using MemoryMappedViewAccessor view = file.CreateViewAccessor(0, FileSize);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            long* cells = (long*)(pointer + view.PointerOffset);
            PeerReport.Ready(output, settings.Role);
            var latency = new LatencyRecorder(settings.Rate);
            var hops = new HopRecorder(settings.Rate, settings.Seconds);
            long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
            latency.Restart();
            do
            {
                RoundTrip(ping, pong, cells, latency, hops);
            }
            while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

            var meter = new SideMeter();
            ProcessCounters countersAtStart = ProcessCounters.Now();
            meter.Start();
            latency.Restart();
            hops.Restart();
            long frames = 0;
            long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            do
            {
                RoundTrip(ping, pong, cells, latency, hops);
                frames++;
            }
            while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

            meter.Stop();
            ProcessCounters counters = ProcessCounters.Now().Since(countersAtStart);
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, frames, 0, meter, latency, w =>
            {
                hops.WriteJson(w);
                counters.WriteJson(w);
            });
            return ExitCodes.Success;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    private static void RoundTrip(PosixSemaphore ping, PosixSemaphore pong, long* cells, LatencyRecorder latency, HopRecorder hops)
    {
        long intended = latency.NextSend();
        long sendStart = Stopwatch.GetTimestamp();
        ping.Post();
        long posted = Stopwatch.GetTimestamp();
        if (!pong.Wait(ReplyTimeoutMilliseconds))
        {
            throw new TimeoutException("no pong within 30 s");
        }

        long replied = Stopwatch.GetTimestamp();
        long echoWoke = Volatile.Read(ref cells[EchoWokeCell]);
        long echoPost = Volatile.Read(ref cells[EchoPostCell]);
        long done = Stopwatch.GetTimestamp();
        latency.Record(intended);
        hops.Record(intended, sendStart, posted, echoWoke, echoPost, replied, done, WakePath.Unknown, WakePath.Unknown);
    }
}
