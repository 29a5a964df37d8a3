using System.Diagnostics;

namespace ZeroBuffer.Cli.Bench;

/// <summary>
/// What a reader costs while nothing happens: the reader creates the buffer; the writer connects,
/// says hello, stays connected without writing for the warm-up plus the measured window, then
/// ends the run. The reader's CPU is metered from the hello to the end, while it waits in
/// <c>TryReadFrame</c> (100 ms timeouts, like every CLI reader loop).
/// </summary>
internal static class IdleReaderPeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    internal static int RunReader(Output output, Interruption stop, PeerSettings settings)
    {
        using var reader = settings.Configure(new Reader(settings.Name, new BufferConfig(metadataSize: 0, payloadSize: settings.RingSize)));
        PeerReport.Ready(output, settings.Role);
        var meter = new SideMeter();
        while (!stop.IsRequested)
        {
            if (!reader.TryReadFrame(Poll, out Frame frame))
            {
                continue;
            }

            int size = frame.Size;
            frame.Dispose();
            if (size == ControlFrames.Hello)
            {
                meter.Start();
            }
            else if (size == ControlFrames.End)
            {
                meter.Stop();
                break;
            }
        }

        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, 0, 0, meter);
        return ExitCodes.Success;
    }

    internal static int RunWriter(Output output, Interruption stop, PeerSettings settings)
    {
        using var writer = settings.Configure(new Writer(settings.Name));
        PeerReport.Ready(output, settings.Role);
        writer.WriteFrame(ControlFrames.Payload(ControlFrames.Hello));
        var meter = new SideMeter();
        meter.Start();
        // The scenario is "no traffic": this wait is the measurement, not a synchronisation.
        stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(settings.WarmUpSeconds + settings.Seconds));
        meter.Stop();
        writer.WriteFrame(ControlFrames.Payload(ControlFrames.End));
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, 0, 0, meter);
        return ExitCodes.Success;
    }
}
