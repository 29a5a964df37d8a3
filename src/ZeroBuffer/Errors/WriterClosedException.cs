namespace ZeroBuffer;

/// <summary>
/// The end of the stream: the writer closed the buffer on purpose and every frame it committed
/// has been read. Not a <see cref="WriterDeadException"/> (a crash): a reader that gets this has
/// the whole stream.
/// </summary>
/// <remarks>
/// <para>Only a writer that keeps a writer session (docs/protocol.md §2.4, §6.2) can say so; when
/// any other writer leaves, the reader reports <see cref="WriterDeadException"/>.</para>
/// <para>The reader stays usable: if a new writer connects, the next read returns its frames.</para>
/// </remarks>
public sealed class WriterClosedException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public WriterClosedException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.WriterClosed, bufferName, message, innerException)
    {
    }
}
