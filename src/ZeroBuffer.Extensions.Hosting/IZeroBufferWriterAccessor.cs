namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// The connected <see cref="ZeroBuffer.Writer"/> of a hosted writer (<see cref="ZeroBufferBuilder.AddWriter"/>),
/// for application code. Registered as a keyed singleton under the writer's name:
/// <c>[FromKeyedServices("out")] IZeroBufferWriterAccessor output</c>.
/// </summary>
/// <remarks>
/// <para>The endpoint connects in the background when the host starts, whichever of reader and
/// writer starts first, and owns the writer: do not dispose it. When the reader closes or dies the
/// endpoint disposes the writer and (with <see cref="PeerGoneBehavior.WaitForNext"/>) connects to
/// the next reader, a new <see cref="ZeroBuffer.Writer"/>: a write in progress then fails with
/// <see cref="ReaderDeadException"/> or <see cref="ObjectDisposedException"/>; call
/// <see cref="GetWriterAsync"/> again for the new one. Metadata is written once per buffer: a
/// new reader's buffer has none, a reader that outlived an earlier writer keeps what that one
/// wrote, so write it when <see cref="Writer.GetStatus"/> shows <c>MetadataWrittenBytes</c> 0.</para>
/// <para>A <see cref="ZeroBuffer.Writer"/> is not thread-safe: write from one task at a time.</para>
/// </remarks>
/// <example>
/// <code>
/// Writer writer = await output.GetWriterAsync(stoppingToken);
/// await writer.WriteFrameAsync(pixels, stoppingToken);
/// </code>
/// </example>
public interface IZeroBufferWriterAccessor
{
    /// <summary>The name the writer was registered with.</summary>
    string Name { get; }

    /// <summary>The buffer name in <c>/dev/shm</c>.</summary>
    string BufferName { get; }

    /// <summary>The connected writer, or null while the endpoint waits for a reader.</summary>
    Writer? Writer { get; }

    /// <summary>Completes with the connected writer, at once when there is one, otherwise when a reader has created the buffer.</summary>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ObjectDisposedException">The endpoint has stopped (the host is stopping).</exception>
    /// <exception cref="ZeroBufferException">The endpoint failed for good (say, another writer is connected, or access is denied): the error it failed with.</exception>
    ValueTask<Writer> GetWriterAsync(CancellationToken cancellationToken = default);
}
