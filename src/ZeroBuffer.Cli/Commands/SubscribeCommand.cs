using System.CommandLine;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Cli.Streaming;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer subscribe TOPIC --policy P</c>: creates a subscriber's buffer of the topic
/// (<c>TOPIC.sub-P-ID</c>), which the publisher finds, and reports what arrives as <c>read</c>
/// does, with each frame's gap (frames the publisher could not deliver) and the totals missed and
/// skipped (docs/topics.md).
/// </summary>
internal static class SubscribeCommand
{
    private const string Events = $$"""
        Events (--json, one object per line):
          {"event":"ready","topic":"T","name":"T.sub-P-ID","id":"ID","policy":"P","pid":1234,"metadataSize":M,"payloadSize":P}
                                                 the subscriber's buffer was created (sizes: blocks, rounded up to 64)
          {"event":"metadata","size":n,"sha256":"<hex>","text":"<UTF-8 text or null>"}   once, before the first frame the publisher delivers
          {"event":"frame","sequence":s,"size":n,"gap":g[,"sha256":"<hex>"]}   per frame; s numbers the frames offered to this subscriber
                                                 from 1, g the ones missed just before this one (its ring was full)
          {"event":"exit-frame","sequence":s}   a frame whose payload is exactly "EXIT" ends the command (exit 0)
          {"event":"done","frames":N,"bytes":B,"missed":m,"skipped":k}   after --count frames, the EXIT frame, or Ctrl+C without --count
          {"event":"end","frames":N,"bytes":B,"missed":m,"skipped":k}    the publisher ended the topic and every frame was read (exit 0)
          {"event":"timeout"}                    no frame within --timeout-ms (exit 3)
          {"event":"error","kind":"WriterDead","message":"..."}   the publisher died and every frame it committed was read (exit 16)
          {"event":"writer-gone","closed":b}     --keep-going: the publisher ended (true) or died (false); waiting for the next one
        --policy: what the publisher does while this subscriber's ring is full. block: waits for it (every frame,
          the publisher held back); drop-newest: skips the frame for it (a gap); latest-only: skips as drop-newest,
          and each read takes the newest frame, the older ones waiting being released unread ("skipped").
        missed: frames the publisher could not deliver, seen as gaps before a frame read (a drop after the last
          frame read leaves no gap to see: the publisher's "dropped" for this subscriber counts those too).
        A new publisher (after a crash, with --keep-going) numbers from 1 again, with no gap.
        Text mode prints "Read frame <sequence>, size: <size>, gap: <gap>" per frame and, with --hash, "Hash: <sha256 hex>".
        {{ReceiveOptions.Help}}
        Give the ring at least two of the topic's largest frames (--payload-size >= 2 x (frame + 24)).

        Examples:
          zerobuffer subscribe cam0 --policy block --json --hash
          zerobuffer subscribe cam0 --policy latest-only --payload-size 16M --delay-ms 100
          zerobuffer subscribe cam0 --policy drop-newest --id recorder --keep-going --output-dir ./frames

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var topic = new Argument<string>("TOPIC") { Description = $"Topic name: 1-{TopicNames.MaxTopicLength} characters from [A-Za-z0-9._-]." };
        var policy = new Option<string>("--policy")
        {
            Description = "What the publisher does while this subscriber's ring is full: block, drop-newest or latest-only.",
            Required = true,
        };
        policy.AcceptOnlyFromAmong([.. Enum.GetValues<DeliveryPolicy>().Select(TopicNames.PolicyName)]);
        var id = new Option<string?>("--id") { Description = $"The subscriber's id in its buffer name: 1-{TopicNames.MaxSubscriberIdLength} letters and digits (default: random)." };
        var receive = new ReceiveOptions("publisher");
        var command = new Command("subscribe", "Subscribe to a topic and read its frames.") { topic, policy, id };
        receive.AddTo(command, position: 2); // after --policy and --id
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(topic),
            TopicNames.TryParsePolicy(parse.GetRequiredValue(policy), out DeliveryPolicy parsed) ? parsed : DeliveryPolicy.Block, // the parser let only the three names through
            parse.GetValue(id),
            receive.Get(parse)))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What subscribe can return: read's (no SequenceError: gaps are how a subscriber is told of drops), with the publisher as the writer.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: --count frames, an EXIT frame, the publisher's end of the topic, or Ctrl+C without --count")
        .ReceivingFrames("the publisher died", "the subscriber's buffer");

    private sealed record Settings(string Topic, DeliveryPolicy Policy, string? Id, ReceiveSettings Receive);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        using FrameSink sink = FrameSink.Open(settings.Receive, output);
        using var subscriber = new Subscriber(settings.Topic, settings.Policy, settings.Receive.Config, settings.Id);
        output.Emit(new SubscriberReadyEvent(subscriber.Topic, subscriber.BufferName, subscriber.Id, TopicNames.PolicyName(subscriber.Policy),
            Environment.ProcessId, settings.Receive.Config.MetadataBlockSize, settings.Receive.Config.PayloadBlockSize, settings.Receive.OutputFormat));
        return new FrameReceiver(new SubscriberInput(subscriber), settings.Receive, sink, output, stop).Receive();
    }
}
