using Microsoft.Extensions.Logging;
using ZeroBuffer.Lifecycle;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The sweep a reader runs before it creates its buffer (protocol §5.5): removes stale buffers
/// and orphaned resources of other names through <see cref="BufferCatalog"/>. A buffer whose
/// lock is held, or with any live PID, is never touched.
/// </summary>
internal static class StaleBufferSweeper
{
    /// <summary>Sweeps every name except <paramref name="exceptName"/>. Never throws.</summary>
    internal static int Sweep(string? exceptName, ILogger logger) => BufferCatalog.Sweep(exceptName, logger);
}
