using System.Diagnostics;

namespace ZeroBuffer.Diagnostics;

/// <summary>
/// One reader's or writer's measurements: what only it knows (time blocked, peer deaths,
/// sequence errors) is added here by its own thread as plain increments, and the rest is read
/// from the endpoint itself (<see cref="IMeteredEndpoint"/>) when a listener collects.
/// </summary>
/// <remarks>
/// The fields are written by the thread using the endpoint and read by the collecting thread:
/// 64-bit reads and writes are atomic on the platforms the library supports (Linux x64 and
/// arm64), and a value one collection late is fine for a metric, so no interlocked operation
/// is spent on the frame path.
/// </remarks>
internal sealed class EndpointMetrics
{
    private long _waitTicks;
    private long _waitStarted;
    private long _peerDeaths;
    private long _sequenceErrors;
    private long _dropped;
    private long _skipped;
    private bool _peerDeathCounted;

    /// <summary>Measurements of an endpoint, not collected until <see cref="Start"/>.</summary>
    internal EndpointMetrics(IMeteredEndpoint source, string buffer, EndpointRole role)
    {
        Source = source;
        Role = role;
        Tags =
        [
            new(ZeroBufferMetrics.BufferTag, buffer),
            new(ZeroBufferMetrics.RoleTag, role == EndpointRole.Reader ? "reader" : "writer"),
        ];
    }

    internal IMeteredEndpoint Source { get; }

    internal EndpointRole Role { get; }

    internal KeyValuePair<string, object?>[] Tags { get; }

    internal double WaitSeconds => (double)Volatile.Read(ref _waitTicks) / Stopwatch.Frequency;

    internal long PeerDeaths => Volatile.Read(ref _peerDeaths);

    internal long SequenceErrors => Volatile.Read(ref _sequenceErrors);

    internal long Dropped => Volatile.Read(ref _dropped);

    internal long Skipped => Volatile.Read(ref _skipped);

    /// <summary>Starts collecting, once the endpoint is fully created.</summary>
    internal void Start() => ZeroBufferMetrics.Register(this);

    /// <summary>Stops collecting (the endpoint is being disposed).</summary>
    internal void Stop() => ZeroBufferMetrics.Unregister(this);

    /// <summary>A wait begins (only the slow path: a frame or space not there at once). One wait at a time per endpoint.</summary>
    internal void WaitStarted() => WaitStarted(Stopwatch.GetTimestamp());

    /// <summary>A wait began at <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value the wait reads anyway).</summary>
    internal void WaitStarted(long timestamp) => _waitStarted = timestamp;

    /// <summary>The wait begun by <see cref="WaitStarted()"/> ended, however it ended.</summary>
    internal void WaitEnded() => WaitEnded(Stopwatch.GetTimestamp());

    /// <summary>The wait ended at <paramref name="timestamp"/>, however it ended.</summary>
    internal void WaitEnded(long timestamp) => Volatile.Write(ref _waitTicks, _waitTicks + (timestamp - _waitStarted));

    /// <summary>The peer was found crashed; counted once per peer, however often the death is reported again.</summary>
    internal void PeerDied()
    {
        if (!_peerDeathCounted)
        {
            _peerDeathCounted = true;
            Volatile.Write(ref _peerDeaths, _peerDeaths + 1);
        }
    }

    /// <summary>A live peer was seen: its death, later, is a new one.</summary>
    internal void PeerAlive() => _peerDeathCounted = false;

    /// <summary>A topic's publisher skipped a frame for this writer's subscriber (its ring was full).</summary>
    internal void FrameDropped() => Volatile.Write(ref _dropped, _dropped + 1);

    /// <summary>A topic subscriber released a frame unread, a newer one being there (latest-only).</summary>
    internal void FrameSkipped() => Volatile.Write(ref _skipped, _skipped + 1);

    /// <summary>A frame's sequence number was not the expected one.</summary>
    internal void SequenceError() => Volatile.Write(ref _sequenceErrors, _sequenceErrors + 1);
}
