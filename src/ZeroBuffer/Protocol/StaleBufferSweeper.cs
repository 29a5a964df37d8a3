using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// Removes buffers abandoned by crashed readers (protocol-v1 §5, "stale sweep"): for each lock
/// file nobody holds, the buffer's resources go if neither PID in its segment is alive. A buffer
/// whose lock is held, or with any live PID, is never touched.
/// </summary>
internal static unsafe class StaleBufferSweeper
{
    /// <summary>Sweeps the lock directory, skipping <paramref name="exceptName"/>. Never throws.</summary>
    internal static int Sweep(string? exceptName, ILogger logger)
    {
        int removed = 0;
        string directory = ResourceNames.LockDirectory;
        string[] lockFiles;
        try
        {
            if (!Directory.Exists(directory))
            {
                return 0;
            }

            lockFiles = Directory.GetFiles(directory, "*" + ResourceNames.LockFileExtension);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string path in lockFiles)
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (name == exceptName || !ResourceNames.IsValid(name))
            {
                continue;
            }

            try
            {
                removed += TryRemove(name, path, logger) ? 1 : 0;
            }
            catch (ZeroBufferException ex)
            {
                Log.SweepSkipped(logger, name, ex.Message);
            }
        }

        return removed;
    }

    /// <summary>Removes <paramref name="name"/> if it is abandoned; true when removed.</summary>
    internal static bool TryRemove(string name, string lockPath, ILogger logger)
    {
        if (LockFile.TryAcquire(lockPath, create: false, name, out LockFile? lockFile) != LockFile.Outcome.Acquired)
        {
            return false;
        }

        using (lockFile)
        {
            ulong readerPid = 0, writerPid = 0;
            using (SharedMemorySegment? segment = SharedMemorySegment.OpenExisting(ResourceNames.Segment(name), name))
            {
                if (segment is not null && segment.Length >= ZeroBufferLayout.OiebSize)
                {
                    readerPid = Volatile.Read(ref ((Oieb*)segment.Pointer)->ReaderPid);
                    writerPid = Volatile.Read(ref ((Oieb*)segment.Pointer)->WriterPid);
                }
            }

            if (ProcessLiveness.IsAlive(readerPid) || ProcessLiveness.IsAlive(writerPid))
            {
                return false;
            }

            ReaderResources.RemoveNames(name);
            lockFile!.Release(deleteFile: true);
            Log.RemovedStaleBuffer(logger, name, readerPid, writerPid);
            return true;
        }
    }
}
