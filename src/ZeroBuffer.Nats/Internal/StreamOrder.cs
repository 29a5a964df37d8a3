namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Hands JetStream messages on in stream-sequence order, once each. A pull consumer redelivers a
/// message whose acknowledgement did not arrive (after its ack wait), so after a disconnection a
/// message can come after later ones, or twice: later ones are held until the missing one comes,
/// and ones already handed on are returned as duplicates. Pure bookkeeping, no I/O.
/// </summary>
/// <remarks>
/// The bridge's stream holds only the bridge's messages and de-duplicated publishes take no
/// sequence, so its sequences have no holes except at the front (removed by the stream's
/// limits). A hole that stays open longer than the caller's patience is therefore given up
/// (<see cref="GiveUpHole"/>): the frames in it are then reported by the bridge sequences.
/// </remarks>
/// <typeparam name="T">The message.</typeparam>
internal sealed class StreamOrder<T>
{
    private readonly SortedDictionary<ulong, T> _held = [];
    private long _holeSince; // when the oldest held message started waiting for the hole before it

    /// <summary>Starts at stream sequence <paramref name="next"/>: the consumer's ack floor + 1, or the stream's first sequence if later.</summary>
    internal StreamOrder(ulong next) => Next = Math.Max(next, 1);

    /// <summary>The stream sequence handed on next.</summary>
    internal ulong Next { get; private set; }

    /// <summary>Messages held behind a hole.</summary>
    internal int HeldCount => _held.Count;

    /// <summary>Whether a hole has been open longer than <paramref name="patience"/> at <paramref name="now"/> (milliseconds).</summary>
    internal bool HoleExpired(long now, long patience) => _held.Count > 0 && now - _holeSince >= patience;

    /// <summary>
    /// Offers message <paramref name="item"/> of stream sequence <paramref name="sequence"/>, received at <paramref name="now"/>;
    /// what may be handled now is added to <paramref name="ready"/> in order, and
    /// <paramref name="item"/> to <paramref name="duplicates"/> if it was seen already.
    /// </summary>
    internal void Offer(ulong sequence, T item, long now, List<T> ready, List<T> duplicates)
    {
        if (sequence < Next || _held.ContainsKey(sequence))
        {
            duplicates.Add(item);
            return;
        }

        if (sequence > Next)
        {
            if (_held.Count == 0)
            {
                _holeSince = now;
            }

            _held.Add(sequence, item);
            return;
        }

        ready.Add(item);
        Next++;
        Drain(now, ready);
    }

    /// <summary>Gives up the hole before the oldest held message; returns how many stream sequences were skipped.</summary>
    internal ulong GiveUpHole(long now, List<T> ready)
    {
        if (_held.Count == 0)
        {
            return 0;
        }

        ulong first = _held.Keys.First();
        ulong skipped = first - Next;
        Next = first;
        Drain(now, ready);
        return skipped;
    }

    /// <summary>Every message still held, for disposal (the importer stops).</summary>
    internal List<T> TakeHeld()
    {
        List<T> held = [.. _held.Values];
        _held.Clear();
        return held;
    }

    private void Drain(long now, List<T> ready)
    {
        while (_held.Remove(Next, out T? item))
        {
            ready.Add(item);
            Next++;
        }

        if (_held.Count > 0)
        {
            _holeSince = now; // a new hole starts waiting now
        }
    }
}
