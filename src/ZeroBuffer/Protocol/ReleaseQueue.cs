namespace ZeroBuffer.Protocol;

/// <summary>
/// The reader's record of ring space it has consumed but not yet given back, in ring order.
/// Space goes back to the writer strictly first-in first-out (protocol-v1 §4.6): the writer
/// trusts <c>payload_free_bytes</c> to never cover a byte still in use, and the free region is
/// only contiguous if it grows from the oldest entry. A frame released early is marked and
/// returned together with the older ones when they are released.
/// </summary>
/// <remarks>
/// Wrap tails (explicit marker or implicit) are entries too, enqueued already released: returning
/// a tail while an older frame is still held would let the writer overwrite that frame.
/// Not thread-safe: the reader serializes every call under its release lock (frames may be
/// disposed on any thread while the reader thread enqueues).
/// </remarks>
internal sealed class ReleaseQueue
{
    private Entry[] _entries = new Entry[64];
    private long _head; // ticket of the oldest entry not yet returned
    private long _tail; // ticket the next entry gets

    private struct Entry
    {
        public long Bytes;
        public bool Released;
        public bool IsFrame;
    }

    /// <summary>Bytes and frames that became returnable by one call.</summary>
    internal readonly record struct Returned(long Bytes, int Frames)
    {
        internal bool IsEmpty => Bytes == 0;
    }

    /// <summary>Entries consumed and not yet returned (frames held, or waiting behind one).</summary>
    internal int Outstanding => (int)(_tail - _head);

    /// <summary>Records a frame of <paramref name="bytes"/> (header included); returns its ticket.</summary>
    internal long EnqueueFrame(long bytes) => Enqueue(bytes, released: false, isFrame: true);

    /// <summary>Records a skipped tail, already released; returns what became returnable.</summary>
    internal Returned EnqueueTail(long bytes)
    {
        _ = Enqueue(bytes, released: true, isFrame: false);
        return PopReleased();
    }

    /// <summary>
    /// Marks a frame released. Idempotent: a ticket already released (or never issued) returns
    /// nothing. Returns the bytes that may now be given back.
    /// </summary>
    internal Returned Release(long ticket)
    {
        if (ticket < _head || ticket >= _tail)
        {
            return default;
        }

        ref Entry entry = ref _entries[ticket & (_entries.Length - 1)];
        if (entry.Released)
        {
            return default;
        }

        entry.Released = true;
        return PopReleased();
    }

    /// <summary>Whether the frame with this ticket is still held (not yet disposed).</summary>
    internal bool IsHeld(long ticket) => ticket >= _head && ticket < _tail && !_entries[ticket & (_entries.Length - 1)].Released;

    private long Enqueue(long bytes, bool released, bool isFrame)
    {
        if (_tail - _head == _entries.Length)
        {
            Grow();
        }

        long ticket = _tail++;
        _entries[ticket & (_entries.Length - 1)] = new Entry { Bytes = bytes, Released = released, IsFrame = isFrame };
        return ticket;
    }

    private Returned PopReleased()
    {
        long bytes = 0;
        int frames = 0;
        while (_head < _tail)
        {
            ref Entry entry = ref _entries[_head & (_entries.Length - 1)];
            if (!entry.Released)
            {
                break;
            }

            bytes += entry.Bytes;
            frames += entry.IsFrame ? 1 : 0;
            entry = default;
            _head++;
        }

        return new Returned(bytes, frames);
    }

    private void Grow()
    {
        // Only when more entries are held than ever before: not in steady state.
        var larger = new Entry[_entries.Length * 2];
        for (long t = _head; t < _tail; t++)
        {
            larger[t & (larger.Length - 1)] = _entries[t & (_entries.Length - 1)];
        }

        _entries = larger;
    }
}
