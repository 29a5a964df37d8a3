using System.Collections.Concurrent;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Hands items from an asynchronous producer (a pump on the thread pool) to one consumer thread
/// that blocks with a timeout. Unbounded: the producer bounds it (<see cref="CoreSource"/> by bytes).
/// </summary>
/// <remarks>
/// Why not a <see cref="System.Threading.Channels.Channel{T}"/> and a blocking wait on its
/// <c>WaitToReadAsync</c>: that wait allocated a linked token source and a timer for every empty
/// look, and blocked on a task, which spins before it sleeps; on 2 cores the spinning took a tenth
/// of the importer process's CPU at 64-byte frames (the bench's <c>nats</c> rows). Here an empty
/// look is a reset and a sleep on an event that barely spins, and the producer's signal is a
/// cheap no-op while the consumer is busy.
/// </remarks>
internal sealed class HandOffQueue<T> : IDisposable
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly ManualResetEventSlim _added = new(initialState: false, spinCount: 1);
    private readonly Lock _gate = new(); // an add and the completion exclude each other: nothing is added after Complete returns
    private volatile bool _completed;

    /// <summary>Adds an item (from the producer); false once completed (the item is then the caller's still).</summary>
    internal bool TryAdd(T item)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            _items.Enqueue(item);
            if (!_added.IsSet)
            {
                _added.Set();
            }

            return true;
        }
    }

    /// <summary>No more items will come: a waiting consumer returns, and later adds are refused. What was added stays to be taken.</summary>
    internal void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _added.Set();
        }
    }

    /// <summary>
    /// Takes the next item, waiting at most <paramref name="wait"/>; false when none came in time
    /// or the queue is completed and empty.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    internal bool TryTake(TimeSpan wait, CancellationToken cancellationToken, out T? item)
    {
        if (_items.TryDequeue(out item))
        {
            return true;
        }

        _added.Reset();
        if (_items.TryDequeue(out item)) // an item added between the look above and the reset
        {
            return true;
        }

        if (!_completed)
        {
            _ = _added.Wait(wait, cancellationToken);
        }

        return _items.TryDequeue(out item);
    }

    /// <summary>Takes what is left without waiting (after the producer stopped).</summary>
    internal bool TryTakeLeft(out T? item) => _items.TryDequeue(out item);

    /// <summary>Completes the queue and releases its event (take what is left first).</summary>
    public void Dispose()
    {
        Complete();
        _added.Dispose();
    }
}
