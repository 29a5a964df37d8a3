using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// What happened to a whole peer process over its measured window, besides its own work: garbage
/// collections (<see cref="GC.CollectionCount"/>; a gen-1 collection counts in gen 0 too, a gen-2 in
/// both), page faults and context switches (<c>getrusage</c>, every thread of the process). An
/// involuntary switch is a preemption: the process wanted the core and someone else got it.
/// </summary>
internal readonly record struct ProcessCounters(
    long Gen0, long Gen1, long Gen2, long MinorFaults, long MajorFaults, long VoluntarySwitches, long InvoluntarySwitches)
{
    /// <summary>The JSON names, in order.</summary>
    internal static readonly string[] Names = ["gen0", "gen1", "gen2", "minorFaults", "majorFaults", "voluntarySwitches", "involuntarySwitches"];

    internal long this[int index] => index switch
    {
        0 => Gen0,
        1 => Gen1,
        2 => Gen2,
        3 => MinorFaults,
        4 => MajorFaults,
        5 => VoluntarySwitches,
        _ => InvoluntarySwitches,
    };

    /// <summary>The counters so far (reading them allocates nothing).</summary>
    internal static ProcessCounters Now()
    {
        ResourceUsage.Usage usage = ResourceUsage.Read(ResourceUsage.Self);
        return new ProcessCounters(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), usage.MinorFaults, usage.MajorFaults,
            usage.VoluntarySwitches, usage.InvoluntarySwitches);
    }

    /// <summary>What was counted between <paramref name="start"/> and this reading.</summary>
    internal ProcessCounters Since(ProcessCounters start) => new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2,
        MinorFaults - start.MinorFaults, MajorFaults - start.MajorFaults, VoluntarySwitches - start.VoluntarySwitches,
        InvoluntarySwitches - start.InvoluntarySwitches);

    /// <summary>Writes <c>"counters":{gen0 … involuntarySwitches}</c>.</summary>
    internal void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject("counters"u8);
        for (int i = 0; i < Names.Length; i++)
        {
            w.WriteNumber(Names[i], this[i]);
        }

        w.WriteEndObject();
    }

    /// <summary>The <c>"counters"</c> of a peer summary, if it has them.</summary>
    internal static ProcessCounters? From(JsonElement? summary)
    {
        if (summary is not JsonElement s || !s.TryGetProperty("counters", out JsonElement c))
        {
            return null;
        }

        long Get(int i) => c.GetProperty(Names[i]).GetInt64();
        return new ProcessCounters(Get(0), Get(1), Get(2), Get(3), Get(4), Get(5), Get(6));
    }
}
