using System.Buffers;
using System.Buffers.Binary;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer write NAME</c>: connects to a buffer as its writer and writes metadata and
/// frames (generated, or read from stdin), optionally ending with an EXIT frame and/or staying
/// connected until stdin closes.
/// </summary>
internal static class WriteCommand
{
    private const string Events = """
        Events (--json, one object per line):
          {"event":"waiting","name":"N","reason":"..."}                      --wait-for-reader: no buffer (or no live reader) yet
          {"event":"connected","name":"N","pid":1234,"metadataSize":M,"payloadSize":P}
          {"event":"metadata","size":n,"sha256":"<hex>"}                     after --metadata/--metadata-file was written
          {"event":"written","sequence":s,"size":n[,"sha256":"<hex>"]}      per frame (sha256 with --hash)
          {"event":"exit-frame","sequence":s}                                 the EXIT frame (--exit)
          {"event":"done","frames":N,"bytes":B}                               frames and bytes exclude the EXIT frame
          {"event":"holding"}                                                 --hold: connected until stdin closes or Ctrl+C (exit 0)
          {"event":"paused","point":"P"[,"sequence":s]}                       --pause-at: stopped there until killed
        --pause-at after-acquire: frame number --pause-frame (1-based) is acquired and half filled, never committed.
        --pause-at mid-metadata: the --metadata is acquired and half filled, never committed.
        Pattern "sequence": byte i of the frame with sequence s is (byte)(i + s).
        --stdin lines: each line (without its line break; empty lines skipped) is a frame.
        --stdin length-prefixed: each frame is a u32 little-endian length followed by that many bytes.
        --file PATH...: one frame per file, in the order given (the whole file is the payload).
        With --stdin or --file, --count, --size, --sizes and --pattern are ignored.
        --rate R: at most R frames per second (paced against a clock, so slow writes do not add up);
          applies to generated, stdin and file frames; not with --delay-ms.
        Text mode prints "Wrote frame <sequence>, size: <size>" per frame and, with --hash, "Hash: <sha256 hex>".

        --wait-for-reader [MS]: start before the reader; connect once it has created the buffer (or replaced a
          crashed one). Without it, a missing buffer is exit 12 at once; with it, exit 12 after MS milliseconds.

        Examples:
          zerobuffer write camera-1 --count 100 --size 65536 --rate 30 --metadata "width=1920 height=1080"
          zerobuffer write camera-1 --wait-for-reader 10000 --count 100
          zerobuffer write camera-1 --file frame1.jpg frame2.jpg --metadata-file caps.json
          printf 'hello\nworld\n' | zerobuffer write camera-1 --stdin lines --exit
          zerobuffer read a --output length-prefixed | zerobuffer write b --stdin length-prefixed

        """;

