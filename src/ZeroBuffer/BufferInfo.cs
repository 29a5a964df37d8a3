using ZeroBuffer.Protocol;

namespace ZeroBuffer;

/// <summary>One buffer name found in <c>/dev/shm</c> or the lock directories, and what it amounts to.</summary>
/// <param name="Name">The buffer name.</param>
/// <param name="State">Live, stale or orphaned.</param>
/// <param name="Reason">Why it has that state, in words (e.g. "lock held", "reader PID 123 died").</param>
/// <param name="Resources">Which of the buffer's OS resources exist.</param>
/// <param name="ReaderPid">The reader PID stored in the segment (0 = none or no segment).</param>
/// <param name="WriterPid">The writer PID stored in the segment (0 = none or no segment).</param>
/// <param name="ReaderAlive">Whether the reader runs (by its liveness lock; by its PID for a reader that takes none).</param>
/// <param name="WriterAlive">Whether the writer runs (by its liveness lock; by its PID for a writer that takes none).</param>
/// <param name="LockHeld">Whether another process holds one of the name's lock files (checked whatever the PIDs say).</param>
/// <param name="SegmentLength">The segment's length in bytes (0 without a segment).</param>
/// <param name="MetadataSize">The metadata block size from the OIEB (0 when unknown).</param>
/// <param name="PayloadSize">The ring size from the OIEB (0 when unknown).</param>
/// <param name="LastChangeUtc">The newest modification time among the resource files.</param>
/// <param name="ControlBlock">The segment's control block, when a segment could be read.</param>
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
    DateTime LastChangeUtc,
    ControlBlock? ControlBlock = null);
