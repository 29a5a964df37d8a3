using ZeroBuffer.Protocol;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>What exists in the OS for a buffer name: the files behind the segment, semaphores and lock.</summary>
internal static class OsResources
{
    internal static bool SegmentExists(string name) => File.Exists(ResourceNames.SegmentFile(name));

    internal static bool DataSemaphoreExists(string name) =>
        File.Exists(ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name)));

    internal static bool SpaceSemaphoreExists(string name) =>
        File.Exists(ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name)));

    internal static bool LockFileExists(string name) => File.Exists(ResourceNames.LockFile(name));

    internal static bool UpstreamLockFileExists(string name) => File.Exists(ResourceNames.UpstreamLockFile(name));

    internal static bool NameLockFileExists(string name) => File.Exists(ResourceNames.NameLockFile(name));

    /// <summary>Every resource of the name, as "kind: path" for readable assertion failures.</summary>
    internal static IReadOnlyList<string> Existing(string name)
    {
        var found = new List<string>();
        if (SegmentExists(name)) found.Add("segment: " + ResourceNames.SegmentFile(name));
        if (DataSemaphoreExists(name)) found.Add("sem-w: " + ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name)));
        if (SpaceSemaphoreExists(name)) found.Add("sem-r: " + ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name)));
        if (LockFileExists(name)) found.Add("lock: " + ResourceNames.LockFile(name));
        if (UpstreamLockFileExists(name)) found.Add("upstream lock: " + ResourceNames.UpstreamLockFile(name));
        if (NameLockFileExists(name)) found.Add("name lock: " + ResourceNames.NameLockFile(name));
        return found;
    }

    /// <summary>Asserts that nothing of the name is left.</summary>
    internal static void AssertNone(string name) => Assert.Empty(Existing(name));

    /// <summary>Asserts that every resource of a created buffer exists: segment, semaphores, both /tmp locks (not the name lock, held only while creating or cleaning).</summary>
    internal static void AssertAll(string name)
    {
        Assert.Equal(5, Existing(name).Count);
        Assert.False(NameLockFileExists(name));
    }
}
