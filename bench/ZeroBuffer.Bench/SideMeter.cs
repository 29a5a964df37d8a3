using System.Diagnostics;
using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// What one side of a measurement costs over its measured window: wall time, process CPU time
/// (<see cref="Process.TotalProcessorTime"/> delta, all threads of the process) and the bytes the
/// measuring thread allocated (<see cref="GC.GetAllocatedBytesForCurrentThread"/> delta).
/// The readings that allocate (the Process object) are taken outside the allocation window.
/// An asynchronous side moves between threads, so it counts the whole process's allocations
/// instead (<see cref="GC.GetTotalAllocatedBytes"/>; the peer process does nothing else).
/// </summary>
/// <param name="processWide">Count every thread's allocations, not only the measuring thread's.</param>
internal sealed class SideMeter(bool processWide = false)
{
    private TimeSpan _cpuStart;
    private long _allocatedStart;
    private long _ticksStart;

    /// <summary>Wall time of the window.</summary>
    internal TimeSpan Elapsed { get; private set; }

    /// <summary>Process CPU time spent in the window.</summary>
    internal TimeSpan Cpu { get; private set; }

    /// <summary>Bytes the measuring thread allocated in the window.</summary>
    internal long AllocatedBytes { get; private set; }

    /// <summary>Whether <see cref="Start"/> ran.</summary>
    internal bool Started { get; private set; }

    /// <summary>When <see cref="Stop"/> ran, a <see cref="Stopwatch.GetTimestamp"/> value (one clock for every process of the host).</summary>
    internal long StopTimestamp { get; private set; }

    /// <summary>Opens the window (CPU first, allocation counter last).</summary>
    internal void Start()
    {
        using (var self = Process.GetCurrentProcess())
        {
            _cpuStart = self.TotalProcessorTime;
        }

        _ticksStart = Stopwatch.GetTimestamp();
        _allocatedStart = Allocated();
        Started = true;
    }

    /// <summary>Closes the window (allocation counter first, CPU last).</summary>
    internal void Stop()
    {
        long allocated = Allocated();
        long ticks = Stopwatch.GetTimestamp();
        AllocatedBytes = allocated - _allocatedStart;
        Elapsed = Stopwatch.GetElapsedTime(_ticksStart, ticks);
        StopTimestamp = ticks;
        using var self = Process.GetCurrentProcess();
        Cpu = self.TotalProcessorTime - _cpuStart;
    }

    private long Allocated() => processWide ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();

    /// <summary>
    /// Writes <c>"seconds"</c>, <c>"cpuSeconds"</c>, <c>"allocatedBytes"</c>, and, once measured,
    /// <c>"windowStart"</c>/<c>"windowEnd"</c> (Stopwatch timestamps: the bench matches them against
    /// what its idle probe saw, see <see cref="MeasuredSpan"/>).
    /// </summary>
    internal void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteNumber("seconds"u8, Elapsed.TotalSeconds);
        writer.WriteNumber("cpuSeconds"u8, Cpu.TotalSeconds);
        writer.WriteNumber("allocatedBytes"u8, AllocatedBytes);
        if (Started && StopTimestamp != 0)
        {
            writer.WriteNumber("windowStart"u8, _ticksStart);
            writer.WriteNumber("windowEnd"u8, StopTimestamp);
        }
    }
}
