using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// What a reader costs while nothing happens: the reader creates the buffer; the writer connects,
/// says hello, stays connected without writing for the warm-up, marks the start of the measured
/// window, stays connected without writing for the window, then ends the run. Both sides meter
/// from the mark to the end, like every other pair, so start-up work (JIT tier-up, first touches)
/// is not counted; the reader waits in <c>TryReadFrame</c> meanwhile (100 ms timeouts, like every
/// CLI reader loop).
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
            if (size == ControlFrames.Mark)
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
        // The scenario is "no traffic": these waits are the warm-up and the measurement, not synchronisation.
        stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(settings.WarmUpSeconds));
        writer.WriteFrame(ControlFrames.Payload(ControlFrames.Mark));
        var meter = new SideMeter();
        meter.Start();
        stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(settings.Seconds));
        meter.Stop();
        writer.WriteFrame(ControlFrames.Payload(ControlFrames.End));
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, 0, 0, meter);
        return ExitCodes.Success;
    }
}
