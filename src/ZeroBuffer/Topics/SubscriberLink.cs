namespace ZeroBuffer.Topics;

/// <summary>
/// The publisher's connection to one subscriber: a <see cref="Writer"/> on its buffer, its
/// policy, and the numbers given to it. Each frame published while the link exists takes the
/// link's next number, delivered or not, so a skipped frame is a gap the subscriber sees.
/// </summary>
internal sealed class SubscriberLink : IDisposable
{
    private ulong _delivered;
    private ulong _dropped;

    internal SubscriberLink(Writer writer, string id, DeliveryPolicy policy)
    {
        Writer = writer;
        Id = id;
        Policy = policy;
    }

    internal Writer Writer { get; }

    internal string BufferName => Writer.Name;

    internal string Id { get; }

    internal DeliveryPolicy Policy { get; }

    /// <summary>The number of the next frame offered to this subscriber (1 for the first).</summary>
    internal ulong NextSequence { get; private set; } = 1;

    /// <summary>Set when the subscriber was seen gone; the publishing thread removes the link.</summary>
    internal volatile bool Gone;

    /// <summary>Why it was seen gone.</summary>
    internal Exception? GoneReason { get; set; }

    /// <summary>Took a number for the zero-copy frame being claimed (in whichever ring it ends up).</summary>
    internal bool OfferedClaim { get; set; }

    /// <summary>Takes the number of the frame now offered.</summary>
    internal ulong TakeSequence() => NextSequence++;

    /// <summary>Takes the number of the zero-copy frame while it is claimed in this subscriber's ring.</summary>
    internal ulong TakeClaimSequence()
    {
        OfferedClaim = true;
        return TakeSequence();
    }

    /// <summary>The claimed frame was aborted: its number is given back.</summary>
    internal void ReturnClaimSequence()
    {
        if (OfferedClaim)
        {
            NextSequence--;
            OfferedClaim = false;
        }
    }

    internal void Delivered() => Volatile.Write(ref _delivered, _delivered + 1);

    internal void Dropped()
    {
        Volatile.Write(ref _dropped, _dropped + 1);
        Writer.NoteFrameDropped();
    }

    internal SubscriberStatus Status() =>
        new(BufferName, Id, Policy, Volatile.Read(ref _delivered), Volatile.Read(ref _dropped));

    public void Dispose() => Writer.Dispose();
}
