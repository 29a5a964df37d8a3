namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// Handles the frames of a hosted reader (<see cref="ZeroBufferBuilder.AddReader{THandler}"/>), one
/// at a time, in the order the writer committed them.
/// </summary>
/// <remarks>
/// <para>The frame is a view into the shared ring (zero copy), valid until the returned task
/// completes; the reader then disposes it, which gives its space back to the writer. Use
/// <see cref="Frame.Span"/> in synchronous code and <see cref="Frame.Memory"/> across awaits; copy
/// (<see cref="Frame.ToArray"/>) whatever must outlive the call. While the handler runs, later
/// frames wait in the ring: a slow handler is back-pressure on the writer, and shows as ring
/// utilisation in the endpoint's health check.</para>
/// <para>The handler is resolved once per reader, from a scope that lives as long as the reader,
/// and is called from one task at a time. A new writer's frames start again at
/// <see cref="Frame.Sequence"/> 1. An exception is logged and handled as
/// <see cref="ZeroBufferReaderOptions.OnHandlerError"/> says; an <see cref="OperationCanceledException"/>
/// after the token fired is the host stopping, not an error.</para>
/// </remarks>
public interface IFrameHandler
{
    /// <summary>Handles one frame.</summary>
    /// <param name="frame">The frame, in the ring; do not dispose it (the reader does).</param>
    /// <param name="context">The reader this frame came from, and its buffer's metadata.</param>
    /// <param name="cancellationToken">Fires when the host stops.</param>
    ValueTask HandleAsync(Frame frame, ReaderContext context, CancellationToken cancellationToken);
}
