using System.Collections.Concurrent;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Runs tasks on a few threads of its own. The client bridge's local duplex server runs its
/// handlers here: each blocks until its reply crosses the network, and blocked on thread-pool
/// threads they starved the pool the NATS client needs to deliver those very replies (seen with 8
/// handlers on 2 cores: publishes timed out after the client's command timeout).
/// </summary>
internal sealed class DedicatedThreadScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread[] _threads;

    internal DedicatedThreadScheduler(int threads, string name)
    {
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{name} {i}" };
            _threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Runs what was queued, then ends the threads.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        _queue.Dispose();
    }

    protected override void QueueTask(Task task) => _queue.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _queue];

    private void Work()
    {
        foreach (Task task in _queue.GetConsumingEnumerable())
        {
            _ = TryExecuteTask(task);
        }
    }
}
