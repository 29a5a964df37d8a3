using System.CommandLine;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Cli.Streaming;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer read NAME</c>: creates the buffer as its reader and reports what arrives:
/// metadata once, then every frame, until a count, an EXIT frame, a timeout or the writer's end.
/// </summary>
internal static class ReadCommand
{
    private const string Events = $$"""
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
        {{ReceiveOptions.Help}}

        Examples:
          zerobuffer read camera-1 --json --hash
          zerobuffer read camera-1 --count 100 --output length-prefixed > frames.bin
          zerobuffer read camera-1 --count 10 --output-dir ./frames
          zerobuffer read camera-1 --timeout-ms 5000 --count 1 || echo "no frame"

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name: 1-200 characters from [A-Za-z0-9._-]." };
        var receive = new ReceiveOptions("writer");
        var pauseAt = new Option<string?>("--pause-at") { Description = "Fault injection: stop at this point until killed (holding-frame)." };
        pauseAt.AcceptOnlyFromAmong(FaultPoints.HoldingFrame);
        var pauseFrame = new Option<long>("--pause-frame") { Description = "With --pause-at: the frame (1-based) to stop at.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var waitStrategy = WaitStrategyOption.Create("the reader");
        var command = new Command("read", "Create a buffer and read frames from it.") { name, pauseAt, pauseFrame, waitStrategy };
        receive.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(name),
            receive.Get(parse),
            WaitStrategyOption.Get(parse, waitStrategy),
            parse.GetValue(pauseAt) == FaultPoints.HoldingFrame ? parse.GetValue(pauseFrame) : 0))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What read can return: its own timeout, and the errors of creating a buffer and reading from it.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: --count frames, an EXIT frame, the writer's clean close, or Ctrl+C without --count")
        .ReceivingFrames("the writer died (or left without closing)")
        .With(ZeroBufferErrorKind.SequenceError, "a frame arrived out of sequence");

    private sealed record Settings(string Name, ReceiveSettings Receive, WaitStrategy WaitStrategy, long PauseHoldingFrame);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        using FrameSink sink = FrameSink.Open(settings.Receive, output);
        using var reader = new Reader(settings.Name, settings.Receive.Config) { WaitStrategy = settings.WaitStrategy };
        output.Emit(new BufferCreatedEvent(reader.Name, Environment.ProcessId, reader.Config.MetadataBlockSize, reader.Config.PayloadBlockSize, settings.Receive.OutputFormat));
        return new FrameReceiver(new ReaderInput(reader), settings.Receive, sink, output, stop) { PauseHoldingFrame = settings.PauseHoldingFrame }.Receive();
    }
}
