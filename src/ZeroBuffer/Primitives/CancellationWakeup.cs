namespace ZeroBuffer.Primitives;

/// <summary>
/// Wakes a waiter sleeping on its own semaphore when the caller's cancellation token fires, by
/// posting that semaphore (the waiter then sees the cancellation; the extra token is stale and
/// harmless, protocol §6.7). The registration is kept across waits for as long as the same token
/// is passed, so a steady stream of waits with one token allocates nothing (registering anew on
/// every wait allocates inside CancellationTokenSource when threads share a token).
/// </summary>
/// <remarks>Used by one waiting thread at a time (the endpoint's); <see cref="Dispose"/> only after that thread has left.</remarks>
internal sealed class CancellationWakeup : IDisposable
{
    private readonly NamedSemaphore _semaphore;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    internal CancellationWakeup(NamedSemaphore semaphore) => _semaphore = semaphore;

    /// <summary>Makes sure a cancellation of <paramref name="token"/> posts the semaphore. Call before the waiter's last check and its sleep.</summary>
    internal void Arm(CancellationToken token)
    {
        if (!token.CanBeCanceled || token == _token)
        {
            return;
        }

        _registration.Dispose();
        _token = token;
        _registration = token.UnsafeRegister(static s => ((NamedSemaphore)s!).Post(), _semaphore);
    }

    /// <summary>Drops the registration; waits for a callback that is running, so the semaphore can be closed afterwards.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _token = default;
    }
}
