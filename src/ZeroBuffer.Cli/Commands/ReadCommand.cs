using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Unicode;

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
          {"event":"done","frames":N,"bytes":B}  after --count frames or the EXIT frame (frames and bytes exclude EXIT)
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
        The buffer is removed when the command ends (also on Ctrl+C).

        Examples:
          zerobuffer read camera-1 --json --hash
          zerobuffer read camera-1 --count 100 --output length-prefixed > frames.bin
          zerobuffer read camera-1 --count 10 --output-dir ./frames
          zerobuffer read camera-1 --timeout-ms 5000 --count 1 || echo "no frame"

        """;

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
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
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: true, withVerification: false));
    }

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
            Output.ErrorLine($"Created buffer '{reader.Name}'; reader PID {Environment.ProcessId}. Writing frames to stdout ({settings.OutputFormat}).");
        }
        else
        {
            ReportReady(output, reader);
        }

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
                    ReportWriterGone(output, closed: ex is WriterClosedException);
                }

                continue;
            }
            catch (WriterClosedException)
            {
                // The end of the stream, not an error: everything the writer committed was read.
                ReportEnd(output, sink, frames, bytes);
                return ExitCodes.Success;
            }

            if (!frame.IsValid)
            {
                if (settings.Timeout is TimeSpan expired && Stopwatch.GetElapsedTime(lastFrame) >= expired)
                {
                    ReportTimeout(output, expired);
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
                    ReportExitFrame(output, frame.Sequence);
                    break;
                }

                frames++;
                bytes += payload.Length;
                string? file = sink.Write(frame.Sequence, payload);
                if (!sink.ToStdout)
                {
                    ReportFrame(output, frame.Sequence, payload, settings.Hash, file);
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

        if (sink.ToStdout)
        {
            Output.ErrorLine($"Done: {frames} frames, {bytes} bytes.");
        }
        else
        {
            ReportDone(output, frames, bytes);
        }

        return ExitCodes.Success;
    }

    private static void ReportReady(Output output, Reader reader)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("ready");
            e.Writer.WriteString("name"u8, reader.Name);
            e.Writer.WriteNumber("pid"u8, Environment.ProcessId);
            e.Writer.WriteNumber("metadataSize"u8, reader.Config.MetadataBlockSize);
            e.Writer.WriteNumber("payloadSize"u8, reader.Config.PayloadBlockSize);
        }
        else
        {
            output.Line($"Created buffer '{reader.Name}' (metadata {reader.Config.MetadataBlockSize} bytes, ring {reader.Config.PayloadBlockSize} bytes); reader PID {Environment.ProcessId}. Waiting for frames...");
        }
    }

    private static bool TryReportMetadata(Output output, Reader reader, FrameSink sink)
    {
        ReadOnlySpan<byte> metadata = reader.GetMetadata();
        if (metadata.IsEmpty)
        {
            return false;
        }

        sink.WriteMetadata(metadata);
        if (sink.ToStdout)
        {
            return true;
        }

        string sha256 = Hashing.Sha256Hex(metadata);
        string? text = Utf8.IsValid(metadata) ? Encoding.UTF8.GetString(metadata) : null;
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("metadata");
            e.Writer.WriteNumber("size"u8, metadata.Length);
            e.Writer.WriteString("sha256"u8, sha256);
            if (text is null)
            {
                e.Writer.WriteNull("text"u8);
            }
            else
            {
                e.Writer.WriteString("text"u8, text);
            }
        }
        else
        {
            output.Line($"Metadata: {metadata.Length} bytes, SHA-256 {sha256}" + (text is null ? " (binary)" : $": {text}"));
        }

        return true;
    }

    private static void ReportFrame(Output output, ulong sequence, ReadOnlySpan<byte> payload, bool hash, string? file)
    {
        string? sha256 = hash ? Hashing.Sha256Hex(payload) : null;
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("frame");
            e.Writer.WriteNumber("sequence"u8, sequence);
            e.Writer.WriteNumber("size"u8, payload.Length);
            if (sha256 is not null)
            {
                e.Writer.WriteString("sha256"u8, sha256);
            }

            if (file is not null)
            {
                e.Writer.WriteString("file"u8, file);
            }
        }
        else
        {
            output.Line($"Read frame {sequence}, size: {payload.Length}" + (file is null ? "" : $" -> {file}"));
            if (sha256 is not null)
            {
                output.Line($"Hash: {sha256}");
            }
        }
    }

    private static void ReportExitFrame(Output output, ulong sequence)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("exit-frame");
            e.Writer.WriteNumber("sequence"u8, sequence);
        }
        else
        {
            output.Line($"Received EXIT frame (sequence {sequence}).");
        }
    }

    private static void ReportDone(Output output, long frames, long bytes)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("done");
            e.Writer.WriteNumber("frames"u8, frames);
            e.Writer.WriteNumber("bytes"u8, bytes);
        }
        else
        {
            output.Line($"Done: {frames} frames, {bytes} bytes.");
        }
    }

    private static void ReportWriterGone(Output output, bool closed)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("writer-gone");
            e.Writer.WriteBoolean("closed"u8, closed);
        }
        else
        {
            output.Line(closed ? "The writer closed the stream; waiting for a new one..." : "The writer is gone; waiting for a new one...");
        }
    }

    /// <summary>The writer closed the stream cleanly and every frame was read: the end event (or stderr line with --output).</summary>
    private static void ReportEnd(Output output, FrameSink sink, long frames, long bytes)
    {
        if (sink.ToStdout)
        {
            Output.ErrorLine($"End of stream: the writer closed it; {frames} frames, {bytes} bytes.");
        }
        else if (output.Json)
        {
            using Output.JsonEvent e = output.Event("end");
            e.Writer.WriteNumber("frames"u8, frames);
            e.Writer.WriteNumber("bytes"u8, bytes);
        }
        else
        {
            output.Line($"End of stream: the writer closed it; {frames} frames, {bytes} bytes.");
        }
    }

    private static void ReportTimeout(Output output, TimeSpan timeout)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("timeout");
        }
        else
        {
            Output.ErrorLine($"timeout: no frame for {timeout.TotalMilliseconds:0} ms");
        }
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
