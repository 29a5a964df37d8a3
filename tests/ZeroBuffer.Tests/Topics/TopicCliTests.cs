using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Tests.Topics;

/// <summary>
/// Topics on the command line, every peer a real process: <c>zerobuffer publish</c> to several
/// <c>zerobuffer subscribe</c>s at 1080p × 60 fps with one subscriber ten times too slow under each
/// policy; subscribers joining and dying mid-stream; one publisher per topic; a SIGKILLed publisher
/// replaced; topics in <c>list</c>. Every wait is for an event, with a deadline; the assertions are
/// the policies' logic, not timings.
/// </summary>
public sealed class TopicCliTests(ITestOutputHelper log)
{
    /// <summary>One 1080p RGB24 frame.</summary>
    private const int FullHd = 3_110_400;

    /// <summary>Five 1080p frames per subscriber ring (each needs its size + 24 bytes of header).</summary>
    private const string FiveFrameRing = "16M";

    private static readonly TimeSpan Streaming = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One publisher, three subscribers, 1080p frames at 60 fps. Two subscribers keep up (block):
    /// every frame, in order, with the pattern's checksum. The third holds each frame 167 ms (ten
    /// times a frame's period) and gets what its policy says. Block holds the publisher back, so that
    /// case publishes 20 frames (about 2.5 s at the slow one's pace; 120 would take 20 s); the others
    /// publish 120 frames, 2 s at 60 fps.
    /// </summary>
    [Theory]
    [InlineData("block", 20)]
    [InlineData("drop-newest", 120)]
    [InlineData("latest-only", 120)]
    public async Task OnePublisher_ThreeSubscribers_1080p60_TheSlowOneGetsWhatItsPolicySays(string policy, int published)
    {
        string topic = TestNames.Unique("topic-1080p");
        await using CliProcess fast1 = Subscribe(topic, "block", "fast1");
        await using CliProcess fast2 = Subscribe(topic, "block", "fast2");
        await using CliProcess slow = Subscribe(topic, policy, "slow", "--delay-ms", "167");
        foreach (CliProcess subscriber in new[] { fast1, fast2, slow })
        {
            await subscriber.WaitForEventAsync("ready");
        }

        await using CliProcess publisher = CliProcess.Start(
            "publish", topic, "--rate", "60", "--size", $"{FullHd}", "--count", $"{published}", "--subscribers", "3", "--json");
        Assert.Equal(0, await publisher.WaitForExitAsync(Streaming));
        Assert.Equal(published, Assert.Single(publisher.Events("done")).GetProperty("frames").GetInt32());
        Dictionary<string, (ulong Delivered, ulong Dropped)> counts = PublisherCounts(publisher);
        Assert.Equal(["fast1", "fast2", "slow"], counts.Keys.Order(StringComparer.Ordinal));

        string[] expected = [.. Enumerable.Range(1, published).Select(k => Hashing.Sha256Hex(FramePattern.Sequence(FullHd, (ulong)k)))];
        foreach (CliProcess fast in new[] { fast1, fast2 })
        {
            Assert.Equal(0, await fast.WaitForExitAsync(Streaming)); // the publisher ended the topic
            Assert.Equal(
                [.. Enumerable.Range(1, published).Select(k => ((ulong)k, 0UL, expected[k - 1]))],
                fast.Events("frame").Select(f => (Sequence(f), Gap(f), f.GetProperty("sha256").GetString())));
            AssertEnd(fast, frames: published, missed: 0, skipped: 0);
        }

        Assert.Equal(((ulong)published, 0UL), counts["fast1"]);
        Assert.Equal(((ulong)published, 0UL), counts["fast2"]);

        Assert.Equal(0, await slow.WaitForExitAsync(Streaming));
        JsonElement[] frames = [.. slow.Events("frame")];
        JsonElement end = Assert.Single(slow.Events("end"));
        ulong read = (ulong)frames.Length;
        ulong missed = end.GetProperty("missed").GetUInt64();
        ulong skipped = end.GetProperty("skipped").GetUInt64();
        ulong last = Sequence(frames[^1]);
        (ulong delivered, ulong dropped) = counts["slow"];
        Assert.Equal(read, end.GetProperty("frames").GetUInt64());
        Assert.Equal((ulong)published, delivered + dropped); // every frame offered to it: delivered or dropped
        Assert.All(frames, f => Assert.Equal(expected[(int)Sequence(f) - 1], f.GetProperty("sha256").GetString())); // joined before frame 1: its numbers are the topic's
        for (int i = 1; i < frames.Length; i++)
        {
            Assert.True(Sequence(frames[i]) > Sequence(frames[i - 1]), $"frame {i}: {Sequence(frames[i])} after {Sequence(frames[i - 1])}");
        }

        // Each number up to the last one read was read, skipped or missed; the drops after it left no gap to see.
        Assert.Equal(last, read + skipped + missed);
        Assert.Equal((ulong)published - last, dropped - missed);
        switch (policy)
        {
            case "block":
                Assert.Equal(((ulong)published, 0UL), (delivered, dropped)); // the publisher waited for it: nothing dropped
                Assert.Equal([.. Enumerable.Range(1, published).Select(k => ((ulong)k, 0UL))], frames.Select(f => (Sequence(f), Gap(f))));
                Assert.Equal((0UL, 0UL), (missed, skipped));
                break;
            case "drop-newest":
                Assert.Equal(delivered, read); // in order, every frame delivered was read
                Assert.Equal(0UL, skipped);
                Assert.Equal(missed, frames.Aggregate(0UL, (sum, f) => sum + Gap(f))); // the gaps are what it missed
                Assert.All(frames.Skip(1).Zip(frames), pair => Assert.Equal(Sequence(pair.First) - Sequence(pair.Second) - 1, Gap(pair.First)));
                Assert.True(missed > 0, "a subscriber ten times too slow missed nothing");
                break;
            default:
                Assert.Equal(delivered, read + skipped); // every frame delivered was read or released unread for a newer one
                Assert.True(read <= (ulong)published);
                Assert.True(skipped > 0, "a latest-only subscriber ten times too slow skipped nothing");
                break;
        }

        log.WriteLine(
            $"1080p x 60 fps, slow subscriber {policy}: published {published}, read {read}, missed {missed}, skipped {skipped}, publisher dropped {dropped} (after its last frame {published - (int)last})");
    }

