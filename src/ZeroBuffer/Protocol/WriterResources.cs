using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// What a writer opens to connect to a buffer (docs/protocol.md §5.2): the mapped segment, after
/// its control block was validated; both semaphores; and the writer's claim, taken only while the
/// reader is alive. Connecting either completes or gives back everything it opened and undoes its
/// own claim (never another writer's).
/// </summary>
internal sealed unsafe class WriterResources
{
    // block: the validated control block (its sizes are written once, at create); readerSkipsShortTails:
    // the live reader's block advertises our extensions.
    private WriterResources(SharedMemorySegment segment, NamedSemaphore dataAvailable, NamedSemaphore spaceAvailable, WriterSession claim,
        in ControlBlock block, bool readerSkipsShortTails)
    {
        Segment = segment;
        DataAvailable = dataAvailable;
        SpaceAvailable = spaceAvailable;
        Claim = claim;
        MetadataBlockSize = (long)block.MetadataSize;
        RingSize = (long)block.PayloadSize;
        ReaderSkipsShortTails = readerSkipsShortTails;
        ReaderPid = block.ReaderPid;
    }

    internal SharedMemorySegment Segment { get; }

    /// <summary>sem-w: posted once per committed frame.</summary>
    internal NamedSemaphore DataAvailable { get; }

    /// <summary>sem-r: the reader posts it when it gives space back; the writer waits on it.</summary>
    internal NamedSemaphore SpaceAvailable { get; }

    /// <summary>writer_pid, and with writer sessions the writer lock, the session and the commit record.</summary>
    internal WriterSession Claim { get; }

    internal long MetadataBlockSize { get; }

    internal long RingSize { get; }

    /// <summary>The reader advertises our extensions, so it skips a 1-15 byte tail (§3.2); an upstream reader does not.</summary>
    internal bool ReaderSkipsShortTails { get; }

    /// <summary>The reader's PID as the control block gives it (for the log).</summary>
    internal ulong ReaderPid { get; }

    /// <summary>§5.2: opens, validates and claims buffer <paramref name="name"/>; the typed error of each way it can fail.</summary>
    internal static WriterResources Connect(string name, ILogger logger)
    {
        SharedMemorySegment? segment = null;
        NamedSemaphore? dataAvailable = null;
        NamedSemaphore? spaceAvailable = null;
        WriterSession? claim = null;
        try
        {
            segment = SharedMemorySegment.OpenExisting(ResourceNames.Segment(name), name)
                      ?? throw new BufferNotFoundException(name, $"Buffer '{name}' not found: no reader has created it.");
            var oieb = (Oieb*)segment.Pointer;
            ControlBlock validated = ControlBlock.Read(oieb, segment.Length);
            ValidateControlBlock(validated, name);

            dataAvailable = NamedSemaphore.OpenExisting(ResourceNames.DataAvailableSemaphore(name), name)
                            ?? throw new BufferNotFoundException(name, $"Buffer '{name}' not found: its semaphore '{ResourceNames.DataAvailableSemaphore(name)}' is missing.");
            spaceAvailable = NamedSemaphore.OpenExisting(ResourceNames.SpaceAvailableSemaphore(name), name)
                             ?? throw new BufferNotFoundException(name, $"Buffer '{name}' not found: its semaphore '{ResourceNames.SpaceAvailableSemaphore(name)}' is missing.");

            PeerState reader = PeerLiveness.Reader(ControlBlockSource.Mapped(oieb, segment.Length), segment.Descriptor, name, out ControlBlock block);
            if (reader != PeerState.Alive)
            {
                throw new ReaderDeadException(name, reader switch
                {
                    PeerState.Absent => $"Buffer '{name}' has no reader (reader PID 0).",
                    PeerState.Closing or PeerState.Closed => $"The reader of buffer '{name}' has closed it.",
                    _ => $"The reader of buffer '{name}' (PID {block.ReaderPid}) is not alive.",
                });
            }

            claim = WriterSession.Claim(segment, dataAvailable, name, logger);
            return new WriterResources(segment, dataAvailable, spaceAvailable, claim, validated, block.ExtensionMagic == ZeroBufferLayout.ExtensionMagic);
        }
        catch
        {
            Release(claim, spaceAvailable, dataAvailable, segment);
            throw;
        }
    }

    /// <summary>The connect failed after these were opened (the writer's own setup threw): undo them as a failed connect does.</summary>
    internal void Abandon() => Release(Claim, SpaceAvailable, DataAvailable, Segment);

    private static void Release(WriterSession? claim, NamedSemaphore? spaceAvailable, NamedSemaphore? dataAvailable, SharedMemorySegment? segment)
    {
        claim?.Abandon(); // a failed connect undoes its own claim (PID and lock), never another's
        spaceAvailable?.Dispose();
        dataAvailable?.Dispose();
        segment?.Dispose(); // unmapping and closing also drop a writer lock a failed claim took
    }

    /// <summary>The typed error of an invalid control block (§5.2 step 2).</summary>
    private static void ValidateControlBlock(in ControlBlock block, string name)
    {
        ControlBlockValidation validation = block.Validate();
        switch (validation.Status)
        {
            case ControlBlockStatus.Ok:
                return;
            case ControlBlockStatus.NotInitialized:
                throw new BufferNotFoundException(name, $"Buffer '{name}' is not initialised yet (its reader is still creating it, or died doing so).");
            case ControlBlockStatus.ProtocolMismatch:
                throw new ProtocolMismatchException(name,
                    $"Buffer '{name}' speaks an incompatible protocol: OIEB size {block.OiebSize} (expected {ZeroBufferLayout.OiebSize}), " +
                    $"version {block.VersionMajor}.{block.VersionMinor}.{block.VersionPatch} (expected major {ZeroBufferLayout.VersionMajor}).");
            default:
                throw new BufferCorruptedException(name,
                    $"Buffer '{name}' has an impossible control block: metadata size {block.MetadataSize}, payload size {block.PayloadSize}, " +
                    $"segment length {block.SegmentLength}, write position {block.WritePosition}, read position {block.ReadPosition}, " +
                    $"free bytes {block.PayloadFreeBytes} ({validation.Describe()}).");
        }
    }
}
