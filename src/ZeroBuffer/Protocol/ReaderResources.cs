using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ZeroBuffer.Internal;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The OS resources a reader owns for one buffer name (protocol-v1 §1, §5): the lock file, both
/// semaphores and the initialised segment. Creation either completes or removes everything it
/// created; disposal unlinks every name before releasing the lock, so whoever takes the lock
/// next finds nothing stale.
/// </summary>
internal sealed unsafe class ReaderResources : IDisposable
{
    private readonly LockFile _lock;
    private int _disposed;

    private ReaderResources(string name, LockFile lockFile, NamedSemaphore dataAvailable, NamedSemaphore spaceAvailable, SharedMemorySegment segment)
    {
        Name = name;
        _lock = lockFile;
        DataAvailable = dataAvailable;
        SpaceAvailable = spaceAvailable;
        Segment = segment;
    }

    internal string Name { get; }

    /// <summary>sem-w: one token per committed frame; the reader waits on it.</summary>
    internal NamedSemaphore DataAvailable { get; }

    /// <summary>sem-r: posted when ring space is returned; the writer waits on it.</summary>
    internal NamedSemaphore SpaceAvailable { get; }

    internal SharedMemorySegment Segment { get; }

    internal Oieb* Oieb => (Oieb*)Segment.Pointer;

    /// <summary>Creates the buffer. Throws <see cref="ReaderAlreadyConnectedException"/> when a live reader (or writer) owns the name.</summary>
    internal static ReaderResources Create(string name, BufferConfig config, ILogger logger)
    {
        string lockPath = ResourceNames.LockFile(name);
        LockFile lockFile = AcquireLock(name, lockPath);

        NamedSemaphore? dataAvailable = null;
        NamedSemaphore? spaceAvailable = null;
        SharedMemorySegment? segment = null;
        try
        {
            RemoveIfStale(name, logger);

            FaultInjection.Check(FaultInjection.CreateDataSemaphore, name);
            dataAvailable = CreateSemaphore(ResourceNames.DataAvailableSemaphore(name), name, logger);
            FaultInjection.Check(FaultInjection.CreateSpaceSemaphore, name);
            spaceAvailable = CreateSemaphore(ResourceNames.SpaceAvailableSemaphore(name), name, logger);

            FaultInjection.Check(FaultInjection.CreateSegment, name);
            segment = SharedMemorySegment.CreateExclusive(ResourceNames.Segment(name), config.SegmentLength, name)
                ?? throw new ReaderAlreadyConnectedException(name,
                    $"Buffer '{name}' was created concurrently by a reader that does not use the lock file '{lockPath}'.");

            FaultInjection.Check(FaultInjection.InitializeOieb, name);
            Initialize((Oieb*)segment.Pointer, config);
            return new ReaderResources(name, lockFile, dataAvailable, spaceAvailable, segment);
        }
        catch
        {
            // Remove exactly what this attempt created; the lock goes last.
            if (segment is not null)
            {
                segment.Dispose();
                SharedMemorySegment.Unlink(segment.OsName);
            }

            RemoveSemaphore(spaceAvailable);
            RemoveSemaphore(dataAvailable);
            lockFile.Release(deleteFile: true);
            throw;
        }
    }

    /// <summary>
    /// Takes the name's lock. A lock held by a live reader (its PID is in the segment) means the
    /// name is taken. A lock held by anyone else is transient: a cleaner or another reader's stale
    /// sweep checking the name, or a reader still creating it. Wait for it briefly (at most
    /// <see cref="TransientLockWait"/>) instead of failing with a spurious "already connected".
    /// </summary>
    private static LockFile AcquireLock(string name, string lockPath)
    {
        long giveUp = Stopwatch.GetTimestamp() + (long)(TransientLockWait.TotalSeconds * Stopwatch.Frequency);
        int pauseMs = 1;
        while (true)
        {
            if (LockFile.TryAcquire(lockPath, create: true, name, out LockFile? lockFile) == LockFile.Outcome.Acquired)
            {
                return lockFile!;
            }

            ulong readerPid = ReadOwners(name).ReaderPid;
            if (ProcessLiveness.IsAlive(readerPid) || Stopwatch.GetTimestamp() > giveUp)
            {
                throw new ReaderAlreadyConnectedException(name, ProcessLiveness.IsAlive(readerPid)
                    ? $"Buffer '{name}' already has a live reader (PID {readerPid}; its lock file '{lockPath}' is held)."
                    : $"Buffer '{name}' already has a reader: its lock file '{lockPath}' is held.");
            }

            Thread.Sleep(pauseMs); // back-off while another process holds the lock for a moment
            pauseMs = Math.Min(pauseMs * 2, 20);
        }
    }