    /// <summary>
    /// Subscribers come and go while frames flow (the test feeds the publisher's frames as lines on
    /// its stdin, so what happens between frames does not depend on timing): one started after the
    /// first frames gets the metadata first and frames numbered from 1 (carrying the topic's later
    /// frames); one SIGKILLed is reported <c>left</c> (ReaderDead) within the liveness bound while
    /// the others get every frame.
    /// </summary>
    [Fact]
    public async Task SubscribersJoinAndDie_MidStream_TheOthersGetEveryFrame()
    {
        string topic = TestNames.Unique("topic-churn");
        await using CliProcess early = Subscribe(topic, "block", "early");
        await using CliProcess victim = Subscribe(topic, "drop-newest", "victim");
        await early.WaitForEventAsync("ready");
        await victim.WaitForEventAsync("ready");
        await using CliProcess publisher = CliProcess.Start("publish", topic, "--stdin", "lines", "--metadata", "meta", "--subscribers", "2", "--json");
        await PublishAsync(publisher, 1, 10);

        await using CliProcess late = Subscribe(topic, "block", "late");
        Assert.Equal("late", Id(await publisher.WaitForEventAsync("joined")));
        await PublishAsync(publisher, 11, 20);
        await victim.WaitForEventAsync("frame");
        await victim.KillAsync();
        var sinceKill = Stopwatch.StartNew();
        JsonElement left = await publisher.WaitForEventAsync("left", Abandon.DeadPeerBound + TimeSpan.FromSeconds(1)); // the liveness bound, and the event's way here
        log.WriteLine($"the killed subscriber was reported left after {sinceKill.ElapsedMilliseconds} ms");
        Assert.Equal(("victim", "drop-newest", "ReaderDead"), (Id(left), left.GetProperty("policy").GetString(), left.GetProperty("reason").GetString()));
        Assert.Equal(20UL, left.GetProperty("delivered").GetUInt64() + left.GetProperty("dropped").GetUInt64());

        await PublishAsync(publisher, 21, 30); // the others go on
        publisher.Input.Close();
        Assert.Equal(0, await publisher.WaitForExitAsync());

        Assert.Equal(0, await early.WaitForExitAsync());
        Assert.Equal(
            [.. Enumerable.Range(1, 30).Select(k => ((ulong)k, 0UL, Line(k)))],
            early.Events("frame").Select(f => (Sequence(f), Gap(f), f.GetProperty("sha256").GetString())));
        Assert.Equal(0, await late.WaitForExitAsync());
        Assert.Equal(["ready", "metadata", "frame"], late.Output.Take(3).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString())); // the metadata first
        Assert.Equal("meta", Assert.Single(late.Events("metadata")).GetProperty("text").GetString());
        Assert.Equal(
            [.. Enumerable.Range(1, 20).Select(j => ((ulong)j, 0UL, Line(10 + j)))], // its own numbers from 1, the topic's frames 11 to 30
            late.Events("frame").Select(f => (Sequence(f), Gap(f), f.GetProperty("sha256").GetString())));

