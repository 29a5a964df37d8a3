namespace ZeroBuffer;

/// <summary>The OS resources of one buffer name (docs/protocol.md §1).</summary>
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

    /// <summary>The reader's lock file <c>$TMPDIR/zerobuffer/N.lock</c>.</summary>
    LockFile = 8,

    /// <summary>The name lock <c>/dev/shm/zerobuffer-lock@N</c> (left behind only by a crash during a create or a clean).</summary>
    NameLockFile = 16,

    /// <summary>Upstream C#'s reader lock file <c>$TMPDIR/zerobuffer/locks/N.lock</c>.</summary>
    UpstreamLockFile = 32,

    /// <summary>Every resource a buffer can have.</summary>
    All = Segment | DataSemaphore | SpaceSemaphore | LockFile | NameLockFile | UpstreamLockFile,
}