    /// <summary>How long a creator waits for a lock held by something other than a live reader.</summary>
    internal static readonly TimeSpan TransientLockWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether the segment of <paramref name="name"/> exists, and the reader and writer PIDs in it
    /// (0 when absent or not yet initialised), read without locking.
    /// </summary>
    private static (bool Exists, ulong ReaderPid, ulong WriterPid) ReadOwners(string name)
    {
        using SharedMemorySegment? existing = SharedMemorySegment.OpenExisting(ResourceNames.Segment(name), name);
        if (existing is null)
        {
            return (false, 0, 0);
        }

        return existing.Length >= ZeroBufferLayout.OiebSize
            ? (true, Volatile.Read(ref ((Oieb*)existing.Pointer)->ReaderPid), Volatile.Read(ref ((Oieb*)existing.Pointer)->WriterPid))
            : (true, 0, 0);
    }

    private static void Initialize(Oieb* oieb, BufferConfig config)
    {
        // The segment is zero-filled by the OS; write every field, then oieb_size last with a
        // release store: a writer treats oieb_size == 0 as "not initialised yet".
        oieb->VersionMajor = ZeroBufferLayout.VersionMajor;
        oieb->VersionMinor = ZeroBufferLayout.VersionMinor;
        oieb->VersionPatch = ZeroBufferLayout.VersionPatch;
        oieb->VersionReserved = 0;
        oieb->MetadataSize = (ulong)config.MetadataBlockSize;
        oieb->MetadataFreeBytes = (ulong)config.MetadataBlockSize;
        oieb->MetadataWrittenBytes = 0;
        oieb->PayloadSize = (ulong)config.PayloadBlockSize;
        oieb->PayloadFreeBytes = (ulong)config.PayloadBlockSize;
        oieb->PayloadWritePos = 0;
        oieb->PayloadReadPos = 0;
        oieb->PayloadWrittenCount = 0;
        oieb->PayloadReadCount = 0;
        oieb->WriterPid = 0;
        oieb->ReaderPid = ProcessLiveness.Self;
        Volatile.Write(ref oieb->OiebSize, ZeroBufferLayout.OiebSize);
    }

    /// <summary>
    /// With our lock held: an existing segment is stale only if neither PID in it is alive
    /// (protocol-v1 §5); then every resource of the name goes. Otherwise the name is in use.
    /// </summary>
    private static void RemoveIfStale(string name, ILogger logger)
    {
        (bool exists, ulong readerPid, ulong writerPid) = ReadOwners(name);
        if (!exists)
        {
            return;
        }

        bool readerAlive = ProcessLiveness.IsAlive(readerPid);
        bool writerAlive = ProcessLiveness.IsAlive(writerPid);
        if (readerAlive || writerAlive)
        {
            throw new ReaderAlreadyConnectedException(name, readerAlive
                ? $"Buffer '{name}' already has a live reader (PID {readerPid})."
                : $"Buffer '{name}' is still in use by writer PID {writerPid} although its reader (PID {readerPid}) is gone; it can be recreated once that writer disconnects.");
        }

        Log.RemovedStaleBuffer(logger, name, readerPid, writerPid);
        RemoveNames(name);
    }

    private static NamedSemaphore CreateSemaphore(string osName, string bufferName, ILogger logger)
    {
        NamedSemaphore? semaphore = NamedSemaphore.CreateExclusive(osName, bufferName);
        if (semaphore is not null)
        {
            return semaphore;
        }

        // We hold the name's lock and no live segment exists: a leftover from a crash.
        Log.RemovedOrphanSemaphore(logger, bufferName, osName);
        NamedSemaphore.Unlink(osName);
        return NamedSemaphore.CreateExclusive(osName, bufferName)
               ?? throw new ReaderAlreadyConnectedException(bufferName, $"Semaphore '{osName}' was recreated concurrently.");
    }

    private static void RemoveSemaphore(NamedSemaphore? semaphore)
    {
        if (semaphore is not null)
        {
            semaphore.Dispose();
            NamedSemaphore.Unlink(semaphore.OsName);
        }
    }

    /// <summary>Unlinks the segment and both semaphores of <paramref name="name"/> (not the lock file).</summary>
    internal static void RemoveNames(string name)
    {
        SharedMemorySegment.Unlink(ResourceNames.Segment(name));
        NamedSemaphore.Unlink(ResourceNames.DataAvailableSemaphore(name));
        NamedSemaphore.Unlink(ResourceNames.SpaceAvailableSemaphore(name));
    }

    /// <summary>Marks the reader gone, unlinks every name, unmaps, and finally drops the lock.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref Oieb->ReaderPid, 0UL);
        RemoveNames(Name);
        Segment.Dispose();
        DataAvailable.Dispose();
        SpaceAvailable.Dispose();
        _lock.Release(deleteFile: true);
    }
}
