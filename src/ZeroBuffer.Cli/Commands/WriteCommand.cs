using System.CommandLine;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Cli.Streaming;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer write NAME</c>: connects to a buffer as its writer and writes metadata and
/// frames (generated, or read from stdin), optionally ending with an EXIT frame and/or staying
/// connected until stdin closes.
/// </summary>
internal static class WriteCommand
{
    private const string Events = $$"""
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
        {{FrameSourceOptions.Help}}

        --wait-for-reader [MS]: start before the reader; connect once it has created the buffer (or replaced a
          crashed one). Without it, a missing buffer is exit 12 at once; with it, exit 12 after MS milliseconds.

        Examples:
          zerobuffer write camera-1 --count 100 --size 65536 --rate 30 --metadata "width=1920 height=1080"
          zerobuffer write camera-1 --wait-for-reader 10000 --count 100
          zerobuffer write camera-1 --file frame1.jpg frame2.jpg --metadata-file caps.json
          printf 'hello\nworld\n' | zerobuffer write camera-1 --stdin lines --exit
          zerobuffer read a --output length-prefixed | zerobuffer write b --stdin length-prefixed

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name (created by a reader)." };
        var frames = new FrameSourceOptions("stay connected");
        var writeTimeoutMs = new Option<int?>("--write-timeout-ms")
        {
            Description = "How long a write waits for ring space before BufferFull (exit 17). Default 5000.",
        }.AtLeast(1);
        var pauseAt = new Option<string?>("--pause-at") { Description = "Fault injection: stop at this point until killed (after-acquire, mid-metadata)." };
        pauseAt.AcceptOnlyFromAmong(FaultPoints.AfterAcquire, FaultPoints.MidMetadata);
        var pauseFrame = new Option<long>("--pause-frame") { Description = "With --pause-at after-acquire: the frame (1-based) to stop at.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var waitStrategy = WaitStrategyOption.Create("the writer (for ring space)");
        var waitForReader = new Option<int?>("--wait-for-reader")
        {
            Description = "Wait for the reader to create the buffer (or to replace a crashed one), MS milliseconds at most; without MS, until Ctrl+C.",
            Arity = ArgumentArity.ZeroOrOne,
        }.AtLeast(0);
        var command = new Command("write", "Connect to a buffer and write frames to it.") { name, writeTimeoutMs, pauseAt, pauseFrame, waitStrategy, waitForReader };
        frames.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(name),
            frames.Get(parse),
            parse.GetValue(writeTimeoutMs),
            parse.GetValue(pauseAt),
            parse.GetValue(pauseFrame),
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
        string Name, FrameSource Frames, int? WriteTimeoutMs, string? PauseAt, long PauseFrame, WaitStrategy WaitStrategy, TimeSpan? WaitForReader);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        settings.Frames.Validate();
        byte[]? metadata = settings.Frames.ReadMetadata();
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

        var sender = new FrameSender(new WriterTarget(writer), settings.Frames, output, stop)
        {
            PauseAfterAcquire = settings.PauseAt == FaultPoints.AfterAcquire ? settings.PauseFrame : 0,
        };
        sender.Send();
        output.Emit(new FramesDoneEvent(sender.Frames, sender.Bytes));
        if (!settings.Frames.Hold)
        {
            return ExitCodes.Success;
        }

        output.Emit(new HoldingEvent("the connection"));
        return stop.HoldUntilStdinClosed();
    }
}
