using System.Collections.Concurrent;

namespace ZeroBuffer;

/// <summary>
/// Counts Writer connections made by this process per buffer name. A reader in the same process
/// as its writer uses it to tell a reconnect (sequence back to 1, same PID) from a lost frame.
/// </summary>
internal static class LocalWriterConnections
{
    private static readonly ConcurrentDictionary<string, int> Connections = new(StringComparer.Ordinal);

    internal static void Connected(string name) => Connections.AddOrUpdate(name, 1, static (_, n) => n + 1);

    internal static int Count(string name) => Connections.TryGetValue(name, out int n) ? n : 0;
}