    /// <summary>The highest --rate, frames per second (beyond it pacing means nothing).</summary>
    private const double MaxRate = 10_000_000;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name (created by a reader)." };
        var count = new Option<long>("--count") { Description = "Frames to write.", DefaultValueFactory = _ => 10 }.AtLeast(0);
        var size = new Option<int>("--size") { Description = "Frame size in bytes.", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(1);
        var sizes = new Option<int[]?>("--sizes")
        {
            Description = "Comma-separated frame sizes, cycled (e.g. 100,1024,1); overrides --size.",
            CustomParser = ParseSizes,
        };
        var pattern = new Option<string>("--pattern")
        {
            Description = "Frame content: sequence (byte i = (byte)(i + seq)), zero, or random (seeded by --seed).",
            DefaultValueFactory = _ => "sequence",
        };
        pattern.AcceptOnlyFromAmong("sequence", "zero", "random");
        var seed = new Option<int>("--seed") { Description = "Seed of the random pattern (0 or more).", DefaultValueFactory = _ => 1 }.AtLeast(0);
        var metadata = new Option<string?>("--metadata") { Description = "Metadata to write first (UTF-8 text)." };
        var metadataFile = new Option<FileInfo?>("--metadata-file") { Description = "Metadata to write first (the file's bytes)." };
        var delayMs = new Option<int>("--delay-ms") { Description = "Pause between frames, in milliseconds.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var exit = new Option<bool>("--exit") { Description = "Finish with an EXIT frame (the 4 ASCII bytes \"EXIT\"), which ends 'zerobuffer read'." };
        var hash = new Option<bool>("--hash") { Description = "Report the SHA-256 of every frame's payload." };
        var hold = new Option<bool>("--hold") { Description = "After writing, stay connected until stdin is closed." };
        var writeTimeoutMs = new Option<int?>("--write-timeout-ms")
        {
            Description = "How long a write waits for ring space before BufferFull (exit 17). Default 5000.",
        }.AtLeast(1);
        var stdin = new Option<string?>("--stdin") { Description = "Take frames from stdin: lines or length-prefixed." };
        stdin.AcceptOnlyFromAmong("lines", "length-prefixed");
        var pauseAt = new Option<string?>("--pause-at") { Description = "Fault injection: stop at this point until killed (after-acquire, mid-metadata)." };
        pauseAt.AcceptOnlyFromAmong(FaultPoints.AfterAcquire, FaultPoints.MidMetadata);
        var pauseFrame = new Option<long>("--pause-frame") { Description = "With --pause-at after-acquire: the frame (1-based) to stop at.", DefaultValueFactory = _ => 1 }.AtLeast(1);

        var files = new Option<FileInfo[]>("--file")
        {
            Description = "Files to send, one frame per file (whole file = payload).",
            AllowMultipleArgumentsPerToken = true,
        };
        files.AcceptExistingOnly();
        var rate = new Option<double?>("--rate") { Description = "Frames per second (pacing); default: as fast as the reader allows." };
        rate.Check(value => value is double r && !(r > 0 && r <= MaxRate) ? $"--rate must be greater than 0 and at most {MaxRate} (got {r})." : null);
        var waitStrategy = WaitStrategyOption.Create("the writer (for ring space)");
        var waitForReader = new Option<int?>("--wait-for-reader")
        {
            Description = "Wait for the reader to create the buffer (or to replace a crashed one), MS milliseconds at most; without MS, until Ctrl+C.",
            Arity = ArgumentArity.ZeroOrOne,
        }.AtLeast(0);
        var command = new Command("write", "Connect to a buffer and write frames to it.")
        {
            files, rate,
            name, count, size, sizes, pattern, seed, metadata, metadataFile, delayMs, exit, hash, hold, writeTimeoutMs, stdin, pauseAt, pauseFrame,
            waitStrategy, waitForReader,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(name),
            parse.GetValue(count),
            parse.GetValue(sizes) is { Length: > 0 } given ? given : [parse.GetValue(size)], // absent --sizes reads as empty
            Enum.Parse<FramePatternKind>(parse.GetRequiredValue(pattern), ignoreCase: true),
            parse.GetValue(seed),
            parse.GetValue(metadata),
            parse.GetValue(metadataFile),
            parse.GetValue(delayMs),
            parse.GetValue(exit),
            parse.GetValue(hash),
            parse.GetValue(hold),
            parse.GetValue(writeTimeoutMs),
            parse.GetValue(stdin),
            parse.GetValue(pauseAt),
            parse.GetValue(pauseFrame),
            parse.GetValue(files) ?? [],
            parse.GetValue(rate),
            WaitStrategyOption.Get(parse, waitStrategy),
            parse.GetResult(waitForReader) is null ? null
                : parse.GetValue(waitForReader) is int ms ? TimeSpan.FromMilliseconds(ms) : Timeout.InfiniteTimeSpan))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What write can return: the errors of connecting to a buffer and writing metadata and frames.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: every frame written (and, with --hold, stdin closed or Ctrl+C)")
        .ConnectingAsWriter()
        .WritingFrames()
        .With(ZeroBufferErrorKind.BufferNotFound, "no such buffer (with --wait-for-reader MS: none within MS ms)")
        .With(ZeroBufferErrorKind.ReaderDead, "the reader died (with --wait-for-reader MS: none replaced it within MS ms)")
        .With(ZeroBufferErrorKind.BufferFull, "no room within --write-timeout-ms while the reader lives")
        .With(ZeroBufferErrorKind.InvalidFrameSize, "an empty frame (a 0 length prefix on stdin)")
        .With(ZeroBufferErrorKind.MetadataAlreadyWritten, "the buffer already has metadata")
        .Interrupted("SIGTERM, or Ctrl+C before every frame was written (or while waiting for the reader)");

    /// <summary>Connects; with --wait-for-reader, says it is waiting (once) and waits for the reader.</summary>
    private static Writer Connect(Output output, Interruption stop, Settings settings)
    {
        if (settings.WaitForReader is not TimeSpan wait)
        {
            return new Writer(settings.Name);
        }

        try
        {
            return new Writer(settings.Name);
        }
        catch (Exception ex) when (ex is BufferNotFoundException or ReaderDeadException)
        {
            output.Emit(new WaitingForReaderEvent(settings.Name, ex.Message));

            return Writer.Connect(settings.Name, wait, cancellationToken: stop.Token);
        }
    }

    private sealed record Settings(
        string Name, long Count, int[] Sizes, FramePatternKind Pattern, int Seed, string? Metadata, FileInfo? MetadataFile,
        int DelayMs, bool Exit, bool Hash, bool Hold, int? WriteTimeoutMs, string? Stdin, string? PauseAt, long PauseFrame,
        FileInfo[] Files, double? Rate, WaitStrategy WaitStrategy, TimeSpan? WaitForReader);

    private static int[]? ParseSizes(ArgumentResult result)
    {
        var values = new List<int>();
        foreach (Token token in result.Tokens)
        {
            foreach (string part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!ByteSize.TryParseFrameSize(part, out int value) || value < 1)
                {
                    result.AddError($"--sizes: '{part}' is not a frame size (a whole number of bytes >= 1, optionally with K, M, G or KiB, MiB, GiB).");
                    return null;
                }

                values.Add(value);
            }
        }

        if (values.Count == 0)
        {
            result.AddError("--sizes needs at least one size.");
            return null;
        }

        return [.. values];
    }

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        if (settings.Metadata is not null && settings.MetadataFile is not null)
        {
            throw new UsageException("--metadata and --metadata-file are mutually exclusive.");
        }

