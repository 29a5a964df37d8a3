using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Topics;

/// <summary>
/// Publisher lock files that no live publisher holds: what a crashed publisher leaves in
/// /dev/shm. Harmless (the next publisher takes the file over), but removed by the stale sweep so
/// that nothing of a topic outlives it.
/// </summary>
internal static class AbandonedTopicLocks
{
    /// <summary>Removes every abandoned publisher lock file; returns the topics whose file went.</summary>
    /// <remarks>
    /// Taking the lock to find out is a probe of microseconds: a publisher starting at that moment
    /// tries again (<see cref="Publisher"/> waits briefly before it reports the topic taken).
    /// </remarks>
    internal static List<string> Remove(ILogger logger)
    {
        var removed = new List<string>();
        IEnumerable<string> paths;
        try
        {
            paths = Directory.EnumerateFiles(ResourceNames.ShmDirectory, TopicNames.PublisherLockPrefix + "*").ToList();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return removed;
        }

        foreach (string path in paths)
        {
            try
            {
                if (LockFile.TryAcquire(path, create: false, null, out LockFile? held) == LockFile.Outcome.Acquired)
                {
                    held!.Release(deleteFile: true); // we hold it: no publisher is using the file
                    string topic = Path.GetFileName(path)[TopicNames.PublisherLockPrefix.Length..];
                    removed.Add(topic);
                    TopicLog.RemovedAbandonedLock(logger, topic);
                }
            }
            catch (ZeroBufferException error)
            {
                TopicLog.NotConnected(logger, Path.GetFileName(path), path, error.Message); // another user's: not ours to remove
            }
        }

        return removed;
    }
}
