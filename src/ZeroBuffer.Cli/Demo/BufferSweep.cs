using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Demo;

/// <summary>Removes whatever killed peers left of a buffer: a new reader sweeps it, then removes it.</summary>
internal static class BufferSweep
{
    /// <summary>Removes the leftovers of <paramref name="name"/>, if any; returns why it could not, or null.</summary>
    internal static string? Remove(string name)
    {
        bool any = File.Exists(ResourceNames.SegmentFile(name))
                   || File.Exists(ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name)))
                   || File.Exists(ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name)))
                   || File.Exists(ResourceNames.LockFile(name));
        if (!any)
        {
            return null;
        }

        try
        {
            using var sweeper = new Reader(name, new BufferConfig(0, 64));
            return null;
        }
        catch (ZeroBufferException ex)
        {
            return $"could not remove buffer '{name}': {ex.Message}";
        }
    }
}