        if (settings.Files.Length > 0 && settings.Stdin is not null)
        {
            throw new UsageException("--file and --stdin are mutually exclusive.");
        }

        if (settings.Rate is not null && settings.DelayMs > 0)
        {
            throw new UsageException("--rate and --delay-ms are mutually exclusive.");
        }

        if (settings.Hold && settings.Stdin is not null)
        {
            throw new UsageException("--hold waits for stdin to close, so it cannot be combined with --stdin.");
        }

        byte[]? metadata = settings.Metadata is not null ? Encoding.UTF8.GetBytes(settings.Metadata)
            : settings.MetadataFile is not null ? File.ReadAllBytes(settings.MetadataFile.FullName)
            : null;

        using Writer writer = Connect(output, stop, settings);
        writer.WaitStrategy = settings.WaitStrategy;
        if (settings.WriteTimeoutMs is int timeout)
        {
            writer.WriteTimeout = TimeSpan.FromMilliseconds(timeout);
        }

        output.Emit(new WriterConnectedEvent(writer.Name, Environment.ProcessId, writer.MetadataBlockSize, writer.RingSize));
        if (settings.PauseAt == FaultPoints.MidMetadata)
        {
            if (metadata is null)
            {
                throw new UsageException("--pause-at mid-metadata needs --metadata or --metadata-file.");
            }

            Span<byte> target = writer.GetMetadataBuffer(metadata.Length);
            metadata.AsSpan(0, metadata.Length / 2).CopyTo(target);
            FaultPoints.Pause(output, stop, FaultPoints.MidMetadata, null);
        }

        if (metadata is not null)
        {
            writer.SetMetadata(metadata);
            output.Emit(new MetadataWrittenEvent(metadata.Length, Hashing.Sha256Hex(metadata)));
        }

        var progress = new Progress(output, settings.Hash, settings.Rate, stop);
        if (settings.Files.Length > 0)
        {
            WriteFiles(writer, settings.Files, progress, stop);
        }
        else if (settings.Stdin is null)
        {
            WriteGenerated(writer, settings, progress, output, stop);
        }
        else if (settings.Stdin == "lines")
        {
            WriteLines(writer, progress, stop);
        }
        else
        {
            WriteLengthPrefixed(writer, progress, stop);
        }

        if (settings.Exit)
        {
            writer.WriteFrame(FramePattern.ExitFrame, stop.Token);
            output.Emit(new ExitFrameEvent(writer.NextSequence - 1, Sent: true));
        }

        output.Emit(new FramesDoneEvent(progress.Frames, progress.Bytes));
        if (!settings.Hold)
        {
            return ExitCodes.Success;
        }

        stop.WatchStdin();
        output.Emit(new HoldingEvent());
        try
        {
            stop.StdinClosed.Wait(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Holding runs until stopped: Ctrl+C is its normal end, as stdin closing is.
        }

        return stop.OpenEndedExit();
    }

    private static void WriteGenerated(Writer writer, Settings settings, Progress progress, Output output, Interruption stop)
    {
        Random? random = settings.Pattern == FramePatternKind.Random ? new Random(settings.Seed) : null;
        for (long i = 0; i < settings.Count; i++)
        {
            stop.Token.ThrowIfCancellationRequested();
            if (i > 0 && settings.DelayMs > 0)
            {
                stop.Token.WaitHandle.WaitOne(settings.DelayMs);
                stop.Token.ThrowIfCancellationRequested();
            }

            progress.Pace();
            int size = settings.Sizes[(int)(i % settings.Sizes.Length)];
            Span<byte> target = writer.GetFrameBuffer(size, out ulong sequence);
            FramePattern.Fill(target, sequence, settings.Pattern, random);
            if (settings.PauseAt == FaultPoints.AfterAcquire && i + 1 == settings.PauseFrame)
            {
                target[(target.Length / 2)..].Fill(0xEE); // a half-written frame: never to be seen by the reader
                FaultPoints.Pause(output, stop, FaultPoints.AfterAcquire, sequence);
            }

            string? sha256 = progress.Hash ? Hashing.Sha256Hex(target) : null;
            writer.CommitFrame();
            progress.Written(sequence, size, sha256);
        }
    }

