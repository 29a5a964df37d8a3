using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Cli.Demo;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Lifecycle;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer soak</c>: streams random-sized frames between a reader process and a writer
/// process (copies of this CLI: <c>read --keep-going --hash</c> and <c>write --hash</c>) while
/// SIGKILLing and restarting one side or the other at random, and verifies every delivered frame.
/// </summary>
/// <remarks>
/// Checks: each frame's size and SHA-256 match the generated content; sequence numbers run on
/// without gap or duplicate and restart at 1 only on a new writer connection; every frame a killed
/// writer reported as written reached the (living) reader; each death is noticed by the survivor
/// within the liveness bound; nothing of the buffer is left at the end.
/// </remarks>
internal static class SoakCommand
{
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(2); // 1 s rule + process start/slack
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private const string Events = """
        Events (--json, one object per line):
          {"event":"kill","side":"reader|writer","detectedMs":n}      a SIGKILL and how long the survivor took to notice
          {"event":"problem","message":"..."}                           a verification failure
          {"event":"summary","frames":N,"bytes":B,"readerKills":n,"writerKills":n,"recoveries":n,"errors":n,"maxDetectionMs":n,"leftovers":n}
        Stopped early (Ctrl+C, SIGTERM), it still verifies and summarizes what ran, then exits 130.

        Examples:
          zerobuffer soak --minutes 10
          zerobuffer soak --seconds 30 --json
          zerobuffer soak --kills 20

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var minutes = new Option<double>("--minutes") { Description = "How long to run (at most a week, 10080).", DefaultValueFactory = _ => 1 };
        minutes.Check(value => value > 0 && value <= 10080 ? null : $"--minutes must be in (0, 10080] (got {value}).");
        var seconds = new Option<int?>("--seconds") { Description = "How long to run, in seconds (overrides --minutes)." }.AtLeast(1);
        var payloadSize = new Option<long>("--payload-size") { Description = "Ring size in bytes.", DefaultValueFactory = _ => 64 * 1024 }.Sized().AtLeast(1024);
        var kills = new Option<int?>("--kills") { Description = "End after this many kills (each one recovered from), or when the time runs out if that comes first." }.AtLeast(1);
        var seed = new Option<int>("--seed") { Description = "Seed of frame sizes and kill timing (0 or more).", DefaultValueFactory = _ => Environment.TickCount & int.MaxValue }.AtLeast(0);
        var command = new Command("soak", "Stream between two processes while killing and restarting them at random; verify every frame.")
        {
            minutes, seconds, kills, payloadSize, seed,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) =>
        {
            TimeSpan duration = parse.GetValue(seconds) is int s ? TimeSpan.FromSeconds(s) : TimeSpan.FromMinutes(parse.GetValue(minutes));
            using var run = new Run(output, stop, duration, parse.GetValue(kills), parse.GetValue(payloadSize), parse.GetValue(seed));
            return run.Execute();
        }));
        return new CommandSpec(command, Events, ExitCodeTable.Standard("success: every delivered frame verified, nothing left behind")
            .With(ExitCodes.Unexpected, "unexpected error, or a child could not be started")
            .With(ExitCodes.VerificationFailed, "verification failed (errors > 0, or something left behind)")
            .Interrupted("Ctrl+C or SIGTERM before --minutes/--seconds ran out (after the summary of what ran)"));
    }

    private sealed class Run(Output output, Interruption stop, TimeSpan duration, int? killLimit, long payloadSize, int seed) : IDisposable
    {
        private readonly string _name = $"zbsoak-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        private readonly Random _random = new(seed);
        private readonly Lock _gate = new();
        private readonly Dictionary<(int Size, int Phase), string> _expectedHashes = [];
        private int[] _sizes = [];

        // Verification state (under _gate).
        private ulong _expectedSequence = 1;
        private int _connectionsStarted; // writer processes started for the current reader
        private int _connectionsSeen; // sequence-1 frames seen by the current reader
        private ulong _lastSequence;
        private long _frames;
        private long _bytes;
        private int _errors;
        private long _writerGoneAt;
        private ulong _lastWritten; // the current writer's last "written" sequence

        private int _readerKills;
        private int _writerKills;
        private int _recoveries;
        private double _maxDetectionMs;

        private volatile bool _finishing;
        private ChildProcess? _reader;
        private ChildProcess? _writer;
        private readonly ManualResetEventSlim _readerReady = new();
        private readonly ManualResetEventSlim _writerConnected = new();

        internal int Execute()
        {
            int largest = (int)Math.Min(payloadSize / 2 - 16, 256 * 1024);
            _sizes = Enumerable.Range(0, 64).Select(_ => _random.Next(1, largest + 1)).ToArray();
            var clock = Stopwatch.StartNew();
            try
            {
                StartReader();
                StartWriter();
                // A kill count makes the run's extent independent of the machine's speed: a loaded
                // machine restarts children slowly, so a time limit alone may leave room for one kill.
                while (clock.Elapsed < duration && !stop.IsRequested && !(_readerKills + _writerKills >= killLimit))
                {
                    stop.Token.WaitHandle.WaitOne(_random.Next(300, 1500)); // random time between crashes
                    if (stop.IsRequested || clock.Elapsed >= duration)
                    {
                        break;
                    }

                    if (_random.Next(2) == 0)
                    {
                        KillWriter();
                    }
                    else
                    {
                        KillReader();
                    }
                }
            }
            finally
            {
                Finish();
            }

            int leftovers = BufferCatalog.Inspect(_name) is null ? 0 : 1;
            if (leftovers > 0)
            {
                Problem($"buffer '{_name}' was left behind: {BufferCatalog.Inspect(_name)?.Reason}");
            }

            ReportSummary(leftovers);
            stop.Token.ThrowIfCancellationRequested(); // stopped early: the summary says what ran, the exit code that it was cut short
            return _errors == 0 ? ExitCodes.Success : ExitCodes.VerificationFailed;
        }

        private void StartReader()
        {
            lock (_gate)
            {
                _expectedSequence = 1;
                _connectionsStarted = 0;
                _connectionsSeen = 0;
                _lastSequence = 0;
                _writerGoneAt = 0;
            }

            for (int attempt = 0; ; attempt++)
            {
                _readerReady.Reset();
                _reader = ChildProcess.Start("reader", ["read", _name, "--json", "--hash", "--keep-going", "--metadata-size", "0", "--payload-size", payloadSize.ToString(System.Globalization.CultureInfo.InvariantCulture)], OnReaderEvent);
                if (_readerReady.Wait(StartTimeout))
                {
                    return;
                }

                // A writer that has not yet noticed the old reader's death keeps the name for a moment.
                _reader.WaitForExit(StartTimeout);
                _reader.Dispose();
                if (attempt >= 20)
                {
                    throw new InvalidOperationException($"The reader could not be started: {_reader.Stderr}");
                }
            }
        }

        private void StartWriter()
        {
            lock (_gate)
            {
                _connectionsStarted++;
                _lastWritten = 0;
            }

            _writerConnected.Reset();
            _writer = ChildProcess.Start("writer",
                ["write", _name, "--json", "--count", "1000000000", "--sizes", string.Join(',', _sizes), "--delay-ms", "1", "--write-timeout-ms", "60000"],
                OnWriterEvent);
            if (!_writerConnected.Wait(StartTimeout))
            {
                _writer.WaitForExit(TimeSpan.FromSeconds(1));
                throw new InvalidOperationException($"The writer did not connect: {_writer.Stderr}");
            }
        }

        private void KillWriter()
        {
            long killedAt = Stopwatch.GetTimestamp();
            _writer!.Kill();
            _writerKills++;
            ulong lastWritten;
            lock (_gate)
            {
                lastWritten = _lastWritten;
            }

            // The reader must notice within the bound, after delivering every frame the writer committed.
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                lock (_gate)
                {
                    if (_writerGoneAt >= killedAt)
                    {
                        Detected("writer", Stopwatch.GetElapsedTime(killedAt, _writerGoneAt));
                        if (_lastSequence < lastWritten)
                        {
                            Problem($"the writer reported frame {lastWritten} written, the reader got only up to {_lastSequence}");
                        }

                        break;
                    }
                }

                if (deadline.Elapsed > StartTimeout)
                {
                    Problem("the reader never reported the writer's death");
                    break;
                }

                Thread.Sleep(5); // polling the reader's event stream
            }

            _writer.Dispose();
            StartWriter();
            _recoveries++;
        }

        private void KillReader()
        {
            long killedAt = Stopwatch.GetTimestamp();
            _reader!.Kill();
            _readerKills++;

            // The writer must notice (ReaderDead, exit 15) within the bound.
            if (_writer!.WaitForExit(StartTimeout))
            {
                Detected("reader", Stopwatch.GetElapsedTime(killedAt));
                if (_writer.ExitCode != ExitCodes.For(ZeroBufferErrorKind.ReaderDead))
                {
                    Problem($"the writer exited with {_writer.ExitCode}, not ReaderDead: {_writer.Stderr}");
                }
            }
            else
            {
                Problem("the writer never reported the reader's death");
            }

            _writer.Dispose();
            _reader.Dispose();
            StartReader();
            StartWriter();
            _recoveries++;
        }

        private void Finish()
        {
            _finishing = true;
            _writer?.Kill();
            _writer?.Dispose();
            if (_reader is not null)
            {
                _reader.Terminate(); // a clean stop: the reader removes the buffer
                if (!_reader.WaitForExit(StartTimeout))
                {
                    _reader.Kill();
                }

                _reader.Dispose();
            }
        }

        private void Detected(string side, TimeSpan elapsed)
        {
            _maxDetectionMs = Math.Max(_maxDetectionMs, elapsed.TotalMilliseconds);
            if (elapsed > DetectionBound)
            {
                Problem($"the {side}'s death was noticed after {elapsed.TotalMilliseconds:0} ms");
            }

            output.Emit(new KillDetectedEvent(side, Math.Round(elapsed.TotalMilliseconds)));
        }

        private void OnReaderEvent(string name, JsonElement e)
        {
            switch (name)
            {
                case "ready":
                    _readerReady.Set();
                    break;
                case "writer-gone":
                    lock (_gate)
                    {
                        _writerGoneAt = Stopwatch.GetTimestamp();
                    }

                    break;
                case "frame":
                    Verify(e.GetProperty("sequence").GetUInt64(), e.GetProperty("size").GetInt32(), e.GetProperty("sha256").GetString()!);
                    break;
                case "error" when !_finishing:
                    Problem($"reader error: {e.GetProperty("message").GetString()}");
                    break;
            }
        }

        private void OnWriterEvent(string name, JsonElement e)
        {
            if (name == "connected")
            {
                _writerConnected.Set();
            }
            else if (name == "written")
            {
                lock (_gate)
                {
                    _lastWritten = e.GetProperty("sequence").GetUInt64();
                }
            }
        }

        private void Verify(ulong sequence, int size, string sha256)
        {
            lock (_gate)
            {
                if (sequence == 1 && _expectedSequence != 1 || sequence == 1 && _connectionsSeen == 0)
                {
                    _connectionsSeen++;
                    if (_connectionsSeen > _connectionsStarted)
                    {
                        Problem($"sequence restarted at 1 without a new writer (expected {_expectedSequence})");
                    }
                }
                else if (sequence != _expectedSequence)
                {
                    Problem($"expected sequence {_expectedSequence}, got {sequence} ({(sequence < _expectedSequence ? "duplicate" : "gap")})");
                }

                int expectedSize = _sizes[(int)((sequence - 1) % (ulong)_sizes.Length)];
                if (size != expectedSize)
                {
                    Problem($"frame {sequence} has {size} bytes, expected {expectedSize}");
                }
                else if (sha256 != ExpectedHash(size, sequence))
                {
                    Problem($"frame {sequence} ({size} bytes) has wrong content");
                }

                _expectedSequence = sequence + 1;
                _lastSequence = sequence;
                _frames++;
                _bytes += size;
            }
        }

        private string ExpectedHash(int size, ulong sequence)
        {
            var key = (size, (int)(sequence & 0xFF)); // the pattern depends on the sequence's low byte only
            if (!_expectedHashes.TryGetValue(key, out string? hash))
            {
                hash = Hashing.Sha256Hex(FramePattern.Sequence(size, sequence));
                _expectedHashes[key] = hash;
            }

            return hash;
        }

        private void Problem(string message)
        {
            Interlocked.Increment(ref _errors);
            output.Emit(new SoakProblemEvent(message));
        }

        public void Dispose()
        {
            _readerReady.Dispose();
            _writerConnected.Dispose();
        }

        private void ReportSummary(int leftovers) => output.Emit(new SoakSummaryEvent(
            _frames, _bytes, _readerKills, _writerKills, _recoveries, _errors, Math.Round(_maxDetectionMs), leftovers));
    }
}
