using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Cli.Demo;

namespace ZeroBuffer.Bench;

/// <summary>
/// Runs one <see cref="BenchCase"/>: starts the passive peer, waits for its ready event, starts
/// the active peer, waits for both to finish (closing the passive peer's stdin when it only stops
/// when told), and turns their summaries into result rows. A failed case becomes a row with an
/// error; its resources are removed either way.
/// </summary>
internal static class BenchRunner
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    internal static IReadOnlyList<BenchResult> Run(Output output, BenchCase benchCase, BenchOptions options, Interruption stop)
    {
        if (benchCase.NotRunReason is string reason)
        {
            return [new BenchResult(benchCase) { Error = "not run: " + reason }];
        }

        // Declared before the children, so it is disposed after them: a late "ready" from a child
        // that missed its deadline must not find it disposed.
        using var ready = new ManualResetEventSlim();
        ChildProcess? passive = null;
        ChildProcess? active = null;
        try
        {
            if (benchCase.Passive is not null)
            {
                passive = Start(benchCase.Passive, benchCase.Resources, ready);
                var waited = Stopwatch.StartNew();
                while (!ready.Wait(100))
                {
                    stop.Token.ThrowIfCancellationRequested();
                    if (passive.HasExited || waited.Elapsed > ReadyTimeout)
                    {
                        return [Failed(benchCase, passive, "did not get ready")];
                    }
                }
            }

            active = Start(benchCase.Active, benchCase.Resources, null);
            TimeSpan limit = TimeSpan.FromSeconds((benchCase.WindowSeconds ?? options.Seconds) + (benchCase.WarmUpSeconds ?? options.WarmUpSeconds)) + Grace;
            var running = Stopwatch.StartNew();
            while (!active.WaitForExit(TimeSpan.FromMilliseconds(100)))
            {
                stop.Token.ThrowIfCancellationRequested();
                if (running.Elapsed > limit)
                {
                    return [Failed(benchCase, active, $"did not finish within {limit.TotalSeconds:0} s")];
                }
            }

            if (active.ExitCode != ExitCodes.Success || active.Summary is null)
            {
                return [Failed(benchCase, active, $"failed (exit code {active.ExitCode})")];
            }

            if (passive is not null)
            {
                if (!benchCase.PassiveStopsItself)
                {
                    passive.Stop();
                }

                if (!passive.WaitForExit(TimeSpan.FromSeconds(10)) || passive.ExitCode != ExitCodes.Success)
                {
                    return [Failed(benchCase, passive, passive.HasExited ? $"failed (exit code {passive.ExitCode})" : "did not stop")];
                }
            }

            return Results(benchCase, active.Summary.Value, passive?.Summary);
        }
        finally
        {
            active?.Dispose();
            passive?.Dispose();
            Leftovers.Remove(output, benchCase.Resources);
        }
    }

    private static ChildProcess Start(PeerSpec peer, string name, ManualResetEventSlim? ready) =>
        ChildProcess.Start(peer.Role, ["peer", peer.Role, "--name", name, .. peer.Arguments, "--json"], (eventName, _) =>
        {
            if (eventName == "ready")
            {
                ready?.Set();
            }
        });

    private static BenchResult Failed(BenchCase benchCase, ChildProcess child, string what)
    {
        string detail = child.Error is JsonElement error && error.TryGetProperty("message", out JsonElement message)
            ? message.GetString() ?? ""
            : child.Stderr.Trim();
        return new BenchResult(benchCase) { Error = $"{child.Role} {what}" + (detail.Length > 0 ? $": {detail}" : "") };
    }

    private static IReadOnlyList<BenchResult> Results(BenchCase c, JsonElement active, JsonElement? passive)
    {
        switch (c.Kind)
        {
            case CaseKind.Bandwidth:
                return
                [
                    new BenchResult(c)
                    {
                        Id = "bandwidth/memcpy/hot", Mode = "hot", FrameSize = active.GetProperty("hotBytes").GetInt64(),
                        GigabytesPerSecond = active.GetProperty("hotGigabytesPerSecond").GetDouble(),
                        Sides = [new SideFigures("copier", null, null)],
                    },
                    new BenchResult(c)
                    {
                        Id = "bandwidth/memcpy/streaming", Mode = "streaming", FrameSize = active.GetProperty("streamBytes").GetInt64(),
                        GigabytesPerSecond = active.GetProperty("streamingGigabytesPerSecond").GetDouble(),
                        Sides = [new SideFigures("copier", null, null)],
                    },
                ];

            case CaseKind.Throughput:
            {
                // The reader's window (mark to end) defines the rate: every frame it counted arrived in it.
                JsonElement reader = passive ?? throw new InvalidOperationException("throughput cases have a reader");
                long frames = reader.GetProperty("frames").GetInt64();
                double seconds = reader.GetProperty("seconds").GetDouble();
                return
                [
                    new BenchResult(c)
                    {
                        Frames = frames,
                        Seconds = seconds,
                        FramesPerSecond = seconds > 0 ? frames / seconds : null,
                        GigabytesPerSecond = seconds > 0 ? reader.GetProperty("bytes").GetInt64() / seconds / 1e9 : null,
                        Sides = [SideFigures.From("writer", active), SideFigures.From("reader", reader)],
                    },
                ];
            }

            case CaseKind.FanOut:
                return [FanOutPeers.Result(c, active, passive ?? throw new InvalidOperationException("fan-out cases have subscribers"))];

            case CaseKind.Nats:
                return [NatsScenario.Result(c, active, passive ?? throw new InvalidOperationException("NATS cases have a receiver"))];

            case CaseKind.Idle:
                return
                [
                    new BenchResult(c)
                    {
                        Seconds = passive?.GetProperty("seconds").GetDouble() ?? 0,
                        Threads = passive is JsonElement readers && readers.TryGetProperty("threads", out JsonElement threads) ? threads.GetInt32() : null,
                        Window = MeasuredSpan.From(active),
                        Sides = [SideFigures.From("writer", active), SideFigures.From("reader", passive)],
                    },
                ];

            default:
                return
                [
                    new BenchResult(c)
                    {
                        Frames = active.GetProperty("frames").GetInt64(),
                        Seconds = active.GetProperty("seconds").GetDouble(),
                        Samples = active.GetProperty("samples").GetInt64(),
                        Latency = LatencyFigures.From(active),
                        SendLag = active.TryGetProperty("sendLagMicroseconds", out _) ? LatencyFigures.From(active, "sendLagMicroseconds") : null,
                        Sides = [SideFigures.From("pinger", active), SideFigures.From("echo", passive)],
                        Paced = PacedFigures.From(active, passive),
                        Relay = RelayFigures.From(active),
                        Window = MeasuredSpan.From(active),
                    },
                ];
        }
    }
}
