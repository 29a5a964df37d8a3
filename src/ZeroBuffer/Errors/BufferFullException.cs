namespace ZeroBuffer;

/// <summary>
/// The ring stayed too full for the frame during the write timeout while the reader was alive
/// (back-pressure). The message and <see cref="Occupancy"/> say what holds the space: frames the
/// reader took and never disposed (<see cref="HeldFrames"/>, <see cref="OldestHeldSequence"/>),
/// or committed frames it has not read yet because it is slow (<see cref="UnreadFrames"/>).
/// </summary>
/// <example>
/// <code>
/// catch (BufferFullException e) when (e.HeldFrames &gt; 0)
/// {
///     log.LogError("reader holds {Count} undisposed frames since #{Oldest}", e.HeldFrames, e.OldestHeldSequence);
/// }
/// </code>
/// </example>
public sealed class BufferFullException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public BufferFullException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.BufferFull, bufferName, message, innerException)
    {
    }

    /// <summary>Creates the error for <paramref name="bufferName"/> with what the writer found in the ring.</summary>
    /// <param name="bufferName">The buffer.</param>
    /// <param name="message">The message, which should include <see cref="RingOccupancy.Describe"/>.</param>
    /// <param name="requiredBytes">The free bytes the frame needed (16 + its length, plus any tail skipped to wrap).</param>
    /// <param name="occupancy">What took the space when the writer gave up.</param>
    public BufferFullException(string bufferName, string message, long requiredBytes, RingOccupancy occupancy)
        : base(ZeroBufferErrorKind.BufferFull, bufferName, message)
    {
        RequiredBytes = requiredBytes;
        Occupancy = occupancy;
    }

    /// <summary>What took the ring's space when the writer gave up; null when it could not be looked at (the writer was being disposed).</summary>
    public RingOccupancy? Occupancy { get; }

    /// <summary>The free bytes the frame needed (0 when not known).</summary>
    public long RequiredBytes { get; }

    /// <summary>Frames the reader took and has not given back (0 when none, or not known).</summary>
    public long HeldFrames => Occupancy is { IsKnown: true } o ? o.HeldFrames : 0;

    /// <summary>The sequence number of the oldest frame the reader took and has not disposed; null when it holds none.</summary>
    public ulong? OldestHeldSequence => Occupancy is { IsKnown: true } o ? o.OldestHeldSequence : null;

    /// <summary>Committed frames the reader has not read yet (0 when none, or not known).</summary>
    public long UnreadFrames => Occupancy is { IsKnown: true } o ? o.UnreadFrames : 0;

    /// <summary><c>payload_free_bytes</c> when the writer gave up (0 when not known).</summary>
    public long FreeBytes => Occupancy?.FreeBytes ?? 0;
}
