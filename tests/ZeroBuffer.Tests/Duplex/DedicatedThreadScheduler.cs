using System.Collections.Concurrent;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>A caller-supplied scheduler for the duplex server: a few dedicated, named threads; counts what it ran.</summary>
internal sealed class DedicatedThreadScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread[] _threads;
    private int _executed;

    internal DedicatedThreadScheduler(int threads, string name)
    {
        ThreadNamePrefix = name;
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    internal string ThreadNamePrefix { get; }

    internal int Executed => Volatile.Read(ref _executed);

    public override int MaximumConcurrencyLevel => _threads.Length;

    private void Work()
    {
        foreach (Task task in _queue.GetConsumingEnumerable())
        {
            Interlocked.Increment(ref _executed);
            TryExecuteTask(task);
        }
    }

    protected override void QueueTask(Task task) => _queue.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _queue];

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        _queue.Dispose();
    }
}
