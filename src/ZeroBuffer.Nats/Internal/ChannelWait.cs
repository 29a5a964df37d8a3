using System.Threading.Channels;

namespace ZeroBuffer.Nats.Internal;

/// <summary>A blocking read with a timeout from a channel, for the importer's own thread.</summary>
internal static class ChannelWait
{
    /// <summary>False when nothing came within <paramref name="wait"/>, or the channel was completed.</summary>
    internal static bool TryRead<T>(ChannelReader<T> reader, TimeSpan wait, CancellationToken cancellationToken, out T? item)
    {
        if (reader.TryRead(out item))
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            if (!reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult())
            {
                cancellationToken.ThrowIfCancellationRequested();
                return false; // completed: the subscription ended
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return reader.TryRead(out item);
    }
}
