using Microsoft.Extensions.Logging;
using ZeroBuffer.Internal;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The OS resources a reader owns for one buffer name (docs/protocol.md §1, §5.1, §5.4): its lock
/// files, both semaphores, and the initialised segment with the reader's liveness lock on it.
/// Creation either completes or removes everything it created; disposal unlinks every name
/// before releasing the locks, so whoever takes them next finds nothing stale.
/// </summary>
internal sealed unsafe class ReaderResources : IDisposable
{
    private readonly NameLocks _locks; // the two /tmp locks, held for the reader's lifetime
    private int _disposed;

    private ReaderResources(string name, NameLocks locks, NamedSemaphore dataAvailable, NamedSemaphore spaceAvailable, SharedMemorySegment segment)
    {
        Name = name;
        _locks = locks;
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

    /// <summary>How long a creator waits for locks held by something other than a live reader (a cleaner, a sweep, a closing reader).</summary>
    internal static readonly TimeSpan TransientLockWait = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause between two attempts while waiting for a transient holder.</summary>
    private static readonly TimeSpan LockRetryCap = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Creates the buffer. Throws <see cref="ReaderAlreadyConnectedException"/> when a live reader
    /// (or a live writer of a crashed reader) owns the name, in any namespace that shares <c>/dev/shm</c>.
    /// </summary>
    internal static ReaderResources Create(string name, BufferConfig config, ILogger logger)
    {
        uint mode = FileModes.For(config.Access);
        Deadline giveUp = Deadline.After(TransientLockWait);
        var backoff = new Backoff(LockRetryCap);
        while (true)
        {
            NameLocks? locks = NameLocks.TryAcquire(name, NameLocks.Purpose.Create, mode, out string? heldPath);
            if (locks is null)
            {
                // A live reader holds its locks for good: say so at once. Anyone else holds them
                // only for a moment (a cleaner, a sweep, a reader creating or closing the name).
                BufferCensus.SegmentLook holder = BufferCensus.LookAtSegment(name);
                if (holder.Reader == PeerState.Alive)
                {
                    throw new ReaderAlreadyConnectedException(name,
                        $"Buffer '{name}' already has a live reader (PID {holder.Block?.ReaderPid}; its lock file '{heldPath}' is held).");
                }

                if (!backoff.Pause(giveUp))
                {
                    throw new ReaderAlreadyConnectedException(name, $"Buffer '{name}' already has a reader: its lock file '{heldPath}' is held.");
                }

                continue;
            }

            try
            {
                BufferCensus.SegmentLook existing = BufferCensus.LookAtSegment(name);
                if (existing.Reader == PeerState.Closing)
                {
                    // Its reader is removing it right now (from a container whose /tmp we do not share).
                    locks.Release(deleteAll: false);
                    if (!backoff.Pause(giveUp))
                    {
                        throw new ReaderAlreadyConnectedException(name, $"Buffer '{name}' is still being closed by its previous reader.");
                    }

                    continue;
                }

                RemoveIfStale(name, existing, logger);
                return CreateLocked(name, config, mode, locks, logger);
            }
            catch
            {
                locks.Release(deleteAll: true); // we hold every one of them: no one else can be using these files
                throw;
            }
        }
    }

    /// <summary>Creates semaphores and segment with every lock of the name held; removes what it created on failure.</summary>
    private static ReaderResources CreateLocked(string name, BufferConfig config, uint mode, NameLocks locks, ILogger logger)
    {
        NamedSemaphore? dataAvailable = null;
        NamedSemaphore? spaceAvailable = null;
        SharedMemorySegment? segment = null;
        try
        {
            FaultInjection.Check(FaultInjection.CreateDataSemaphore, name);
            dataAvailable = CreateSemaphore(ResourceNames.DataAvailableSemaphore(name), name, mode, logger);
            FaultInjection.Check(FaultInjection.CreateSpaceSemaphore, name);
            spaceAvailable = CreateSemaphore(ResourceNames.SpaceAvailableSemaphore(name), name, mode, logger);

            FaultInjection.Check(FaultInjection.CreateSegment, name);
            segment = SharedMemorySegment.CreateExclusive(ResourceNames.Segment(name), config.SegmentLength, mode, name)
                ?? throw new ReaderAlreadyConnectedException(name,
                    $"Buffer '{name}' was created concurrently by a reader that does not use the lock files '{string.Join("', '", NameLocks.Paths(name))}'.");

            // The liveness lock before oieb_size: whoever sees the buffer initialised sees its reader alive.
            if (!RangeLock.TryLock(segment.Descriptor, ZeroBufferLayout.ReaderLockOffset, ZeroBufferLayout.LivenessLockLength, name))
            {
                throw new ReaderAlreadyConnectedException(name, $"Buffer '{name}': the reader lock of the segment just created is held by another process.");
            }

            FaultInjection.Check(FaultInjection.InitializeOieb, name);
            Initialize((Oieb*)segment.Pointer, config);
            locks.ReleaseNameLock();
            return new ReaderResources(name, locks, dataAvailable, spaceAvailable, segment);
        }
        catch
        {
            // Remove exactly what this attempt created (the caller releases the locks, last).
            if (segment is not null)
            {
                segment.Dispose();
                SharedMemorySegment.Unlink(segment.OsName);
            }

            RemoveSemaphore(spaceAvailable);
            RemoveSemaphore(dataAvailable);
            throw;
        }
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
        oieb->ExtensionFeatures = ZeroBufferLayout.FeatureReaderLock | ZeroBufferLayout.FeatureWriterSessions
            | (config.PayloadBlockSize < ZeroBufferLayout.CommitRecordRingLimit ? ZeroBufferLayout.FeatureCommitRecord : 0)
            | config.AdvertisedFeatures;
        oieb->ExtensionMagic = ZeroBufferLayout.ExtensionMagic;
        Volatile.Write(ref oieb->OiebSize, ZeroBufferLayout.OiebSize);
    }

    /// <summary>
    /// With every lock held: an existing segment is stale only if neither its reader nor its
    /// writer is alive (§5.1 step 4); then every resource of the name goes. Otherwise the name is in use.
    /// </summary>
    private static void RemoveIfStale(string name, BufferCensus.SegmentLook existing, ILogger logger)
    {
        if (existing.NotAFile)
        {
            throw new ReaderAlreadyConnectedException(name,
                $"Buffer '{name}' cannot be created: '{ResourceNames.SegmentFile(name)}' exists and is not a regular file (not a shared-memory segment).");
        }

        if (existing.Unreadable)
        {
            throw AccessDenied.For(name, ResourceNames.SegmentFile(name));
        }

        if (existing.Block is not { } block)
        {
            return;
        }

        if (existing.Reader == PeerState.Alive)
        {
            throw new ReaderAlreadyConnectedException(name, $"Buffer '{name}' already has a live reader (PID {block.ReaderPid}).");
        }

        if (existing.Writer == PeerState.Alive)
        {
            throw new ReaderAlreadyConnectedException(name,
                $"Buffer '{name}' is still in use by writer PID {block.WriterPid} although its reader (PID {block.ReaderPid}) is gone; it can be recreated once that writer disconnects.");
        }

        Log.RemovedStaleBuffer(logger, name, block.ReaderPid, block.WriterPid);
        BufferCensus.RemoveNames(name);
    }

    private static NamedSemaphore CreateSemaphore(string osName, string bufferName, uint mode, ILogger logger)
    {
        NamedSemaphore? semaphore = NamedSemaphore.CreateExclusive(osName, bufferName, mode);
        if (semaphore is not null)
        {
            return semaphore;
        }

        // We hold the name's locks and no live segment exists: a leftover from a crash.
        Log.RemovedOrphanSemaphore(logger, bufferName, osName);
        NamedSemaphore.Unlink(osName);
        return NamedSemaphore.CreateExclusive(osName, bufferName, mode)
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

    /// <summary>
    /// Closes the buffer (§5.4): marks the reader closing, unlinks the semaphores and then the
    /// segment, unmaps and closes (dropping the reader lock), and finally deletes and releases the lock files.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref Oieb->ReaderPid, 0UL);
        BufferCensus.RemoveNames(Name);
        Segment.Dispose();
        DataAvailable.Dispose();
        SpaceAvailable.Dispose();
        _locks.Release(deleteAll: true);
    }
}
