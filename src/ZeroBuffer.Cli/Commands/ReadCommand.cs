using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Unicode;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer read NAME</c>: creates the buffer as its reader and reports what arrives:
/// metadata once, then every frame, until a count, an EXIT frame, a timeout or the writer's end.
/// </summary>
internal static class ReadCommand
{
    /// <summary>How often metadata is looked for while no frame arrives.</summary>
    private static readonly TimeSpan MetadataPoll = TimeSpan.FromMilliseconds(100);

    private const string Events = """
        Events (--json, one object per line):
          {"event":"ready","name":"N","pid":1234,"metadataSize":M,"payloadSize":P}   buffer created (M, P: block sizes, rounded up to 64)
          {"event":"metadata","size":n,"sha256":"<hex>","text":"<UTF-8 text or null>"}   once, when the writer's metadata is present
          {"event":"frame","sequence":s,"size":n[,"sha256":"<hex>"]}                per frame (sha256 with --hash)
          {"event":"exit-frame","sequence":s}   a frame whose payload is exactly "EXIT" ends the command (exit 0)
          {"event":"done","frames":N,"bytes":B}  after --count frames, the EXIT frame, or Ctrl+C without --count (frames and bytes exclude EXIT)
          {"event":"timeout"}                    no frame within --timeout-ms (exit 3)
          {"event":"end","frames":N,"bytes":B}   the writer closed the stream cleanly and every frame was read (exit 0)
          {"event":"error","kind":"WriterDead","message":"..."}   the writer died (or left without closing its session) and every frame was read (exit 16)
          {"event":"writer-gone","closed":b}     --keep-going: the writer closed (true) or died (false), every frame read; waiting for a new one
          {"event":"paused","point":"holding-frame","sequence":s}   --pause-at holding-frame: frame --pause-frame is held until killed
        Text mode prints "Read frame <sequence>, size: <size>" per frame and, with --hash, "Hash: <sha256 hex>".
        --output raw|length-prefixed: stdout carries only the frame payloads (raw: concatenated; length-prefixed:
          each preceded by its u32 little-endian length, the format "write --stdin length-prefixed" reads);
          the status lines go to stderr and --json is refused.
        --output-dir DIR: each frame is saved as DIR/frame-<sequence, 8 digits>.bin (metadata as DIR/metadata.bin);
          events as usual, frame events carry "file":"<path>". With a new writer connection (sequence 1 again)
          later files overwrite earlier ones of the same sequence.
        --access owner|group|everyone: who besides this user may open the buffer (modes 0600, 0660, 0666).
        The buffer is removed when the command ends (also on Ctrl+C). Without --count, Ctrl+C is the normal end
        (the done event, exit 0); with --count, or on SIGTERM, the read is interrupted (exit 130).

        Examples:
          zerobuffer read camera-1 --json --hash
          zerobuffer read camera-1 --count 100 --output length-prefixed > frames.bin
          zerobuffer read camera-1 --count 10 --output-dir ./frames
          zerobuffer read camera-1 --timeout-ms 5000 --count 1 || echo "no frame"

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name: 1-200 characters from [A-Za-z0-9._-]." };
        var metadataSize = new Option<long>("--metadata-size")
        {
            Description = "Bytes reserved for metadata (its 8-byte length prefix included).",
            DefaultValueFactory = _ => 1024,
        }.Sized().AtLeast(0);
        var payloadSize = new Option<long>("--payload-size")
        {
            Description = "Ring size in bytes (at least 2 x (largest frame + 24)).",
            DefaultValueFactory = _ => 1024 * 1024,
        }.Sized().AtLeast(1);
        var count = new Option<long>("--count")
        {
            Description = "Frames to read before finishing; 0 = until an EXIT frame or the writer is gone.",
            DefaultValueFactory = _ => 0,
        }.AtLeast(0);
        var timeoutMs = new Option<int?>("--timeout-ms")
        {
            Description = "Give up (exit 3) when no frame arrives for this many milliseconds. Default: wait forever.",
        }.AtLeast(0);
        var hash = new Option<bool>("--hash") { Description = "Report the SHA-256 of every frame's payload." };
        var delayMs = new Option<int>("--delay-ms")
        {
            Description = "Hold each frame this many milliseconds before releasing it (a slow reader).",
            DefaultValueFactory = _ => 0,
        }.AtLeast(0);

        var keepGoing = new Option<bool>("--keep-going") { Description = "When the writer leaves or dies, report it and wait for a new writer instead of exiting." };
        var pauseAt = new Option<string?>("--pause-at") { Description = "Fault injection: stop at this point until killed (holding-frame)." };
        pauseAt.AcceptOnlyFromAmong(FaultPoints.HoldingFrame);
        var pauseFrame = new Option<long>("--pause-frame") { Description = "With --pause-at: the frame (1-based) to stop at.", DefaultValueFactory = _ => 1 }.AtLeast(1);

        var outputFormat = new Option<string?>("--output") { Description = "Write frame payloads to stdout: raw or length-prefixed (status goes to stderr)." };
        outputFormat.AcceptOnlyFromAmong("raw", "length-prefixed");
        var outputDir = new Option<DirectoryInfo?>("--output-dir") { Description = "Save each frame as DIR/frame-<sequence>.bin (created when missing)." };
        var waitStrategy = WaitStrategyOption.Create("the reader");
        var access = AccessOption.Create("the buffer");
        var command = new Command("read", "Create a buffer and read frames from it.")
        {
            name, metadataSize, payloadSize, count, timeoutMs, hash, delayMs, pauseAt, pauseFrame, keepGoing, outputFormat, outputDir, waitStrategy, access,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(name),
            parse.GetValue(metadataSize),
            parse.GetValue(payloadSize),
            parse.GetValue(count),
            parse.GetValue(timeoutMs) is int t ? TimeSpan.FromMilliseconds(t) : null,
            parse.GetValue(hash),
            parse.GetValue(delayMs),
            parse.GetValue(pauseAt),
            parse.GetValue(pauseFrame),
            parse.GetValue(keepGoing),
            parse.GetValue(outputFormat),
            parse.GetValue(outputDir),
            WaitStrategyOption.Get(parse, waitStrategy),
            AccessOption.Get(parse, access)))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What read can return: its own timeout, and the errors of creating a buffer and reading from it.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: --count frames, an EXIT frame, the writer's clean close, or Ctrl+C without --count")
        .With(ExitCodes.Timeout, "timeout: no frame within --timeout-ms")
        .CreatingAsReader()
        .With(ZeroBufferErrorKind.WriterDead, "the writer died (or left without closing), every frame read; not with --keep-going")
        .With(ZeroBufferErrorKind.SequenceError, "a frame arrived out of sequence")
        .With(ZeroBufferErrorKind.BufferCorrupted, "a frame header or the metadata is impossible")
        .Interrupted("SIGTERM, or Ctrl+C before --count frames (the buffer is removed either way)");

    private sealed record Settings(
        string Name, long MetadataSize, long PayloadSize, long Count, TimeSpan? Timeout, bool Hash, int DelayMs, string? PauseAt, long PauseFrame, bool KeepGoing,
        string? OutputFormat, DirectoryInfo? OutputDir, WaitStrategy WaitStrategy, BufferAccess Access);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        if (settings.OutputFormat is not null && output.Json)
        {
            throw new UsageException("--output writes frames to stdout, so it cannot be combined with --json.");
        }

        if (settings.OutputFormat is not null && settings.OutputDir is not null)
        {
            throw new UsageException("--output and --output-dir are mutually exclusive.");
        }

        settings.OutputDir?.Create();
        using var sink = new FrameSink(settings.OutputFormat, settings.OutputDir);
        var config = new BufferConfig(settings.MetadataSize, settings.PayloadSize) { Access = settings.Access };
        using var reader = new Reader(settings.Name, config) { WaitStrategy = settings.WaitStrategy };
        if (sink.ToStdout)
        {
            output.ReportOnStderr(); // stdout carries the frames
        }

        output.Emit(new BufferCreatedEvent(reader.Name, Environment.ProcessId, reader.Config.MetadataBlockSize, reader.Config.PayloadBlockSize, settings.OutputFormat));

        bool metadataShown = false;
        long frames = 0;
        long bytes = 0;
        long lastFrame = Stopwatch.GetTimestamp();
        bool writerGoneReported = false;
        while (settings.Count == 0 || frames < settings.Count)
        {
            metadataShown = metadataShown || TryReportMetadata(output, reader, sink);
            TimeSpan wait = metadataShown ? Timeout.InfiniteTimeSpan : MetadataPoll;
            if (settings.Timeout is TimeSpan limit)
            {
                TimeSpan left = limit - Stopwatch.GetElapsedTime(lastFrame);
                left = left < TimeSpan.Zero ? TimeSpan.Zero : left;
                wait = wait == Timeout.InfiniteTimeSpan || left < wait ? left : wait;
            }

            Frame frame;
            try
            {
                if (!reader.TryReadFrame(wait, out frame, stop.Token))
                {
                    frame = Frame.Invalid;
                }
            }
            catch (Exception ex) when ((ex is WriterDeadException or WriterClosedException) && settings.KeepGoing)
            {
                if (!writerGoneReported)
                {
                    writerGoneReported = true;
                    output.Emit(new WriterGoneEvent(Closed: ex is WriterClosedException));
                }

                continue;
            }
            catch (OperationCanceledException) when (settings.Count == 0)
            {
                break; // a stop ends a read without --count: its done event, then the exit code of the signal
            }
            catch (WriterClosedException)
            {
                // The end of the stream, not an error: everything the writer committed was read.
                output.Emit(new StreamEndEvent(frames, bytes));
                return ExitCodes.Success;
            }

            if (!frame.IsValid)
            {
                if (settings.Timeout is TimeSpan expired && Stopwatch.GetElapsedTime(lastFrame) >= expired)
                {
                    output.Emit(new ReadTimeoutEvent(expired));
                    return ExitCodes.Timeout;
                }

                continue;
            }

            writerGoneReported = false;
            using (frame)
            {
                lastFrame = Stopwatch.GetTimestamp();
                metadataShown = metadataShown || TryReportMetadata(output, reader, sink);
                ReadOnlySpan<byte> payload = frame.Span;
                if (FramePattern.IsExitFrame(payload))
                {
                    output.Emit(new ExitFrameEvent(frame.Sequence, Sent: false));
                    break;
                }

                frames++;
                bytes += payload.Length;
                string? file = sink.Write(frame.Sequence, payload);
                if (!sink.ToStdout)
                {
                    output.Emit(new FrameReadEvent(frame.Sequence, payload.Length, settings.Hash ? Hashing.Sha256Hex(payload) : null, file));
                }

                if (settings.PauseAt == FaultPoints.HoldingFrame && frames == settings.PauseFrame)
                {
                    FaultPoints.Pause(output, stop, FaultPoints.HoldingFrame, frame.Sequence);
                }

                if (settings.DelayMs > 0)
                {
                    // The slow-reader scenario: the frame stays held (its space unreleased) meanwhile.
                    stop.Token.WaitHandle.WaitOne(settings.DelayMs);
                }
            }
        }

        output.Emit(new FramesDoneEvent(frames, bytes));
        return settings.Count == 0 ? stop.OpenEndedExit() : ExitCodes.Success;
    }

    /// <summary>Reports (and saves) the metadata once the writer wrote it; false while there is none.</summary>
    private static bool TryReportMetadata(Output output, Reader reader, FrameSink sink)
    {
        ReadOnlySpan<byte> metadata = reader.GetMetadata();
        if (metadata.IsEmpty)
        {
            return false;
        }

        sink.WriteMetadata(metadata);
        if (!sink.ToStdout)
        {
            output.Emit(new MetadataReceivedEvent(metadata.Length, Hashing.Sha256Hex(metadata), Utf8.IsValid(metadata) ? Encoding.UTF8.GetString(metadata) : null));
        }

        return true;
    }

    /// <summary>Where frame payloads go besides the report: stdout (raw or length-prefixed), files, or nowhere.</summary>
    private sealed class FrameSink(string? format, DirectoryInfo? directory) : IDisposable
    {
        private readonly Stream? _stdout = format is null ? null : Console.OpenStandardOutput();

        internal bool ToStdout => _stdout is not null;

        /// <summary>Writes the payload; returns the file written, if any.</summary>
        internal string? Write(ulong sequence, ReadOnlySpan<byte> payload)
        {
            if (_stdout is not null)
            {
                if (format == "length-prefixed")
                {
                    Span<byte> prefix = stackalloc byte[sizeof(uint)];
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)payload.Length);
                    _stdout.Write(prefix);
                }

                _stdout.Write(payload);
                _stdout.Flush();
                return null;
            }

            if (directory is null)
            {
                return null;
            }

            string path = Path.Combine(directory.FullName, $"frame-{sequence:D8}.bin");
            using (FileStream file = File.Create(path))
            {
                file.Write(payload);
            }

            return path;
        }

        internal void WriteMetadata(ReadOnlySpan<byte> metadata)
        {
            if (directory is not null)
            {
                using FileStream file = File.Create(Path.Combine(directory.FullName, "metadata.bin"));
                file.Write(metadata);
            }
        }

        public void Dispose() => _stdout?.Dispose();
    }
}
