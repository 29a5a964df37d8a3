namespace ZeroBuffer.Nats.Internal;

/// <summary>Disposal that cannot fail a stop.</summary>
internal static class Quietly
{
    /// <summary>Disposes a subscription: the connection may be closed already, and the subscription then went with it.</summary>
    internal static async ValueTask DisposeAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null)
        {
            return;
        }

#pragma warning disable CA1031 // Whatever it throws, there is nothing left to release.
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }
}
