using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// The idle probe: a thread of the bench process that sleeps 1 ms at a time and notes every
/// wake-up that came more than 1 ms late, with when it was due. The bench process does nothing
/// else while a case runs (it waits on its peers), so a late wake-up is the machine's: a core
/// taken by other work, a hypervisor that did not run the vCPU, a kernel thread that held it.
/// It costs about 1,000 short wake-ups a second. Stalls are kept in arrays made up front; the
/// bench reads them while the probe runs (each entry is written before the count that publishes it).
/// </summary>
internal sealed class StallProbe : IDisposable
{
    /// <summary>How long the probe sleeps each time.</summary>
    internal static readonly long SleepTicks = Stopwatch.Frequency / 1000;

    /// <summary>A wake-up later than this (1 ms) is a stall.</summary>
    internal static readonly long StallTicks = Stopwatch.Frequency / 1000;

    /// <summary>Room for 262,144 stalls: more than four minutes of nothing but stalls.</summary>
    private const int Capacity = 1 << 18;

    private readonly long[] _dueAt = new long[Capacity];
    private readonly long[] _lateTicks = new long[Capacity];
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _count;
    private long _wakes;
    private long _unrecorded;

    internal StallProbe()
    {
        _thread = new Thread(Run) { Name = "stall probe", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Stalls recorded so far; entries below it are complete.</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>Wake-ups so far, late or not.</summary>
    internal long Wakes => Volatile.Read(ref _wakes);

    /// <summary>Stalls beyond the arrays' room (counted, not kept).</summary>
    internal long Unrecorded => Volatile.Read(ref _unrecorded);

    /// <summary>Stall <paramref name="index"/>: when the wake-up was due, and how late it came (Stopwatch ticks).</summary>
    internal (long DueAt, long LateTicks) this[int index] => (_dueAt[index], _lateTicks[index]);

    private void Run()
    {
        while (!_stopping)
        {
            long before = Stopwatch.GetTimestamp();
            Thread.Sleep(1);
            long late = Stopwatch.GetTimestamp() - before - SleepTicks;
            Volatile.Write(ref _wakes, _wakes + 1);
            if (late <= StallTicks)
            {
                continue;
            }

            int n = _count;
            if (n < Capacity)
            {
                _dueAt[n] = before + SleepTicks;
                _lateTicks[n] = late;
                Volatile.Write(ref _count, n + 1);
            }
            else
            {
                Volatile.Write(ref _unrecorded, _unrecorded + 1);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }
}