    private static void WriteFiles(Writer writer, FileInfo[] files, Progress progress, Interruption stop)
    {
        foreach (FileInfo file in files)
        {
            stop.Token.ThrowIfCancellationRequested();
            long length = file.Length;
            if (length == 0 || length > int.MaxValue)
            {
                throw new UsageException($"--file {file.FullName}: a frame must be 1 to {int.MaxValue} bytes (the file has {length}).");
            }

            progress.Pace();
            // The file is read straight into the ring (no intermediate buffer).
            Span<byte> target = writer.GetFrameBuffer((int)length, out ulong sequence);
            using (Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(file.FullName))
            {
                int done = 0;
                while (done < target.Length)
                {
                    int n = RandomAccess.Read(handle, target[done..], done);
                    if (n == 0)
                    {
                        writer.AbortFrame();
                        throw new UsageException($"--file {file.FullName} shrank while being read.");
                    }

                    done += n;
                }
            }

            string? sha256 = progress.Hash ? Hashing.Sha256Hex(target) : null;
            writer.CommitFrame();
            progress.Written(sequence, target.Length, sha256);
        }
    }

    private static void WriteLines(Writer writer, Progress progress, Interruption stop)
    {
        using Stream stdin = Console.OpenStandardInput();
        var line = new ArrayBufferWriter<byte>(4096);
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = stdin.Read(chunk, 0, chunk.Length)) > 0)
        {
            ReadOnlySpan<byte> rest = chunk.AsSpan(0, read);
            int end;
            while ((end = rest.IndexOf((byte)'\n')) >= 0)
            {
                line.Write(rest[..end]);
                WriteLine(writer, line, progress, stop);
                rest = rest[(end + 1)..];
            }

            line.Write(rest);
        }

        WriteLine(writer, line, progress, stop);
    }

    private static void WriteLine(Writer writer, ArrayBufferWriter<byte> line, Progress progress, Interruption stop)
    {
        ReadOnlySpan<byte> payload = line.WrittenSpan;
        if (payload.EndsWith((byte)'\r'))
        {
            payload = payload[..^1];
        }

        if (!payload.IsEmpty)
        {
            progress.Pace();
            ulong sequence = writer.NextSequence;
            writer.WriteFrame(payload, stop.Token);
            progress.Written(sequence, payload.Length, progress.Hash ? Hashing.Sha256Hex(payload) : null);
        }

        line.ResetWrittenCount();
    }

    private static void WriteLengthPrefixed(Writer writer, Progress progress, Interruption stop)
    {
        using Stream stdin = Console.OpenStandardInput();
        Span<byte> prefix = stackalloc byte[sizeof(uint)];
        while (true)
        {
            stop.Token.ThrowIfCancellationRequested();
            int got = stdin.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got == 0)
            {
                return;
            }

            if (got < prefix.Length)
            {
                throw new UsageException($"stdin ended inside a length prefix ({got} of 4 bytes).");
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            if (length > int.MaxValue)
            {
                throw new UsageException($"Frame length {length} on stdin is larger than {int.MaxValue}.");
            }

            // Zero copy: stdin is read straight into the ring.
            progress.Pace();
            Span<byte> target = writer.GetFrameBuffer((int)length, out ulong sequence);
            int filled = stdin.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
            if (filled < target.Length)
            {
                writer.AbortFrame();
                throw new UsageException($"stdin ended inside frame {sequence} ({filled} of {length} bytes).");
            }

            string? sha256 = progress.Hash ? Hashing.Sha256Hex(target) : null;
            writer.CommitFrame();
            progress.Written(sequence, target.Length, sha256);
        }
    }

    /// <summary>Counts and reports written frames.</summary>
    private sealed class Progress(Output output, bool hash, double? rate, Interruption stop)
    {
        private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
        private long _paced;

        internal bool Hash => hash;

        /// <summary>With --rate: waits until frame number <c>n</c> (0-based) is due at start + n / rate.</summary>
        internal void Pace()
        {
            if (rate is not double perSecond)
            {
                return;
            }

            TimeSpan due = TimeSpan.FromSeconds(_paced++ / perSecond);
            TimeSpan wait = due - System.Diagnostics.Stopwatch.GetElapsedTime(_start);
            if (wait > TimeSpan.Zero)
            {
                stop.Token.WaitHandle.WaitOne(wait);
            }

            stop.Token.ThrowIfCancellationRequested();
        }

        internal long Frames { get; private set; }

        internal long Bytes { get; private set; }

        internal void Written(ulong sequence, int size, string? sha256)
        {
            Frames++;
            Bytes += size;
            output.Emit(new FrameWrittenEvent(sequence, size, sha256));
        }
    }
}
