using System.Globalization;

namespace ZeroBuffer;

/// <summary>
/// What takes up a buffer's ring, as the shared memory shows it to anyone who looks (the writer,
/// <c>zerobuffer inspect</c>, <c>watch</c>): frames the reader took and has not given back,
/// frames committed and not read yet, and free bytes (docs/protocol.md §4.6). It tells a reader
/// that holds undisposed frames from a reader that is merely slow.
/// </summary>
/// <remarks>
/// <para>Space comes back in ring order (§4.5), so the bytes in use run without a gap from the
/// oldest frame not given back up to <c>payload_write_pos</c>; <c>payload_read_pos</c> splits
/// them into held and unread. The frame headers of each part give the counts.</para>
/// <para>Held frames are the frames the reader consumed whose space has not come back: frames
/// not disposed, and frames disposed after an older one that is still held (they wait behind it).
/// The oldest of them is always one the reader has not disposed. A reader with
/// <see cref="Reader.BatchReleases"/> on may also hold back the space of disposed frames, at most
/// min(64 KiB, P/8), which shows here as held frames.</para>
/// <para>A snapshot of a busy buffer is taken again until it is consistent; when none is, only
/// the byte totals are known (<see cref="IsKnown"/> false).</para>
/// </remarks>
public readonly record struct RingOccupancy
{
    /// <summary>The ring size P.</summary>
    public required long PayloadSize { get; init; }

    /// <summary><c>payload_free_bytes</c> when looked at.</summary>
    public required long FreeBytes { get; init; }

    /// <summary>
    /// Whether the frame counts below are known: the walk over the ring's headers matched the
    /// control block. False for a buffer that kept changing while it was looked at, or whose reader
    /// does not give space back in ring order; then only <see cref="FreeBytes"/> is meaningful.
    /// </summary>
    public required bool IsKnown { get; init; }

    /// <summary>Frames the reader took and has not given back (see the remarks).</summary>
    public long HeldFrames { get; init; }

    /// <summary>The sequence number of the oldest held frame, which the reader has not disposed; null when it holds none.</summary>
    public ulong? OldestHeldSequence { get; init; }

    /// <summary>The ring bytes of the held frames, headers and skipped tails between them included.</summary>
    public long HeldBytes { get; init; }

    /// <summary>Frames committed and not read yet.</summary>
    public long UnreadFrames { get; init; }

    /// <summary>The ring bytes of the unread frames, headers and skipped tails included.</summary>
    public long UnreadBytes { get; init; }

    /// <summary>Bytes in use: held, unread, or lost to a writer that died in the middle of a commit.</summary>
    public long UsedBytes => PayloadSize - FreeBytes;

    /// <summary>
    /// Whether held frames, rather than unread ones, take most of the space in use: the reader
    /// took frames and did not dispose them (with frames it has not read, the reader is slow).
    /// </summary>
    public bool HeldFramesDominate => IsKnown && HeldFrames > 0 && HeldBytes >= UnreadBytes;

    /// <summary>
    /// "reader holds N undisposed frames (oldest sequence S)", the phrase <c>inspect</c> and
    /// <c>watch</c> show; null when the reader holds none (or the counts are unknown).
    /// </summary>
    public string? HeldSummary => IsKnown && HeldFrames > 0
        ? string.Create(CultureInfo.InvariantCulture, $"reader holds {Frames(HeldFrames, "undisposed frame")} (oldest sequence {OldestHeldSequence})")
        : null;

    /// <summary>
    /// What holds the space, in sentences, for a message such as <see cref="BufferFullException"/>'s:
    /// the undisposed frames when they take most of it, the unread frames when the reader is slow,
    /// capacity lost to a crashed writer when neither, or that it could not be told.
    /// </summary>
    public string Describe()
    {
        IFormatProvider c = CultureInfo.InvariantCulture;
        if (!IsKnown)
        {
            return string.Create(c, $"{UsedBytes} of the ring's {PayloadSize} bytes are in use; what holds them could not be told (the buffer kept changing while it was looked at, or its reader does not give space back in ring order).");
        }

        string unread = string.Create(c, $"{Frames(UnreadFrames, "committed frame")} ({UnreadBytes} bytes)");
        if (HeldFramesDominate)
        {
            string held = string.Create(c,
                $"The reader holds {Frames(HeldFrames, "undisposed frame")} (oldest sequence {OldestHeldSequence}), {HeldBytes} bytes: frames it took and has not disposed.")
                + " Space comes back in ring order, so none of it is reused until the oldest is disposed: dispose every frame (using, or Dispose()).";
            return UnreadFrames == 0 ? held : held + $" It has also not read {unread} yet.";
        }

        if (UnreadFrames > 0)
        {
            string slow = $"The reader has not read {unread} yet: it is slow or stalled.";
            return HeldFrames == 0
                ? slow + " It holds no frames."
                : slow + string.Create(c, $" It also holds {Frames(HeldFrames, "undisposed frame")} (oldest sequence {OldestHeldSequence}), {HeldBytes} bytes.");
        }

        return UsedBytes == 0
            ? "No frame is unread or held now: the reader gave the space back as the wait ended."
            : string.Create(c, $"No frame is unread or held, yet {UsedBytes} bytes are in use: capacity lost to a writer that died in the middle of a commit (docs/protocol.md §3.5); recreating the buffer recovers it.");
    }

    private static string Frames(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
