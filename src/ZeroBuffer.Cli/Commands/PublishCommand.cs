using System.CommandLine;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Cli.Streaming;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer publish TOPIC</c>: becomes the topic's one publisher and publishes metadata and
/// frames (the frames of <c>write</c>: generated, from files or from stdin) to every subscriber
/// connected at the time, reporting subscribers as they join and leave (docs/topics.md).
/// </summary>
internal static class PublishCommand
{
    private const string Events = $$"""
        Events (--json, one object per line):
          {"event":"joined","buffer":"T.sub-P-ID","id":"ID","policy":"P"}   a subscriber was connected (also those there at the start)
          {"event":"ready","topic":"T","pid":1234,"subscribers":n}            this process publishes the topic; n subscribers connected
          {"event":"metadata","size":n,"sha256":"<hex>"}                     after --metadata/--metadata-file was set (every subscriber gets it first)
          {"event":"waiting","subscribers":N,"connected":c}                  --subscribers N: the first frame waits for N subscribers (once)
          {"event":"written","sequence":s,"size":n[,"sha256":"<hex>"]}      per frame; s is the topic's frame number (1, 2, ...)
          {"event":"left","buffer":"B","id":"ID","policy":"P","delivered":d,"dropped":x,"reason":"ReaderClosed|ReaderDead"}
                                                                              a subscriber left or died (seen within about a second), its counts final
          {"event":"exit-frame","sequence":s}                                 the EXIT frame (--exit)
          {"event":"done","frames":N,"bytes":B,"subscribers":[{"buffer":"B","id":"ID","policy":"P","delivered":d,"dropped":x}]}
                                                                              every frame published; counts of the subscribers connected now
          {"event":"holding"}                                                 --hold: the topic stays published until stdin closes or Ctrl+C (exit 0)
        A subscriber's frames are numbered from 1 in its own buffer; "dropped" counts the frames it could not
        take (a drop-newest or latest-only subscriber whose ring was full): each is a gap in its numbers. A
        block subscriber holds the publisher back instead. Frames go to the subscribers connected when they
        are published: use --subscribers N to wait for them rather than a sleep.
        {{FrameSourceOptions.Help}}
        The topic ends when the command does: every subscriber reads its frames, then the end of the stream.
        Another live publisher of the topic: exit 28 (TopicAlreadyPublished).

        Examples:
          zerobuffer publish cam0 --subscribers 2 --count 600 --size 3110400 --rate 60 --metadata "1920x1080 RGB24"
          zerobuffer publish cam0 --file frame1.jpg frame2.jpg --metadata-file caps.json --hold
          zerobuffer read raw --output length-prefixed | zerobuffer publish cam0 --stdin length-prefixed

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var topic = new Argument<string>("TOPIC") { Description = $"Topic name: 1-{TopicNames.MaxTopicLength} characters from [A-Za-z0-9._-]." };
        var frames = new FrameSourceOptions("stay the topic's publisher");
        var subscribers = new Option<int>("--subscribers")
        {
            Description = "Wait until this many subscribers are connected before the first frame.",
            DefaultValueFactory = _ => 0,
        }.AtLeast(0);
        var discoveryMs = new Option<int>("--discovery-ms")
        {
            Description = "How often to look for new subscribers (and at idle ones' liveness), in milliseconds.",
            DefaultValueFactory = _ => 100,
        }.AtLeast(1);
        var waitStrategy = WaitStrategyOption.Create("the publisher (for space in block subscribers' rings)");
        var command = new Command("publish", "Publish frames to a topic's subscribers.") { topic, subscribers, discoveryMs, waitStrategy };
        frames.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(topic),
            frames.Get(parse),
            parse.GetValue(subscribers),
            new PublisherOptions
            {
                DiscoveryInterval = TimeSpan.FromMilliseconds(parse.GetValue(discoveryMs)),
                WaitStrategy = WaitStrategyOption.Get(parse, waitStrategy),
            }))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What publish can return: the topic taken, a bad frame, and the stops.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: every frame published (and, with --hold, stdin closed or Ctrl+C)")
        .With(ZeroBufferErrorKind.TopicAlreadyPublished, "another live publisher holds the topic")
        .With(ZeroBufferErrorKind.AccessDenied, "the topic's lock file belongs to another user")
        .With(ZeroBufferErrorKind.InvalidFrameSize, "an empty frame (a 0 length prefix on stdin)")
        .Interrupted("SIGTERM, or Ctrl+C before every frame was published (or while waiting for --subscribers)");

    private sealed record Settings(string Topic, FrameSource Frames, int Subscribers, PublisherOptions Options);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        settings.Frames.Validate();
        byte[]? metadata = settings.Frames.ReadMetadata();
        using var publisher = new Publisher(settings.Topic, settings.Options);
        var subscribers = new SubscriberReports(publisher, output);
        output.Emit(new PublisherReadyEvent(publisher.Topic, Environment.ProcessId, publisher.GetSubscribers().Count));
        if (metadata is not null)
        {
            publisher.SetMetadata(metadata);
            output.Emit(new MetadataWrittenEvent(metadata.Length, Hashing.Sha256Hex(metadata)));
        }

        subscribers.WaitFor(settings.Subscribers, stop);
        var sender = new FrameSender(new PublisherTarget(publisher), settings.Frames, output, stop);
        sender.Send();
        output.Emit(new PublishDoneEvent(sender.Frames, sender.Bytes, [.. publisher.GetSubscribers().Select(SubscriberCounts.Of)]));
        if (!settings.Frames.Hold)
        {
            return ExitCodes.Success;
        }

        output.Emit(new HoldingEvent("the topic"));
        return stop.HoldUntilStdinClosed();
    }
}
