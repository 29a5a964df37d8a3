namespace ZeroBuffer.Bench;

/// <summary>
/// The passive side's view of a run: counts data frames and bytes, restarts the count and the
/// side's meter at the mark, and stops the meter at the end (see <see cref="ControlFrames"/>).
/// One per peer, fed every message it receives, in order.
/// </summary>
/// <param name="processWide">The side is asynchronous: count every thread's allocations (see <see cref="SideMeter"/>).</param>
internal sealed class MeasuredWindow(bool processWide = false)
{
    /// <summary>The side's CPU, time and allocation meter, started at the mark.</summary>
    internal SideMeter Meter { get; } = new(processWide);

    /// <summary>Data frames since the mark.</summary>
    internal long Frames { get; private set; }

    /// <summary>Data bytes since the mark.</summary>
    internal long Bytes { get; private set; }

    /// <summary>Accounts for one received message of <paramref name="length"/> bytes; true when it was the end message.</summary>
    internal bool Count(int length)
    {
        if (length > ControlFrames.Hello)
        {
            Frames++;
            Bytes += length;
        }
        else if (length == ControlFrames.Mark)
        {
            Frames = 0;
            Bytes = 0;
            Meter.Start();
        }
        else if (length == ControlFrames.End)
        {
            Meter.Stop();
            return true;
        }

        return false;
    }

    /// <summary>Reports the window's figures for <paramref name="role"/>.</summary>
    internal void Report(Output output, string role) => PeerReport.Summary(output, role, Frames, Bytes, Meter);
}
