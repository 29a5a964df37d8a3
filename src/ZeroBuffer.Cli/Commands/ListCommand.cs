using System.CommandLine;
using Spectre.Console;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Commands;

/// <summary><c>zerobuffer list</c>: every buffer on this machine with its state (live, stale, orphaned), then every topic with its subscribers.</summary>
internal static class ListCommand
{
    private const string Events = """
        Events (--json, one object per line):
          {"event":"buffer","name":"N","state":"Live|Stale|Orphaned","reason":"...","readerPid":r,"readerAlive":b,
           "writerPid":w,"writerAlive":b,"lockHeld":b,"segmentBytes":n,"metadataSize":M,"payloadSize":P,
           "writerGeneration":g,"resources":["segment","sem-w","sem-r","lock","upstream-lock","name-lock"]}
          {"event":"topic","topic":"T","publisherAlive":b,"subscribers":[{"id":"ID","policy":"block|drop-newest|latest-only",
           "buffer":"T.sub-P-ID","state":"Live|Stale|Orphaned","readerPid":r,"readerAlive":b,"publisherConnected":b,"payloadSize":P}]}
          {"event":"done","buffers":N,"topics":T}
        Live: a lock held, or its reader or writer alive (never cleaned). Stale: complete buffer, locks
        free, reader and writer gone. Orphaned: leftover pieces (semaphores or lock files without a
        segment, a segment without semaphores). "alive" is decided by the peers' liveness locks on the
        segment (valid across containers sharing /dev/shm), or by PID for peers that take none.
        Topics (docs/topics.md) are found from their subscriber buffers (T.sub-POLICY-ID, listed as buffers too)
        and publisher lock files: "publisherAlive" says whether a live publisher holds the topic,
        "publisherConnected" whether it (or any writer) is connected to that subscriber's buffer.

        Examples:
          zerobuffer list
          zerobuffer list --json | jq -c 'select(.state=="Stale")'
          zerobuffer list --json | jq -c 'select(.event=="topic") | {topic, subscribers: [.subscribers[].id]}'

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var command = new Command("list", "List buffers in /dev/shm and the lock directory, with their state, and the topics they make up.");
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(output)));
        return new CommandSpec(command, Events, ExitCodeTable.Standard());
    }

    private static int Execute(Output output)
    {
        IReadOnlyList<BufferInfo> buffers = BufferCatalog.List();
        foreach (BufferInfo info in buffers)
        {
            output.Emit(new BufferListedEvent(info.Name, info.State.ToString(), info.Reason, info.ReaderPid, info.ReaderAlive, info.WriterPid,
                info.WriterAlive, info.LockHeld, info.SegmentLength, info.MetadataSize, info.PayloadSize, info.ControlBlock?.WriterGeneration ?? 0,
                ResourceList(info.Resources)));
        }

        IReadOnlyList<TopicInfo> topics = TopicCatalog.List();
        foreach (TopicInfo topic in topics)
        {
            output.Emit(new TopicListedEvent(topic.Topic, topic.PublisherAlive, [.. topic.Subscribers.Select(s => new TopicSubscriberListing(
                s.Id, TopicNames.PolicyName(s.Policy), s.Buffer.Name, s.Buffer.State.ToString(), s.Buffer.ReaderPid, s.Buffer.ReaderAlive,
                s.Buffer.WriterAlive, s.Buffer.PayloadSize))]));
        }

        output.Emit(new ListDoneEvent(buffers.Count, topics.Count));
        if (buffers.Count > 0)
        {
            output.Show(console => console.Write(Table(buffers)));
        }

        if (topics.Count > 0)
        {
            output.Show(console => console.Write(TopicTable(topics)));
        }

        return ExitCodes.Success;
    }

    /// <summary>The text view of topics: one row per subscriber (one for a topic without any).</summary>
    private static Table TopicTable(IReadOnlyList<TopicInfo> topics)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Topic").AddColumn("Publisher").AddColumn("Subscriber").AddColumn("Policy").AddColumn("State")
            .AddColumn(new TableColumn("Reader PID").RightAligned()).AddColumn("Connected").AddColumn(new TableColumn("Ring").RightAligned());
        foreach (TopicInfo topic in topics)
        {
            string publisher = topic.PublisherAlive ? "[green]alive[/]" : "[yellow]none[/]";
            if (topic.Subscribers.Count == 0)
            {
                table.AddRow(Markup.Escape(topic.Topic), publisher, "-", "-", "-", "-", "-", "-");
            }

            foreach (TopicSubscriberInfo subscriber in topic.Subscribers)
            {
                BufferInfo buffer = subscriber.Buffer;
                table.AddRow(
                    Markup.Escape(topic.Topic), publisher, Markup.Escape(subscriber.Id), TopicNames.PolicyName(subscriber.Policy), State(buffer.State),
                    Pid(buffer.ReaderPid, buffer.ReaderAlive), buffer.WriterAlive ? "yes" : "no", Ring(buffer.PayloadSize));
            }
        }

        return table;
    }

    /// <summary>The text view: one row per buffer.</summary>
    private static Table Table(IReadOnlyList<BufferInfo> buffers)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Name").AddColumn("State").AddColumn(new TableColumn("Reader PID").RightAligned())
            .AddColumn(new TableColumn("Writer PID").RightAligned()).AddColumn(new TableColumn("Ring").RightAligned())
            .AddColumn("Resources").AddColumn("Why");
        foreach (BufferInfo info in buffers)
        {
            table.AddRow(
                Markup.Escape(info.Name), State(info.State), Pid(info.ReaderPid, info.ReaderAlive), Pid(info.WriterPid, info.WriterAlive),
                Ring(info.PayloadSize), string.Join(", ", ResourceList(info.Resources)), Markup.Escape(info.Reason));
        }

        return table;
    }

    private static string State(BufferState state) => state switch
    {
        BufferState.Live => "[green]Live[/]",
        BufferState.Stale => "[yellow]Stale[/]",
        _ => "[red]Orphaned[/]",
    };

    private static string Ring(long payloadSize) => payloadSize == 0 ? "-" : $"{payloadSize:N0} B";

    private static string Pid(ulong pid, bool alive) => pid == 0 ? "-" : alive ? $"{pid}" : $"{pid} (dead)";

    /// <summary>The resource names used in list and clean reports.</summary>
    internal static List<string> ResourceList(BufferResources resources)
    {
        var list = new List<string>(4);
        if (resources.HasFlag(BufferResources.Segment)) list.Add("segment");
        if (resources.HasFlag(BufferResources.DataSemaphore)) list.Add("sem-w");
        if (resources.HasFlag(BufferResources.SpaceSemaphore)) list.Add("sem-r");
        if (resources.HasFlag(BufferResources.LockFile)) list.Add("lock");
        if (resources.HasFlag(BufferResources.UpstreamLockFile)) list.Add("upstream-lock");
        if (resources.HasFlag(BufferResources.NameLockFile)) list.Add("name-lock");
        return list;
    }
}
