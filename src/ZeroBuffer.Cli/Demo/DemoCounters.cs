namespace ZeroBuffer.Cli.Demo;

/// <summary>
/// Counters a demo child's hot loop updates and its reporter thread reads. Only the hot loop
/// writes; the reporter reads with acquire semantics, so a progress line is never ahead of the loop.
/// </summary>
internal sealed class DemoCounters
{
    /// <summary>Frames before allocations are counted: one-time set-up (JIT stubs, lazily grown queues) is not per-frame cost.</summary>
    internal const long WarmUpFrames = 64;

    private long _allocatedAtWarmUp = -1;
    private long _framesAtWarmUp;

    private long _frames;
    private long _bytes;
    private long _errors;

    internal long Frames => Volatile.Read(ref _frames);

    internal long Bytes => Volatile.Read(ref _bytes);

    internal long Errors => Volatile.Read(ref _errors);

    internal void AddFrame(long bytes)
    {
        Volatile.Write(ref _bytes, _bytes + bytes);
        Volatile.Write(ref _frames, _frames + 1);
    }

    internal void AddError() => Volatile.Write(ref _errors, _errors + 1);

    /// <summary>Called by the hot loop after each frame: takes the allocation baseline once warmed up.</summary>
    internal void MarkWarmUp()
    {
        if (_allocatedAtWarmUp < 0 && _frames >= WarmUpFrames)
        {
            _framesAtWarmUp = _frames;
            _allocatedAtWarmUp = GC.GetAllocatedBytesForCurrentThread();
        }
    }

    /// <summary>
    /// What the hot loop's thread allocated after warm-up, and over how many frames; (null, 0)
    /// when the run was too short to warm up.
    /// </summary>
    internal (long? AllocatedBytes, long Frames) Allocations(long allocatedNow) =>
        _allocatedAtWarmUp < 0 ? (null, 0) : (allocatedNow - _allocatedAtWarmUp, _frames - _framesAtWarmUp);
}

/// <summary>Emits <c>{"event":"progress",...}</c> lines every <see cref="Interval"/> from its own thread, off the hot loop.</summary>
internal sealed class ProgressReporter : IDisposable
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly Output _output;
    private readonly DemoCounters _counters;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;

    internal ProgressReporter(Output output, DemoCounters counters)
    {
        _output = output;
        _counters = counters;
        _thread = new Thread(Run) { IsBackground = true, Name = "demo progress" };
        _thread.Start();
    }

    private void Run()
    {
        while (!_stop.Wait(Interval))
        {
            Emit();
        }
    }

    private void Emit() => _output.Emit(new Events.DemoChildProgressEvent(_counters.Frames, _counters.Bytes, _counters.Errors));

    /// <summary>Stops the thread after one last line.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        Emit();
        _stop.Dispose();
    }
}
