using System.Diagnostics;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>
/// Waits for a condition with a deadline, looking again after each yield of the thread pool: the
/// tests' only way to wait for another thread or process (no sleeps as synchronisation).
/// </summary>
internal static class Eventually
{
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Returns the first value that satisfies <paramref name="done"/>; fails the test with the last one at the deadline.</summary>
    internal static async Task<T> MatchAsync<T>(Func<Task<T>> look, Func<T, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        T last = await look();
        while (!done(last))
        {
            if (clock.Elapsed > Deadline)
            {
                Assert.Fail($"Not {what} within {Deadline}: last seen {Describe(last)}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10)); // a pause between looks, not a synchronisation
            last = await look();
        }

        return last;
    }

    internal static Task TrueAsync(Func<bool> condition, string what) =>
        MatchAsync(() => Task.FromResult(condition()), ok => ok, what);

    private static string Describe<T>(T value) => value switch
    {
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthReportEntry entry =>
            $"{entry.Status}: {entry.Description} [{string.Join(", ", entry.Data.Select(d => $"{d.Key}={d.Value}"))}]",
        _ => value?.ToString() ?? "null",
    };
}
