namespace ZeroBuffer.Cli.Bench;

/// <summary>
/// EXTENSION POINT, not measured yet: the duplex round trip of issue 5 (a request/response over
/// the duplex layer, 64 B, compared with the raw two-buffer ping-pong of the <c>latency</c>
/// scenario, target ≤ 1.2×). The duplex layer (src/ZeroBuffer/Duplex) is being written in
/// parallel. To add it: give <c>bench-peer</c> a <c>duplex-server</c> role (echo through the
/// duplex server) and a <c>duplex-client</c> role (the pinger loop of
/// <see cref="ZeroBufferPingPongPeers.RunPing"/> over the duplex client), return their cases from
/// <see cref="Cases"/>, and add the ratio to <c>latency/zerobuffer/copy/back-to-back/64</c> in
/// <see cref="Ratios"/>. Until then <c>--scenarios duplex</c> only lists it as pending; no number
/// is ever made up for it.
/// </summary>
internal static class DuplexRoundTrip
{
    /// <summary>Why the scenario has no row yet (printed, and in the JSON summary's <c>pending</c>).</summary>
    internal const string PendingReason = "the duplex layer is not available yet; the scenario is an extension point (Bench/DuplexRoundTrip.cs)";

    /// <summary>Whether the scenario can run in this build.</summary>
    internal static bool IsAvailable => false;

    /// <summary>The duplex cases; none until the duplex layer exists.</summary>
    internal static IEnumerable<BenchCase> Cases(BenchOptions options)
    {
        _ = options;
        return [];
    }
}
