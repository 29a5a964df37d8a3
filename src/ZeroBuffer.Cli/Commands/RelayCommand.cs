using System.CommandLine;
using System.Diagnostics;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer relay IN OUT</c>: creates buffer IN as its reader, connects to buffer OUT as its
/// writer, and forwards metadata once and every frame. Zero-copy on the read side: each frame's
/// span in IN's ring is copied straight into OUT's ring, then released.
/// </summary>
internal static class RelayCommand
{
    /// <summary>How long one write waits for space before checking for a stop (it then waits again).</summary>
    private static readonly TimeSpan WriteSlice = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one read waits before checking progress and metadata.</summary>
    private static readonly TimeSpan ReadSlice = TimeSpan.FromMilliseconds(100);

    private const string Events = """
        Events (--json, one object per line):
          {"event":"ready","in":"IN","out":"OUT","pid":1234,"inPayloadSize":P,"outPayloadSize":P}   IN created, connected to OUT
          {"event":"metadata","size":n}                       IN's metadata was copied to OUT (once)
          {"event":"progress","frames":N,"bytes":B}           every --progress-ms while frames flow
          {"event":"input-writer-gone","closed":b}            IN's writer closed its stream (true) or died (false), and every frame was forwarded
          {"event":"done","frames":N,"bytes":B,"reason":"count|exit-frame|input-writer-gone|stopped"}   stopped: Ctrl+C without --count (exit 0)
          {"event":"error","kind":"ReaderDead","message":"..."}   OUT's reader died (exit 15, also noticed while idle); IN is removed
        Frames keep their payload, not their sequence numbers (OUT numbers them from 1). An EXIT
        frame is forwarded and ends the relay. With --keep-going the relay waits for a new IN writer
        instead of ending when the writer leaves. A slow OUT reader slows the relay down (no frame is dropped).
        --access owner|group|everyone: who besides this user may open IN (modes 0600, 0660, 0666).

        Examples:
          zerobuffer read cam-processed &            # the downstream reader creates OUT
          zerobuffer relay cam-raw cam-processed      # creates IN, forwards until its writer leaves
          zerobuffer write cam-raw --count 100 --size 65536

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var input = new Argument<string>("IN") { Description = "Buffer to create and read from." };
        var outputName = new Argument<string>("OUT") { Description = "Existing buffer (created by its reader) to write to." };
        var metadataSize = new Option<long>("--metadata-size") { Description = "IN: bytes reserved for metadata.", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(0);
        var payloadSize = new Option<long>("--payload-size") { Description = "IN: ring size in bytes.", DefaultValueFactory = _ => 1024 * 1024 }.Sized().AtLeast(1);
        var count = new Option<long>("--count") { Description = "Frames to forward before finishing; 0 = until the IN writer leaves or an EXIT frame.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var progressMs = new Option<int>("--progress-ms") { Description = "Interval of progress events/lines.", DefaultValueFactory = _ => 1000 }.AtLeast(1);
        var keepGoing = new Option<bool>("--keep-going") { Description = "When IN's writer leaves, wait for a new one instead of finishing." };
        var access = AccessOption.Create("IN");
        var command = new Command("relay", "Forward frames (and metadata) from buffer IN to buffer OUT.")
        {
            input, outputName, metadataSize, payloadSize, count, progressMs, keepGoing, access,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(input), parse.GetRequiredValue(outputName), parse.GetValue(metadataSize), parse.GetValue(payloadSize),
            parse.GetValue(count), parse.GetValue(progressMs), parse.GetValue(keepGoing), AccessOption.Get(parse, access)))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What relay can return: the errors of writing to OUT, and of creating and reading IN.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: --count frames, an EXIT frame, IN's writer gone, or Ctrl+C without --count")
        .CreatingAsReader("IN")
        .ConnectingAsWriter("OUT")
        .WritingFrames("OUT's reader")
        .With(ZeroBufferErrorKind.SystemError, "the OS refused IN or OUT")
        .With(ZeroBufferErrorKind.BufferNotFound, "OUT does not exist (nothing was created)")
        .With(ZeroBufferErrorKind.ReaderDead, "OUT's reader died (noticed while idle too)")
        .With(ZeroBufferErrorKind.SequenceError, "a frame of IN arrived out of sequence")
        .With(ZeroBufferErrorKind.MetadataAlreadyWritten, "OUT already has metadata")
        .With(ZeroBufferErrorKind.BufferCorrupted, "a control block or frame header is impossible")
        .With(ZeroBufferErrorKind.AccessDenied, "OUT, or IN's name, belongs to another user who did not share it")
        .Interrupted("SIGTERM, or Ctrl+C before --count frames (IN is removed either way)");

    private sealed record Settings(string In, string Out, long MetadataSize, long PayloadSize, long Count, int ProgressMs, bool KeepGoing, BufferAccess Access);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        if (settings.In == settings.Out)
        {
            throw new UsageException("IN and OUT must be different buffers.");
        }

        // OUT first: when it does not exist, nothing is created.
        using var writer = new Writer(settings.Out);
        using var reader = new Reader(settings.In, new BufferConfig(settings.MetadataSize, settings.PayloadSize) { Access = settings.Access });
        output.Emit(new RelayReadyEvent(settings.In, settings.Out, Environment.ProcessId, reader.Config.PayloadBlockSize, writer.RingSize));

        bool metadataCopied = false;
        long frames = 0;
        long bytes = 0;
        long reported = 0;
        long lastProgress = Stopwatch.GetTimestamp();
        bool writerGoneReported = false;
        string reason = "count";
        try
        {
            while (settings.Count == 0 || frames < settings.Count)
            {
                if (!metadataCopied && !reader.GetMetadata().IsEmpty)
                {
                    ReadOnlySpan<byte> metadata = reader.GetMetadata();
                    writer.SetMetadata(metadata);
                    metadataCopied = true;
                    output.Emit(new MetadataCopiedEvent(metadata.Length));
                }

                if (frames != reported && Stopwatch.GetElapsedTime(lastProgress).TotalMilliseconds >= settings.ProgressMs)
                {
                    output.Emit(new RelayProgressEvent(frames, bytes));
                    (reported, lastProgress) = (frames, Stopwatch.GetTimestamp());
                }

                Frame frame;
                try
                {
                    if (!reader.TryReadFrame(ReadSlice, out frame, stop.Token))
                    {
                        if (!writer.IsReaderConnected())
                        {
                            // Noticed while idle too, not only at the next write.
                            throw new ReaderDeadException(settings.Out, $"The reader of buffer '{settings.Out}' is gone.");
                        }

                        continue;
                    }
                }
                catch (Exception ex) when (ex is WriterDeadException or WriterClosedException)
                {
                    if (!writerGoneReported)
                    {
                        writerGoneReported = true;
                        output.Emit(new InputWriterGoneEvent(Closed: ex is WriterClosedException, settings.In));
                    }

                    if (settings.KeepGoing)
                    {
                        stop.Token.WaitHandle.WaitOne(ReadSlice);
                        stop.Token.ThrowIfCancellationRequested();
                        continue;
                    }

                    reason = "input-writer-gone";
                    break;
                }

                writerGoneReported = false;
                using (frame)
                {
                    ReadOnlySpan<byte> payload = frame.Span; // IN's ring: not copied before it lands in OUT's ring
                    while (!writer.TryWriteFrame(payload, WriteSlice, stop.Token))
                    {
                        // OUT is full and its reader alive: wait (ReaderDeadException ends the relay).
                    }

                    if (FramePattern.IsExitFrame(payload))
                    {
                        reason = "exit-frame";
                        break;
                    }

                    frames++;
                    bytes += payload.Length;
                }
            }
        }
        catch (OperationCanceledException) when (settings.Count == 0)
        {
            reason = "stopped"; // a stop ends a relay without --count (a frame waiting for room in OUT is not forwarded)
        }

        output.Emit(new RelayDoneEvent(frames, bytes, reason));
        return settings.Count == 0 ? stop.OpenEndedExit() : ExitCodes.Success;
    }
}
