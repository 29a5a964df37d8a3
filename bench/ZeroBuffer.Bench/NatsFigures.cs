using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// The figures only a NATS row has (<see cref="NatsScenario"/>): which path, mode and measure, how
/// frames were cut into messages, and what did not arrive.
/// </summary>
/// <param name="Path"><c>bare</c> or <c>bridge</c>.</param>
/// <param name="Mode"><c>core</c> or <c>jetstream</c>.</param>
/// <param name="Measure"><c>throughput</c> or <c>latency</c>.</param>
/// <param name="MaxPayload">The server's <c>max_payload</c>, bytes.</param>
/// <param name="ChunkSize">The largest message payload a frame was cut into (the bridge's chunk plan, on both paths).</param>
/// <param name="Chunks">Messages per frame.</param>
/// <param name="Sent">Data frames the sender sent in its window.</param>
/// <param name="Lost">Sent − received (0 when every frame arrived: the windows are marked in-band).</param>
/// <param name="BridgeLost">Bridged rows: frames the importer reported lost over the whole case (warm-up included); null for bare rows.</param>
internal sealed record NatsFigures(string Path, string Mode, string Measure, long MaxPayload, int ChunkSize, int Chunks, long Sent, long Lost, long? BridgeLost)
{
    /// <summary>
    /// How the frames were cut, in words, for the report: the payload and its chunks on the bare
    /// path, the bridge's chunks with its headers on the other.
    /// </summary>
    internal string Chunking => Chunks <= 1
        ? "one message per frame"
        : Path == NatsScenario.BarePath
            ? $"{Chunks} messages of up to {ChunkSize} B per frame (max_payload {MaxPayload} B): the bridge's chunk plan, no headers; reassembled with one copy"
            : $"{Chunks} chunks of up to {ChunkSize} B per frame (max_payload {MaxPayload} B), bridge headers on each; reassembled into the ring";

    /// <summary>Writes the <c>nats</c> object of a row.</summary>
    internal void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject("nats"u8);
        w.WriteString("path"u8, Path);
        w.WriteString("mode"u8, Mode);
        w.WriteString("measure"u8, Measure);
        w.WriteNumber("maxPayload"u8, MaxPayload);
        w.WriteNumber("chunkSize"u8, ChunkSize);
        w.WriteNumber("chunks"u8, Chunks);
        w.WriteString("chunking"u8, Chunking);
        w.WriteNumber("sent"u8, Sent);
        w.WriteNumber("lost"u8, Lost);
        if (BridgeLost is long bridgeLost)
        {
            w.WriteNumber("bridgeLost"u8, bridgeLost);
        }

        w.WriteEndObject();
    }

    /// <summary>The figures of a row's runs: the counts are medians, the rest is the same in every run.</summary>
    internal static NatsFigures Median(IReadOnlyList<BenchResult> runs)
    {
        NatsFigures first = runs[0].Nats!;
        return first with
        {
            Sent = (long)MedianOf(runs, f => f.Sent),
            Lost = runs.Max(r => r.Nats!.Lost), // the worst run: a loss must not be hidden by a median
            BridgeLost = first.BridgeLost is null ? null : runs.Max(r => r.Nats!.BridgeLost ?? 0),
        };
    }

    private static double MedianOf(IReadOnlyList<BenchResult> runs, Func<NatsFigures, long> figure)
    {
        long[] values = [.. runs.Select(r => figure(r.Nats!)).Order()];
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
    }
}
