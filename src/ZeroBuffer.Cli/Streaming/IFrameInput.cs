namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// Where the frames of <c>read</c> and <c>subscribe</c> come from: a buffer's reader
/// (<see cref="ReaderInput"/>) or a topic's subscriber (<see cref="SubscriberInput"/>), so both
/// commands receive with one <see cref="FrameReceiver"/>. A subscriber's frames may have gaps (frames
/// the publisher could not deliver), which it counts; a plain reader's have none.
/// </summary>
internal interface IFrameInput
{
    /// <summary>The next frame, waiting up to <paramref name="timeout"/>; false when none came.</summary>
    bool TryReadFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken);

    /// <summary>The writer's metadata; empty while there is none.</summary>
    ReadOnlySpan<byte> GetMetadata();

    /// <summary>Frames missed just before the frame last read; null for a reader, whose numbers have no gaps.</summary>
    ulong? LastGap { get; }

    /// <summary>Frames missed in all (the gaps); null for a reader.</summary>
    ulong? Missed { get; }

    /// <summary>Frames delivered but released unread for a newer one (latest-only); null for a reader.</summary>
    ulong? Skipped { get; }
}
