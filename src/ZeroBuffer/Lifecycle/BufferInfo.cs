namespace ZeroBuffer.Lifecycle;

/// <summary>One buffer name found in <c>/dev/shm</c> or the lock directory, and what it amounts to.</summary>
/// <param name="Name">The buffer name.</param>
/// <param name="State">Live, stale or orphaned.</param>
/// <param name="Reason">Why it has that state, in words (e.g. "lock held", "reader PID 123 is dead").</param>
/// <param name="Resources">Which of the buffer's OS resources exist.</param>
/// <param name="ReaderPid">The reader PID stored in the segment (0 = none or no segment).</param>
/// <param name="WriterPid">The writer PID stored in the segment (0 = none or no segment).</param>
/// <param name="ReaderAlive">Whether <paramref name="ReaderPid"/> names a live process.</param>
/// <param name="WriterAlive">Whether <paramref name="WriterPid"/> names a live process.</param>
/// <param name="LockHeld">Whether some process holds the lock file.</param>
/// <param name="SegmentLength">The segment's length in bytes (0 without a segment).</param>
/// <param name="MetadataSize">The metadata block size from the OIEB (0 when unknown).</param>
/// <param name="PayloadSize">The ring size from the OIEB (0 when unknown).</param>
/// <param name="LastChangeUtc">The newest modification time among the resource files.</param>
public sealed record BufferInfo(
    string Name,
    BufferState State,
    string Reason,
    BufferResources Resources,
    ulong ReaderPid,
    ulong WriterPid,
    bool ReaderAlive,
    bool WriterAlive,
    bool LockHeld,
    long SegmentLength,
    long MetadataSize,
    long PayloadSize,
    DateTime LastChangeUtc);

/// <summary>The OS resources of one buffer name (protocol §1).</summary>
[Flags]
public enum BufferResources
{
    /// <summary>Nothing exists.</summary>
    None = 0,

    /// <summary>The shared-memory segment <c>/dev/shm/N</c>.</summary>
    Segment = 1,

    /// <summary>The data semaphore <c>/dev/shm/sem.sem-w-N</c>.</summary>
    DataSemaphore = 2,

    /// <summary>The space semaphore <c>/dev/shm/sem.sem-r-N</c>.</summary>
    SpaceSemaphore = 4,

    /// <summary>The lock file <c>&lt;lock directory&gt;/N.lock</c>.</summary>
    LockFile = 8,

    /// <summary>Every resource of a complete buffer.</summary>
    All = Segment | DataSemaphore | SpaceSemaphore | LockFile,
}

/// <summary>What <see cref="BufferCatalog.Clean"/> did with one name.</summary>
public enum CleanupOutcome
{
    /// <summary>The name's resources were removed (see <see cref="CleanupResult.Removed"/>).</summary>
    Removed,

    /// <summary>Dry run: these resources would have been removed.</summary>
    WouldRemove,

    /// <summary>Refused: the buffer is live (lock held or a live PID). Nothing was touched.</summary>
    RefusedLive,

    /// <summary>Skipped by the stale sweep: an orphan younger than the grace period. Nothing was touched.</summary>
    SkippedRecent,

    /// <summary>Nothing of that name exists.</summary>
    NotFound,
}

/// <summary>The result of cleaning one buffer name.</summary>
/// <param name="Name">The buffer name.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="StateBefore">The state found with the lock held (null when nothing existed).</param>
/// <param name="Removed">The resources removed (or, in a dry run, that would be).</param>
/// <param name="Message">A one-line explanation for operators.</param>
public sealed record CleanupResult(string Name, CleanupOutcome Outcome, BufferState? StateBefore, BufferResources Removed, string Message);
