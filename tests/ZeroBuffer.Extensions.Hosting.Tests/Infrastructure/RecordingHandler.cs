using System.Collections.Concurrent;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>
/// A frame handler that records what it sees (a copy of each payload, made before any await),
/// can hold every frame until released (so frames pile up in the ring), and can fail on chosen
/// frames. Register it as a singleton so the test and the reader share it.
/// </summary>
internal sealed class RecordingHandler : IFrameHandler
{
    private readonly ConcurrentQueue<(ulong Sequence, byte[] Payload)> _frames = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether frames are held until <see cref="Release"/>.</summary>
    internal bool Holding { get; init; }

    /// <summary>Frames with these sequence numbers make the handler throw.</summary>
    internal IReadOnlySet<ulong> FailOn { get; init; } = new HashSet<ulong>();

    internal ReadOnlyMemory<byte> Metadata { get; private set; }

    internal IReadOnlyList<(ulong Sequence, byte[] Payload)> Frames => [.. _frames];

    public async ValueTask HandleAsync(Frame frame, ReaderContext context, CancellationToken cancellationToken)
    {
        _frames.Enqueue((frame.Sequence, frame.ToArray()));
        Metadata = context.Metadata;
        if (FailOn.Contains(frame.Sequence))
        {
            throw new InvalidDataException($"frame {frame.Sequence} is not acceptable");
        }

        if (Holding)
        {
            await _released.Task.WaitAsync(cancellationToken);
        }
    }

    internal void Release() => _released.TrySetResult();

    internal Task WaitForFramesAsync(int count) => Eventually.TrueAsync(() => _frames.Count >= count, $"{count} frames handled");
}
