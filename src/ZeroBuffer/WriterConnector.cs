using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer;

/// <summary>
/// <see cref="Writer.Connect"/> and <see cref="Writer.ConnectAsync(string, TimeSpan, ILogger?, CancellationToken)"/>:
/// connect, and while the buffer is not there yet (or its reader is gone, about to be replaced),
/// try again after a back-off (docs/getting-started.md: any start order).
/// </summary>
internal static class WriterConnector
{
    /// <summary>The longest pause between two attempts: how late a connect can notice the reader.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(50);

    internal static Writer Connect(string name, TimeSpan timeout, ILogger? logger, CancellationToken cancellationToken)
    {
        Deadline deadline = Start(name, timeout);
        var backoff = new Backoff(MaxPause);
        while (true)
        {
            if (TryConnect(name, logger, out Writer? writer, out ZeroBufferException? notYet))
            {
                return writer!;
            }

            if (!backoff.Pause(deadline, cancellationToken))
            {
                throw GaveUp(name, timeout, notYet!);
            }
        }
    }

    internal static async ValueTask<Writer> ConnectAsync(string name, TimeSpan timeout, ILogger? logger, CancellationToken cancellationToken)
    {
        Deadline deadline = Start(name, timeout);
        var backoff = new Backoff(MaxPause);
        while (true)
        {
            if (TryConnect(name, logger, out Writer? writer, out ZeroBufferException? notYet))
            {
                return writer!;
            }

            if (!await backoff.PauseAsync(deadline, cancellationToken).ConfigureAwait(false))
            {
                throw GaveUp(name, timeout, notYet!);
            }
        }
    }

    private static Deadline Start(string name, TimeSpan timeout)
    {
        ResourceNames.Validate(name);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The timeout must be zero or positive, or infinite (got {timeout}).");
        }

        return Deadline.After(timeout);
    }

    /// <summary>
    /// One attempt. False, with the reason, for the states a reader's arrival ends: no buffer yet
    /// (or not initialised yet), or a buffer whose reader is gone (a crashed reader's leftover,
    /// about to be replaced). Anything else is thrown at once.
    /// </summary>
    private static bool TryConnect(string name, ILogger? logger, out Writer? writer, out ZeroBufferException? notYet)
    {
        try
        {
            writer = new Writer(name, logger);
            notYet = null;
            return true;
        }
        catch (BufferNotFoundException ex)
        {
            notYet = ex;
        }
        catch (ReaderDeadException ex)
        {
            notYet = ex;
        }

        writer = null;
        return false;
    }

    private static ZeroBufferException GaveUp(string name, TimeSpan timeout, ZeroBufferException last)
    {
        string waited = $"within {timeout.TotalMilliseconds:0} ms";
        return last is ReaderDeadException
            ? new ReaderDeadException(name, $"Buffer '{name}' had no live reader {waited}: {last.Message}", last)
            : new BufferNotFoundException(name, $"No reader created buffer '{name}' {waited}: {last.Message}", last);
    }
}
