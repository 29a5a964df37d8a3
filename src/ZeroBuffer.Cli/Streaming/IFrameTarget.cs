namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// Where the frames of <c>write</c> and <c>publish</c> go: a buffer's writer (<see cref="WriterTarget"/>)
/// or a topic's publisher (<see cref="PublisherTarget"/>), so both commands send with one
/// <see cref="FrameSender"/>. A frame is claimed in place and filled (zero copy), then committed or
/// aborted; or written by copy. Its sequence is the number the command reports.
/// </summary>
internal interface IFrameTarget
{
    /// <summary>The bytes of the next frame, to fill; <paramref name="sequence"/> is its number.</summary>
    Span<byte> Claim(int size, CancellationToken cancellationToken, out ulong sequence);

    /// <summary>Makes the claimed frame visible.</summary>
    void Commit();

    /// <summary>Drops the claimed frame; its number is not used up.</summary>
    void Abort();

    /// <summary>Copies <paramref name="payload"/> as one frame; returns its number.</summary>
    ulong Write(ReadOnlySpan<byte> payload, CancellationToken cancellationToken);
}
