namespace ZeroBuffer.Bench;

/// <summary>
/// The machine's own floor for paced round trips (issue 18): a paced semaphore ping-pong (no data,
/// two kernel wake-ups, <see cref="PacedSemaphorePeers"/>) at every rate of the paced ZeroBuffer
/// rows, and a paced Unix-socket ping-pong at every size and rate of them, measured in the same
/// run, each planned right before the first ZeroBuffer row it is the floor of (so a drifting load
/// touches both alike). Planned with the <c>semaphore</c> and <c>uds</c> scenarios; the paced
/// zero-copy rows also get a paced copy of their frame alone (<see cref="PacedCopyPeer"/>, with the
/// <c>memcpy</c> scenario), the price of their one copy at their rate. Also which
/// baseline row a round-trip row is compared with (<see cref="Ratios"/>, <see cref="PacedTargets"/>).
/// </summary>
internal static class PacedBaselines
{
    /// <summary>Row id of the paced semaphore ping-pong at <paramref name="rate"/> round trips per second.</summary>
    internal static string SemaphoreRowId(double rate) => $"latency/semaphore/fixed-rate/{Format.Invariant(rate)}hz";

    /// <summary>Row id of the paced Unix-socket ping-pong of <paramref name="size"/> (at the rate of that size's paced rows).</summary>
    internal static string UnixSocketRowId(int size) => $"latency/unix-socket/copy/fixed-rate/{size}";

    /// <summary>Row id of the paced copy of one <paramref name="size"/> frame (the floor of the paced zero-copy row of that size).</summary>
    internal static string CopyRowId(int size) => $"latency/memcpy/fixed-rate/{size}";

    /// <summary>
    /// Adds, unless already planned, the paced baselines of a paced ZeroBuffer row of
    /// <paramref name="size"/> at <paramref name="rate"/>: the semaphore one at that rate, the socket one at that size,
    /// and, for a zero-copy row (<paramref name="oneCopy"/>), the paced copy of that size at that rate.
    /// </summary>
    internal static void AddBefore(List<BenchCase> cases, BenchOptions options, int size, double rate, Func<string> next, string[] timing, bool oneCopy = false)
    {
        if (oneCopy && options.Scenarios.Contains(Scenarios.Memcpy) && !cases.Any(c => c.Id == CopyRowId(size)))
        {
            cases.Add(new BenchCase(CopyRowId(size), CaseKind.Latency, Transports.Memcpy, "copy", "fixed-rate", size, rate, null,
                new PeerSpec(PeerRoles.MemcpyPaced, [.. timing, "--size", Format.Invariant(size), "--rate", Format.Invariant(rate)]), true, next()));
        }

        if (options.Scenarios.Contains(Scenarios.Semaphore) && !cases.Any(c => c.Id == SemaphoreRowId(rate)))
        {
            cases.Add(BenchPlan.PingPong(SemaphoreRowId(rate), Transports.Semaphore, null, 0, rate, PeerRoles.SemaphorePacedEcho,
                PeerRoles.SemaphorePacedPing, passiveStopsItself: false, next(), timing));
        }

        if (options.Scenarios.Contains(Scenarios.UnixSocket) && !cases.Any(c => c.Id == UnixSocketRowId(size)))
        {
            cases.Add(BenchPlan.PingPong(UnixSocketRowId(size), Transports.UnixSocket, "copy", size, rate, PeerRoles.SocketEcho, PeerRoles.SocketPing,
                passiveStopsItself: true, next(), timing));
        }
    }

    /// <summary>The semaphore row a round-trip row is compared with: the one with the same pacing and rate (back-to-back: the back-to-back one).</summary>
    internal static BenchResult? Semaphore(IReadOnlyList<BenchResult> results, BenchResult row) =>
        results.FirstOrDefault(r => r.Error is null && r.Case.Kind == CaseKind.Latency && r.Case.Transport == Transports.Semaphore
                                    && r.Case.Pacing == row.Case.Pacing && r.Case.Rate == row.Case.Rate);

    /// <summary>The Unix-socket ping-pong a round-trip row is compared with: same frame size, pacing and rate.</summary>
    internal static BenchResult? UnixSocket(IReadOnlyList<BenchResult> results, BenchResult row) =>
        results.FirstOrDefault(r => r.Error is null && r.Case.Kind == CaseKind.Latency && r.Case.Transport == Transports.UnixSocket
                                    && r.FrameSize == row.FrameSize && r.Case.Pacing == row.Case.Pacing && r.Case.Rate == row.Case.Rate);

    /// <summary>The paced copy a paced zero-copy row is compared with: same frame size and rate.</summary>
    internal static BenchResult? Copy(IReadOnlyList<BenchResult> results, BenchResult row) =>
        results.FirstOrDefault(r => r.Error is null && r.Case.Kind == CaseKind.Latency && r.Case.Transport == Transports.Memcpy
                                    && r.FrameSize == row.FrameSize && r.Case.Rate == row.Case.Rate);
}
