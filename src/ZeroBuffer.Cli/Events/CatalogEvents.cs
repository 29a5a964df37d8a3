using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>list</c>: one buffer and its state (the text view is a table of them).</summary>
internal sealed record BufferListedEvent(
    string Name,
    string State,
    string Reason,
    ulong ReaderPid,
    bool ReaderAlive,
    ulong WriterPid,
    bool WriterAlive,
    bool LockHeld,
    long SegmentBytes,
    long MetadataSize,
    long PayloadSize,
    uint WriterGeneration,
    IReadOnlyList<string> Resources) : CliEvent("buffer")
{
    internal override string? HumanText => null;
}

/// <summary>One subscriber of a listed topic: its id, policy and buffer, the buffer's state, and whether a publisher is connected to it.</summary>
internal sealed record TopicSubscriberListing(
    string Id, string Policy, string Buffer, string State, ulong ReaderPid, bool ReaderAlive, bool PublisherConnected, long PayloadSize);

/// <summary><c>list</c>: one topic, whether a live publisher holds it, and its subscribers (the text view is a table of them).</summary>
internal sealed record TopicListedEvent(string Topic, bool PublisherAlive, IReadOnlyList<TopicSubscriberListing> Subscribers) : CliEvent("topic")
{
    internal override string? HumanText => null;
}

/// <summary><c>list</c>: how many buffers and topics were listed.</summary>
internal sealed record ListDoneEvent(int Buffers, int Topics) : CliEvent("done")
{
    internal override string? HumanText => Buffers == 0 ? "No buffers." : null;
}

/// <summary><c>clean</c>: what happened to one buffer.</summary>
/// <remarks>Refused: whether it was refused because it is live (then the text goes to stderr).</remarks>
internal sealed record BufferCleanedEvent(string Name, string Outcome, string? State, IReadOnlyList<string> Resources, string Message,
    [property: JsonIgnore] bool Refused) : CliEvent("cleaned")
{
    internal override string HumanText => Refused ? $"refused: {Message}" : Message;

    internal override TextTarget Target => Refused ? TextTarget.Problem : TextTarget.Report;
}

/// <summary>
/// <c>clean</c>: the totals, <c>{"removed","refused"}</c> after a clean, <c>{"wouldRemove","refused","dryRun":true}</c>
/// after a dry run (a dry run removed nothing: its count says what it would remove, under another name).
/// </summary>
/// <remarks>NothingFound: whether there was nothing to clean at all (said in the text).</remarks>
internal sealed record CleanDoneEvent(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Removed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? WouldRemove,
    int Refused,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? DryRun,
    [property: JsonIgnore] bool NothingFound) : CliEvent("done")
{
    internal override string? HumanText => NothingFound ? "Nothing to clean."
        : DryRun == true ? $"Dry run: {WouldRemove} buffer(s) would be removed, nothing was."
        : null;
}
