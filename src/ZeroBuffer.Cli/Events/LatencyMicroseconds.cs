namespace ZeroBuffer.Cli.Events;

/// <summary>Latency percentiles and maximum, in microseconds (<c>demo</c> and its reader child).</summary>
internal sealed record LatencyMicroseconds(double P50, double P90, double P99, double P999, double Max);
