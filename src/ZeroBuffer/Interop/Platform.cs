namespace ZeroBuffer.Interop;

/// <summary>Where the library runs: Linux only (the OS names, flags and semantics of protocol-v1 §1).</summary>
internal static class Platform
{
    /// <summary>Throws <see cref="PlatformNotSupportedException"/> anywhere but Linux.</summary>
    internal static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "ZeroBuffer for .NET supports Linux only (POSIX shared memory and named semaphores with Linux flag values).");
        }
    }
}
