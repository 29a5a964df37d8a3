using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// The wake-up floor: a ping-pong on two bare named semaphores (<c>/NAME-a</c> carries pings,
/// <c>/NAME-b</c> pongs), no data, no ring. This is the cost a blocking reader pays per hand-off
/// on this machine. The echo creates both semaphores, and removes them when it stops (its
/// parent closes its stdin once the pinger is done).
/// </summary>
internal static class SemaphorePingPongPeers
{
    private const int PollMilliseconds = 100;
    private const int ReplyTimeoutMilliseconds = 30_000;

    internal static string PingName(string name) => "/" + name + "-a";

    internal static string PongName(string name) => "/" + name + "-b";

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        string pingName = PingName(settings.Name);
        string pongName = PongName(settings.Name);
        long frames = 0;
        try
        {
            using PosixSemaphore ping = PosixSemaphore.Create(pingName);
            using PosixSemaphore pong = PosixSemaphore.Create(pongName);
            PeerReport.Ready(output, settings.Role);
            while (!stop.IsRequested)
            {
                if (ping.Wait(PollMilliseconds))
                {
                    pong.Post();
                    frames++;
                }
            }
        }
        finally
        {
            PosixSemaphore.Unlink(pingName);
            PosixSemaphore.Unlink(pongName);
        }

        PeerReport.Summary(output, settings.Role, frames, 0, new SideMeter());
        return ExitCodes.Success;
    }

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        using PosixSemaphore ping = PosixSemaphore.Open(PingName(settings.Name));
        using PosixSemaphore pong = PosixSemaphore.Open(PongName(settings.Name));
        PeerReport.Ready(output, settings.Role);
        var latency = new LatencyRecorder(0);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        do
        {
            long reference = latency.NextSend();
            RoundTrip(ping, pong);
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
            RoundTrip(ping, pong);
            latency.Record(reference);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, 0, meter, latency);
        return ExitCodes.Success;
    }

    private static void RoundTrip(PosixSemaphore ping, PosixSemaphore pong)
    {
        ping.Post();
        if (!pong.Wait(ReplyTimeoutMilliseconds))
        {
            throw new TimeoutException("no pong within 30 s");
        }
    }
}
