using System.Globalization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>bridge export</c>: the buffer was created (a writer may connect); frames wait in its ring until the exporter runs.</summary>
internal sealed record ExportReadyEvent(string Name, int Pid, long MetadataSize, long PayloadSize) : CliEvent("ready")
{
    internal override string HumanText => $"Created buffer '{Name}' (ring {PayloadSize} bytes, metadata {MetadataSize} bytes); PID {Pid}.";
}

/// <summary><c>bridge export</c>: the exporter runs (connected; in JetStream mode its stream found or created).</summary>
internal sealed record ExportStartedEvent(string Name, string Subject, string Mode, string Session, string? Stream) : CliEvent("started")
{
    internal override string HumanText => $"Exporting '{Name}' to '{Subject}' ({Mode}{(Stream is null ? "" : $", stream {Stream}")}), session {Session}.";
}

/// <summary><c>bridge import</c>: the importer runs (subscribed, or its stream and durable consumer set up); it writes to buffer <c>to</c> once its reader created it.</summary>
internal sealed record ImportStartedEvent(string Subject, string To, string Mode, int Pid, string? Stream, string? Consumer) : CliEvent("started")
{
    internal override string HumanText => $"Importing '{Subject}' into buffer '{To}' ({Mode}{(Stream is null ? "" : $", stream {Stream}, consumer {Consumer}")}); PID {Pid}.";
}

/// <summary>
/// <c>bridge export</c>/<c>import</c>: frames and bytes so far, and the rates over the interval since
/// the previous progress event (exact: counted, divided by the interval measured), every
/// --progress-ms while frames flow. MB are 10^6 bytes.
/// </summary>
internal sealed record BridgeProgressEvent(long Frames, long Bytes, double IntervalMs, double FramesPerSecond, double MegabytesPerSecond) : CliEvent("progress")
{
    internal override string HumanText => string.Create(CultureInfo.InvariantCulture,
        $"{Frames} frames, {Bytes} bytes; {FramesPerSecond:0.#} frames/s, {MegabytesPerSecond:0.###} MB/s over the last {IntervalMs:0} ms.");
}

/// <summary>
/// <c>bridge import</c>: frames <c>firstSequence</c> to <c>firstSequence + count − 1</c> (bridge
/// sequences) of exporter session <c>session</c> did not reach the buffer. <c>kind</c>: lost,
/// missed-before-join, rejected.
/// </summary>
internal sealed record GapEvent(string Kind, string Session, ulong FirstSequence, ulong Count) : CliEvent("gap")
{
    internal override string HumanText => Count == 1
        ? $"Gap ({Kind}): frame {FirstSequence} of session {Session} did not arrive."
        : $"Gap ({Kind}): frames {FirstSequence}-{FirstSequence + Count - 1} ({Count}) of session {Session} did not arrive.";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary>
/// <c>bridge export</c>: the local writer's stream ended and the end was published; <c>bridge
/// import</c>: the exporter's end arrived (the local writer closes). <c>reason</c>: closed, died, stopped.
/// </summary>
internal sealed record StreamEndedEvent(string Session, ulong LastSequence, string Reason) : CliEvent("stream-ended")
{
    internal override string HumanText => $"The stream of session {Session} ended ({Reason}) after frame {LastSequence}.";
}

/// <summary><c>bridge export</c>: finished; <c>reason</c>: count, end-of-stream, stopped.</summary>
internal sealed record ExportDoneEvent(long Frames, long Bytes, long Messages, long PublishRetries, long Disconnects, string Reason) : CliEvent("done")
{
    internal override string HumanText =>
        $"Done: {Frames} frames, {Bytes} bytes exported in {Messages} messages ({PublishRetries} publish retries, {Disconnects} disconnections; {Reason}).";
}

/// <summary><c>bridge import</c>: finished; <c>gaps</c> counts gap events, the frames in them are by kind; <c>reason</c>: count, end-of-stream, stopped.</summary>
internal sealed record ImportDoneEvent(
    long Frames, long Bytes, long Gaps, long FramesLost, long FramesMissedBeforeJoin, long FramesRejected, long DuplicatesDropped, long MessagesDropped,
    long Disconnects, string Reason) : CliEvent("done")
{
    internal override string HumanText =>
        $"Done: {Frames} frames, {Bytes} bytes imported; {Gaps} gaps ({FramesLost} lost, {FramesMissedBeforeJoin} missed before joining, {FramesRejected} rejected), " +
        $"{DuplicatesDropped} duplicates dropped, {Disconnects} disconnections ({Reason}).";
}