        Dictionary<string, (ulong Delivered, ulong Dropped)> counts = PublisherCounts(publisher);
        Assert.Equal(2, counts.Count);
        Assert.Equal((30UL, 0UL), counts["early"]);
        Assert.Equal((20UL, 0UL), counts["late"]);

        static string Line(int k) => Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes($"frame {k}"));
    }

    /// <summary>One publisher per topic: <c>publish</c> exits 28 while a library publisher or another <c>publish</c> holds it.</summary>
    [Fact]
    public async Task Publish_Exits28_WhileAnotherPublisherHoldsTheTopic()
    {
        string topic = TestNames.Unique("topic-one");
        using (new Publisher(topic))
        {
            await AssertRefusedAsync(topic);
        }

        await using CliProcess holder = CliProcess.Start("publish", topic, "--count", "0", "--hold", "--json");
        await holder.WaitForEventAsync("holding");
        await AssertRefusedAsync(topic);
        Assert.Throws<TopicAlreadyPublishedException>(() => new Publisher(topic));
        holder.Input.Close();
        Assert.Equal(0, await holder.WaitForExitAsync());
        Assert.False(File.Exists(TopicNames.PublisherLockFile(topic)));

        static async Task AssertRefusedAsync(string topic)
        {
            await using CliProcess second = CliProcess.Start("publish", topic, "--count", "1", "--json");
            Assert.Equal(ExitCodes.For(ZeroBufferErrorKind.TopicAlreadyPublished), await second.WaitForExitAsync());
            Assert.Equal("TopicAlreadyPublished", Assert.Single(second.Events("error")).GetProperty("kind").GetString());
            Assert.Empty(second.Events("written"));
        }
    }

    /// <summary>
    /// A SIGKILLed publisher is WriterDead (exit 16) for a subscriber after every frame it committed;
    /// with --keep-going the subscriber waits, and the next <c>publish</c> process takes the topic
    /// over (the kernel dropped the lock) and numbers from 1 again, with no gap.
    /// </summary>
    [Fact]
    public async Task AKilledPublisher_IsWriterDead_AndWithKeepGoing_TheNextOneNumbersFromOne()
    {
        string topic = TestNames.Unique("topic-pubkill");
        await using CliProcess plain = Subscribe(topic, "block", "plain");
        await using CliProcess keeps = Subscribe(topic, "block", "keeps", "--keep-going", "--count", "8");
        await plain.WaitForEventAsync("ready");
        await keeps.WaitForEventAsync("ready");
        await using (CliProcess first = CliProcess.Start("publish", topic, "--count", "5", "--size", "100", "--subscribers", "2", "--hold", "--json"))
        {
            await first.WaitForEventAsync("holding");
            await first.KillAsync();
        }

        Assert.Equal(ExitCodes.For(ZeroBufferErrorKind.WriterDead), await plain.WaitForExitAsync());
        Assert.Equal("WriterDead", Assert.Single(plain.Events("error")).GetProperty("kind").GetString());
        Assert.Equal(new ulong[] { 1, 2, 3, 4, 5 }, plain.Events("frame").Select(Sequence)); // every frame it committed, then the report

        Assert.False((await keeps.WaitForEventAsync("writer-gone")).GetProperty("closed").GetBoolean());
        await using (CliProcess second = CliProcess.Start("publish", topic, "--count", "3", "--size", "100", "--subscribers", "1", "--json"))
        {
            Assert.Equal(0, await second.WaitForExitAsync());
            Assert.Equal(((ulong)3, 0UL), PublisherCounts(second)["keeps"]);
        }

        Assert.Equal(0, await keeps.WaitForExitAsync());
        Assert.Equal(
            [.. new ulong[] { 1, 2, 3, 4, 5, 1, 2, 3 }.Select(k => (k, 0UL, Hashing.Sha256Hex(FramePattern.Sequence(100, k))))],
            keeps.Events("frame").Select(f => (Sequence(f), Gap(f), f.GetProperty("sha256").GetString())));
        JsonElement done = Assert.Single(keeps.Events("done"));
        Assert.Equal((8UL, 0UL), (done.GetProperty("frames").GetUInt64(), done.GetProperty("missed").GetUInt64()));
    }

    /// <summary><c>list</c> shows the topic: its live publisher, its subscriber with policy and buffer state; existing buffer events unchanged.</summary>
    [Fact]
    public async Task List_ShowsTopics_WithPublisherAndSubscribers()
    {
        string topic = TestNames.Unique("topic-list");
        using var publisher = new Publisher(topic);
        using var subscriber = new Subscriber(topic, DeliveryPolicy.LatestOnly, new BufferConfig(0, 8192), id: "viewer");
        await TopicTests.JoinedAsync(publisher, 1);

        await using (CliProcess list = CliProcess.Start("list", "--json"))
        {
            Assert.Equal(0, await list.WaitForExitAsync());
            Assert.Contains(list.Events("buffer"), b => b.GetProperty("name").GetString() == subscriber.BufferName); // a subscriber is a buffer too
            JsonElement listed = list.Events("topic").Single(t => t.GetProperty("topic").GetString() == topic);
            Assert.True(listed.GetProperty("publisherAlive").GetBoolean());
            JsonElement viewer = Assert.Single(listed.GetProperty("subscribers").EnumerateArray().ToArray());
            Assert.Equal(("viewer", "latest-only", subscriber.BufferName, "Live"),
                (Id(viewer), viewer.GetProperty("policy").GetString(), viewer.GetProperty("buffer").GetString(), viewer.GetProperty("state").GetString()));
            Assert.Equal(Environment.ProcessId, viewer.GetProperty("readerPid").GetInt32());
            Assert.True(viewer.GetProperty("publisherConnected").GetBoolean());
            Assert.Equal(8192, viewer.GetProperty("payloadSize").GetInt64());
            Assert.True(Assert.Single(list.Events("done")).GetProperty("topics").GetInt32() >= 1);
        }

        await using CliProcess text = CliProcess.Start("list");
        Assert.Equal(0, await text.WaitForExitAsync());
        string row = text.Output.Single(l => l.Contains(topic + " ", StringComparison.Ordinal) && l.Contains("viewer", StringComparison.Ordinal));
        Assert.Contains("latest-only", row, StringComparison.Ordinal);
        Assert.Contains("alive", row, StringComparison.Ordinal);
    }

    /// <summary>Publishes the frames "frame FIRST" to "frame LAST" (lines on the publisher's stdin) and waits until the last one is written.</summary>
    private static async Task PublishAsync(CliProcess publisher, int first, int last)
    {
        for (int k = first; k <= last; k++)
        {
            await publisher.Input.WriteLineAsync($"frame {k}");
        }

        await publisher.Input.FlushAsync();
        await publisher.WaitForLineAsync(l => l.Contains($"\"written\",\"sequence\":{last},", StringComparison.Ordinal));
    }

    private static CliProcess Subscribe(string topic, string policy, string id, params string[] more) =>
        CliProcess.Start(["subscribe", topic, "--policy", policy, "--id", id, "--payload-size", FiveFrameRing, "--hash", "--json", .. more]);

    private static void AssertEnd(CliProcess subscriber, int frames, ulong missed, ulong skipped)
    {
        JsonElement end = Assert.Single(subscriber.Events("end"));
        Assert.Equal(((ulong)frames, missed, skipped), (end.GetProperty("frames").GetUInt64(), end.GetProperty("missed").GetUInt64(), end.GetProperty("skipped").GetUInt64()));
    }

    /// <summary>The delivered and dropped counts of each subscriber in the publisher's <c>done</c> event, by id.</summary>
    private static Dictionary<string, (ulong Delivered, ulong Dropped)> PublisherCounts(CliProcess publisher) =>
        Assert.Single(publisher.Events("done")).GetProperty("subscribers").EnumerateArray()
            .ToDictionary(Id, s => (s.GetProperty("delivered").GetUInt64(), s.GetProperty("dropped").GetUInt64()));

    private static ulong Sequence(JsonElement frame) => frame.GetProperty("sequence").GetUInt64();

    private static ulong Gap(JsonElement frame) => frame.GetProperty("gap").GetUInt64();

    private static string Id(JsonElement subscriber) => subscriber.GetProperty("id").GetString()!;
}
