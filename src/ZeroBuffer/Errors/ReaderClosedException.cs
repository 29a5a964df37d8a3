namespace ZeroBuffer;

/// <summary>
/// The reader closed the buffer on purpose (it was disposed), as opposed to crashing. Still a
/// <see cref="ReaderDeadException"/>: a writer cannot deliver what it has left either way, so code
/// that stops on one stops on both; catch this type first to tell the two apart.
/// </summary>
/// <remarks>
/// Only a reader that advertises its liveness lock (docs/protocol.md §2.4) can say so; for other
/// readers a departure is always a plain <see cref="ReaderDeadException"/>.
/// </remarks>
public sealed class ReaderClosedException : ReaderDeadException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public ReaderClosedException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.ReaderClosed, bufferName, message, innerException)
    {
    }
}
