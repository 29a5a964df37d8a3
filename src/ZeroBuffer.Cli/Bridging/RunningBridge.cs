namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// How a bridge command waits while its bridge runs: until the bridge completes by itself (its
/// count, the end of the stream) or fails, or until a stop; with a tick every interval for the
/// progress events, and a look at the connection (a client that gave up for good ends the command).
/// </summary>
internal static class RunningBridge
{
    /// <summary>Waits; true when the bridge completed by itself, false when <paramref name="stop"/> fired first.</summary>
    /// <param name="completion">The bridge's completion (faulted with its error).</param>
    /// <param name="connection">Its connection.</param>
    /// <param name="interval">How often <paramref name="tick"/> runs.</param>
    /// <param name="tick">Reports progress.</param>
    /// <param name="stop">Ctrl+C or SIGTERM.</param>
    /// <exception cref="NatsNotAuthorizedException">The client stopped reconnecting: the server refused the credentials it had accepted before.</exception>
    internal static async Task<bool> WaitAsync(Task completion, BridgeConnection connection, TimeSpan interval, Action tick, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        Task stopped = Task.Delay(Timeout.Infinite, stop);
        while (true)
        {
            Task next = timer.WaitForNextTickAsync(CancellationToken.None).AsTask();
            Task first = await Task.WhenAny(completion, next, stopped).ConfigureAwait(false);
            if (first == completion)
            {
                await completion.ConfigureAwait(false); // its error, if it failed
                tick();
                return true;
            }

            if (first == stopped)
            {
                return false;
            }

            tick();
            if (connection.GaveUp)
            {
                throw new NatsNotAuthorizedException(
                    $"The NATS client stopped reconnecting to {connection.DisplayUrl}: the server refused the credentials it accepted before (revoked or expired?).");
            }
        }
    }
}
