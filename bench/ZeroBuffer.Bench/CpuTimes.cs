using System.Globalization;

namespace ZeroBuffer.Bench;

/// <summary>
/// The machine's CPU time since boot, from the first line of <c>/proc/stat</c> (clock ticks summed
/// over every CPU): busy (user, nice, system, irq, softirq; guest time is inside user and nice),
/// idle (idle, iowait) and stolen (time the hypervisor ran something else while this VM's vCPU
/// wanted to run). Differences of two readings give the shares of a span.
/// </summary>
internal readonly record struct CpuTimes(long Busy, long Idle, long Steal, int Processors)
{
    internal long Total => Busy + Idle + Steal;

    /// <summary>The current reading; null where <c>/proc/stat</c> cannot be read.</summary>
    internal static CpuTimes? Read()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string[] fields = lines.Length > 0 ? lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (fields.Length < 5 || fields[0] != "cpu")
        {
            return null;
        }

        long Field(int i) => i < fields.Length && long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : 0;
        int processors = lines.Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3]));
        return new CpuTimes(Field(1) + Field(2) + Field(3) + Field(6) + Field(7), Field(4) + Field(5), Field(8), processors);
    }
}
