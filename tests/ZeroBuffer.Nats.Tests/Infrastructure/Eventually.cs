using System.Diagnostics;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// Waits for a condition with a deadline, looking again after a short pause: the tests' only way
/// to wait for another thread or process (no sleeps as synchronisation).
/// </summary>
internal static class Eventually
{
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    internal static async Task TrueAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Deadline)
            {
                Assert.Fail($"Not {what} within {Deadline}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10)); // a pause between looks, not a synchronisation
        }
    }

    /// <summary>Retries <paramref name="attempt"/> until it succeeds; fails the test with the last error at the deadline.</summary>
    internal static async Task<T> SucceedsAsync<T>(Func<Task<T>> attempt, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (Exception error) when (clock.Elapsed < Deadline)
            {
                _ = error;
                await Task.Delay(TimeSpan.FromMilliseconds(20)); // a pause between attempts, not a synchronisation
            }
        }
    }

    /// <summary>A token that fires at the deadline: the safety net of a test's awaits.</summary>
    internal static CancellationTokenSource Safety() => new(Deadline);
}
