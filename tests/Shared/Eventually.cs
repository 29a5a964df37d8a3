using System.Diagnostics;

namespace ZeroBuffer.Testing;

/// <summary>
/// Waits for a condition with a deadline, looking again after a short pause: the tests' only way
/// to wait for another thread or process (no sleeps as synchronisation). One file, linked into
/// every test project that waits this way.
/// </summary>
internal static class Eventually
{
    /// <summary>How long any wait of a test may take before it fails: generous, because a loaded 2-core machine starts processes slowly.</summary>
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(10);

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test at the deadline.</summary>
    internal static Task TrueAsync(Func<bool> condition, string what) =>
        MatchAsync(() => Task.FromResult(condition()), ok => ok, what);

    /// <summary>
    /// Returns the first value of <paramref name="look"/> that satisfies <paramref name="done"/>;
    /// fails the test at the deadline with the last value seen, told by <paramref name="describe"/>
    /// (its <c>ToString()</c> when null).
    /// </summary>
    internal static async Task<T> MatchAsync<T>(Func<Task<T>> look, Func<T, bool> done, string what, Func<T, string>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        T last = await look().ConfigureAwait(false);
        while (!done(last))
        {
            if (clock.Elapsed > Deadline)
            {
                string seen = describe is null ? last?.ToString() ?? "null" : describe(last);
                Assert.Fail($"Not {what} within {Deadline}: last seen {seen}.");
            }

            await Task.Delay(Pause).ConfigureAwait(false); // a pause between looks, not a synchronisation
            last = await look().ConfigureAwait(false);
        }

        return last;
    }

    /// <summary>Retries <paramref name="attempt"/> until it succeeds; at the deadline a <see cref="TimeoutException"/> naming <paramref name="what"/> and wrapping the last error fails the test.</summary>
    internal static async Task<T> SucceedsAsync<T>(Func<Task<T>> attempt, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                if (clock.Elapsed > Deadline)
                {
                    throw new TimeoutException($"Not {what} within {Deadline}: {error.GetType().Name}: {error.Message}", error);
                }

                await Task.Delay(Pause * 2).ConfigureAwait(false); // a pause between attempts, not a synchronisation
            }
        }
    }

    /// <summary>A token that fires at the deadline: the safety net of a test's awaits.</summary>
    internal static CancellationTokenSource Safety() => new(Deadline);
}
