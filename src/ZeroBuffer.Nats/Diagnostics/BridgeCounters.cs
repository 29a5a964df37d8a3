using System.Diagnostics;

namespace ZeroBuffer.Nats.Diagnostics;

/// <summary>
/// One bridge's running totals: plain fields added to on the frame path (one interlocked add
/// each), read by the bridge's properties and by <see cref="NatsBridgeMetrics"/> when a listener collects.
/// </summary>
internal sealed class BridgeCounters
{
    private long _frames;
    private long _bytes;
    private long _messages;
    private long _retries;
    private long _lost;
    private long _missedBeforeJoin;
    private long _rejected;
    private long _duplicates;
    private long _dropped;
    private long _malformed;
    private long _disconnects;

    internal BridgeCounters(string role, string subject, string bufferName)
    {
        Role = role;
        Tags =
        [
            new(NatsBridgeMetrics.RoleTag, role),
            new(NatsBridgeMetrics.SubjectTag, subject),
            new(NatsBridgeMetrics.BufferTag, bufferName),
        ];
    }

    internal string Role { get; }

    internal KeyValuePair<string, object?>[] Tags { get; }

    internal long Frames => Interlocked.Read(ref _frames);

    internal long Bytes => Interlocked.Read(ref _bytes);

    internal long Messages => Interlocked.Read(ref _messages);

    internal long Retries => Interlocked.Read(ref _retries);

    internal long Lost => Interlocked.Read(ref _lost);

    internal long MissedBeforeJoin => Interlocked.Read(ref _missedBeforeJoin);

    internal long Rejected => Interlocked.Read(ref _rejected);

    internal long Duplicates => Interlocked.Read(ref _duplicates);

    internal long Dropped => Interlocked.Read(ref _dropped);

    internal long Malformed => Interlocked.Read(ref _malformed);

    internal long Disconnects => Interlocked.Read(ref _disconnects);

    internal void Frame(int bytes)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, bytes);
    }

    internal void Message() => Interlocked.Increment(ref _messages);

    internal void Retry() => Interlocked.Increment(ref _retries);

    internal void Gap(GapKind kind, ulong count)
    {
        switch (kind)
        {
            case GapKind.Lost:
                Interlocked.Add(ref _lost, (long)count);
                break;
            case GapKind.MissedBeforeJoin:
                Interlocked.Add(ref _missedBeforeJoin, (long)count);
                break;
            case GapKind.Rejected:
                Interlocked.Add(ref _rejected, (long)count);
                break;
            default:
                throw new UnreachableException($"Unknown gap kind {kind}.");
        }
    }

    internal void Duplicate(long count = 1) => Interlocked.Add(ref _duplicates, count);

    internal void Drop() => Interlocked.Increment(ref _dropped);

    internal void MalformedMessage() => Interlocked.Increment(ref _malformed);

    internal void Disconnect() => Interlocked.Increment(ref _disconnects);
}
