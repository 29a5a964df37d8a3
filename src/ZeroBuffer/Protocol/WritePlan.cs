namespace ZeroBuffer.Protocol;

/// <summary>
/// Where a frame of <c>total = 16 + length</c> bytes goes, decided from the write position alone
/// (protocol-v1 §3 step 1). Pure arithmetic, so the rule is tested without shared memory.
/// </summary>
/// <param name="Wrap">The frame goes to offset 0, after skipping the tail.</param>
/// <param name="Tail">Bytes skipped at the end of the ring (<c>P − write_pos</c>) when wrapping, else 0.</param>
/// <param name="FramePosition">Offset of the frame header in the ring.</param>
/// <param name="Required">Free bytes needed: the frame, plus the tail when wrapping.</param>
internal readonly record struct WritePlan(bool Wrap, long Tail, long FramePosition, long Required)
{
    /// <summary>A tail at least this long holds an explicit wrap marker; a shorter one is an implicit wrap.</summary>
    internal const int MarkerMinimumTail = ZeroBufferLayout.FrameHeaderSize;

    /// <summary>Whether the wrap writes an explicit marker (and counts it).</summary>
    internal bool WritesMarker => Wrap && Tail >= MarkerMinimumTail;

    /// <summary>
    /// Whether the frame, once placed, leaves 1 to 15 bytes before the end of the ring: a tail no
    /// header fits in, which our readers skip and upstream readers cannot (docs/protocol.md §3.2).
    /// </summary>
    /// <param name="ringSize">P.</param>
    /// <param name="total">16 + frame length, as planned.</param>
    internal bool LeavesShortTail(long ringSize, long total) =>
        ringSize - (FramePosition + total) is > 0 and < MarkerMinimumTail;

    /// <summary>
    /// The largest frame length that can be placed at any write position and never leaves a tail
    /// of 1 to 15 bytes: <c>⌊(P − 13) / 2⌋ − 17</c> (P/2 − 24 for an even P), or 0 for a ring too
    /// small to promise anything. Derived in docs/protocol.md §3.2.
    /// </summary>
    /// <param name="ringSize">P.</param>
    internal static long MaxFrameSizeAnywhere(long ringSize) => Math.Max(0, (ringSize - 13) / 2 - 17);

    /// <summary>
    /// Plans a write. Returns false when the frame can never be placed from this position
    /// (it would need more than the whole ring), which the caller reports as too large.
    /// </summary>
    /// <param name="ringSize">P.</param>
    /// <param name="writePosition">Current write position, in [0, P].</param>
    /// <param name="total">16 + frame length; the caller has checked <c>total &lt;= P</c>.</param>
    /// <param name="plan">The plan, when one exists.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static bool TryCreate(long ringSize, long writePosition, long total, out WritePlan plan)
    {
        long toEnd = ringSize - writePosition;
        bool mustWrap = toEnd < total;
        // A tail of 1..15 bytes after the frame could not hold the next header, and no reader
        // understands such a tail: wrap now (with a marker) when the ring allows it.
        long leftover = toEnd - total;
        bool avoidShortTail = !mustWrap && writePosition > 0 && leftover is > 0 and < MarkerMinimumTail
                              && toEnd + total <= ringSize;
        if (!mustWrap && !avoidShortTail)
        {
            plan = new WritePlan(false, 0, writePosition, total);
            return true;
        }

        if (toEnd + total > ringSize)
        {
            plan = default;
            return false;
        }

        plan = new WritePlan(true, toEnd, 0, toEnd + total);
        return true;
    }
}
