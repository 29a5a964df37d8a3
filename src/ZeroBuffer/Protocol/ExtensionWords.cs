namespace ZeroBuffer.Protocol;

/// <summary>
/// The <c>writer_session</c> word (docs/protocol.md §2.4): who the last writer that knows the
/// extensions was (its PID tag), which connect it was (its generation), and whether it is still
/// connected or closed on purpose. Stored in one 64-bit release store, so the three parts are
/// always read together.
/// </summary>
/// <param name="Tag">The value that writer stored in <c>writer_pid</c>: its PID in its own namespace.</param>
/// <param name="Generation">1 + the previous session's, modulo 2^24, never 0 (0: no session yet).</param>
/// <param name="State">One of the <c>ZeroBufferLayout.SessionState*</c> values.</param>
internal readonly record struct WriterSessionWord(uint Tag, uint Generation, byte State)
{
    private const uint GenerationMask = (1u << ZeroBufferLayout.SessionGenerationBits) - 1;

    /// <summary>Decodes a stored word.</summary>
    internal static WriterSessionWord Unpack(ulong word) => new(
        (uint)word,
        (uint)(word >> ZeroBufferLayout.SessionGenerationShift) & GenerationMask,
        (byte)(word >> ZeroBufferLayout.SessionStateShift));

    /// <summary>The word to store.</summary>
    internal ulong Pack() =>
        Tag | ((ulong)(Generation & GenerationMask) << ZeroBufferLayout.SessionGenerationShift) | ((ulong)State << ZeroBufferLayout.SessionStateShift);

    /// <summary>Whether a session was ever stored.</summary>
    internal bool Exists => State != ZeroBufferLayout.SessionStateNone;

    /// <summary>Whether this session describes the writer whose PID is <paramref name="writerPid"/> (the tag equals it).</summary>
    internal bool Describes(ulong writerPid) => Exists && writerPid != 0 && Tag == writerPid;

    /// <summary>The generation that follows <paramref name="generation"/> (0 is skipped).</summary>
    internal static uint NextGeneration(uint generation)
    {
        uint next = (generation + 1) & GenerationMask;
        return next == 0 ? 1 : next;
    }
}

/// <summary>
/// The <c>commit_record</c> word (docs/protocol.md §2.4, §3.5): the write position and the low 24
/// bits of the written count that the commit in progress will publish; equal to the current ones
/// when no commit is in flight.
/// </summary>
internal readonly record struct CommitRecordWord(ulong Position, uint CountLow)
{
    private const uint CountMask = (1u << ZeroBufferLayout.CommitRecordCountBits) - 1;

    /// <summary>Decodes a stored word.</summary>
    internal static CommitRecordWord Unpack(ulong word) =>
        new(word >> ZeroBufferLayout.CommitRecordPositionShift, (uint)word & CountMask);

    /// <summary>The record of a commit that publishes <paramref name="position"/> and <paramref name="count"/>.</summary>
    internal static ulong Pack(ulong position, ulong count) =>
        (position << ZeroBufferLayout.CommitRecordPositionShift) | (count & CountMask);

    /// <summary>Whether the record says "nothing in flight" at this position and count.</summary>
    internal bool Matches(ulong position, ulong count) => Position == position && CountLow == (uint)(count & CountMask);

    /// <summary>
    /// How many items (1: a frame; 2: a marker and a frame) a commit recorded here would add to
    /// <paramref name="count"/>; 0 when the record is not ahead of it by one or two.
    /// </summary>
    internal int ItemsAheadOf(ulong count)
    {
        uint ahead = (CountLow - (uint)(count & CountMask)) & CountMask;
        return ahead is 1 or 2 ? (int)ahead : 0;
    }
}
