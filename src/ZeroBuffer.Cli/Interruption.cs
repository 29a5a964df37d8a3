using System.Runtime.InteropServices;

namespace ZeroBuffer.Cli;

/// <summary>
/// Turns Ctrl+C (SIGINT) and SIGTERM into a cancellation, so a command can leave cleanly (a
/// reader removes its buffer). A second signal while already cancelled terminates at once.
/// Optionally, end of standard input cancels too: a child process then never outlives its parent.
/// </summary>
/// <remarks>
/// What a stop means depends on the command and the signal. Ctrl+C is the person at the terminal
/// ending a command that runs until stopped (<c>watch</c>, <c>serve</c>, <c>read</c>/<c>relay</c>
/// without --count, the hold of <c>write --hold</c>): its normal end, exit 0 after its done event
/// (<see cref="OpenEndedExit"/>). SIGTERM, or the end of stdin for a child, is a stop from outside
/// (a supervisor, a test harness, the parent): exit 130, so whoever sent it can tell it from a
/// command that finished. Either signal during a job with an end of its own (<c>--count</c>,
/// <c>write</c>, <c>call</c>, <c>demo</c>, <c>soak</c>) leaves it unfinished: exit 130.
/// </remarks>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private readonly TaskCompletionSource _stdinClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stdinWatched;
    private volatile bool _byUser;

    internal Interruption()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled on SIGINT/SIGTERM (and stdin EOF after <see cref="CancelOnStdinClosed"/>).</summary>
    internal CancellationToken Token => _cancel.Token;

    /// <summary>Whether a stop was requested.</summary>
    internal bool IsRequested => _cancel.IsCancellationRequested;

    /// <summary>
    /// The exit code of a command whose normal end is a stop, once it reported its end: 0 after
    /// Ctrl+C (or when nothing stopped it); after SIGTERM or the end of stdin it throws the
    /// cancellation, which the command's runner reports as interrupted (exit 130).
    /// </summary>
    internal int OpenEndedExit()
    {
        if (IsRequested && !_byUser)
        {
            throw new OperationCanceledException(Token);
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Holds (<c>write --hold</c>, <c>publish --hold</c>) until stdin closes or a stop, and returns
    /// the exit code: a hold runs until stopped, so Ctrl+C ends it normally (<see cref="OpenEndedExit"/>).
    /// </summary>
    internal int HoldUntilStdinClosed()
    {
        WatchStdin();
        try
        {
            StdinClosed.Wait(Token);
        }
        catch (OperationCanceledException)
        {
            // Holding runs until stopped: Ctrl+C is its normal end, as stdin closing is.
        }

        return OpenEndedExit();
    }

    /// <summary>Completes when standard input reaches end of file (once <see cref="WatchStdin"/> ran).</summary>
    internal Task StdinClosed => _stdinClosed.Task;

    /// <summary>Requests a stop from inside the process.</summary>
    internal void Request() => _cancel.Cancel();

    /// <summary>Starts watching standard input for end of file (reads and discards whatever comes).</summary>
    internal void WatchStdin()
    {
        if (Interlocked.Exchange(ref _stdinWatched, 1) != 0)
        {
            return;
        }

        var thread = new Thread(() =>
        {
            try
            {
                using Stream stdin = Console.OpenStandardInput();
                byte[] sink = new byte[256];
                while (stdin.Read(sink, 0, sink.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            _stdinClosed.TrySetResult();
        })
        {
            IsBackground = true,
            Name = "stdin watcher",
        };
        thread.Start();
    }

    /// <summary>Watches stdin, and cancels when it closes (the parent went away or asked us to stop).</summary>
    internal void CancelOnStdinClosed()
    {
        WatchStdin();
        _stdinClosed.Task.ContinueWith(static (_, s) => ((CancellationTokenSource)s!).Cancel(), _cancel,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested)
        {
            return; // second signal: default handling terminates the process
        }

        context.Cancel = true;
        _byUser = context.Signal == PosixSignal.SIGINT;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cancel.Dispose();
    }
}
