namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>Buffer names and subjects unique per test, so tests run in parallel and never touch anyone else's.</summary>
internal static class Names
{
    internal static string Buffer(string prefix) => $"zbn-{prefix}-{Guid.NewGuid():N}";

    internal static string Subject(string prefix) => $"zbtest.{prefix}.{Guid.NewGuid():N}";

    /// <summary>Whatever of <paramref name="name"/> is left in /dev/shm or the lock directory (empty once it was removed).</summary>
    internal static IReadOnlyList<string> Leftovers(string name)
    {
        string lockDir = Path.Combine(Path.GetTempPath(), "zerobuffer");
        IEnumerable<string> shm = Directory.EnumerateFiles("/dev/shm").Where(f => Path.GetFileName(f).Contains(name, StringComparison.Ordinal));
        IEnumerable<string> locks = Directory.Exists(lockDir)
            ? Directory.EnumerateFiles(lockDir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).Contains(name, StringComparison.Ordinal))
            : [];
        return [.. shm, .. locks];
    }
}
