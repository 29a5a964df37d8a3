using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Extensions.Hosting.Health;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// The life of every hosted endpoint: <see cref="Open"/> when the host starts (synchronously, so a
/// buffer that cannot be created fails the start), <see cref="RunAsync"/> in the background until
/// the host stops, then <see cref="CloseAsync"/> exactly once, also when the host is disposed
/// without stopping. An error that ends the run fails the endpoint and stops the host: it is never
/// lost in a task nobody awaits.
/// </summary>
internal abstract class HostedEndpoint : IHostedService, IZeroBufferEndpoint, IAsyncDisposable, IDisposable
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly CancellationTokenSource _stopping = new();
    private AsyncServiceScope? _scope;
    private Task _run = Task.CompletedTask;
    private int _closed;
    private volatile EndpointPhase _phase = EndpointPhase.NotStarted;
    private volatile Exception? _failure;

    protected HostedEndpoint(string name, IServiceProvider services)
    {
        Name = name;
        Services = services;
        _lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        LoggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger(GetType().FullName ?? GetType().Name);
    }

    /// <summary>The registration name.</summary>
    public string Name { get; }

    /// <summary>"Reader", "Writer" or "Duplex server", for messages.</summary>
    protected abstract string Role { get; }

    /// <summary>The application's root services.</summary>
    protected IServiceProvider Services { get; }

    protected ILoggerFactory LoggerFactory { get; }

    protected ILogger Logger { get; }

    /// <summary>
    /// Resolves the handler and creates the endpoint's OS resources. Handlers come from
    /// <paramref name="handlerServices"/>, a scope that lives as long as the endpoint, so they may
    /// depend on scoped services.
    /// </summary>
    protected abstract void Open(IServiceProvider handlerServices);

    /// <summary>Serves until <paramref name="stopping"/> fires (then returns or throws <see cref="OperationCanceledException"/>).</summary>
    protected abstract Task RunAsync(CancellationToken stopping);

    /// <summary>Releases what <see cref="Open"/> and <see cref="RunAsync"/> created; called once.</summary>
    protected abstract ValueTask CloseAsync();

    /// <summary>The health of the endpoint while it runs.</summary>
    protected abstract HealthCheckResult CheckRunning(HealthStatus failureStatus);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _scope = Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        try
        {
            Open(_scope.Value.ServiceProvider);
        }
        catch (Exception error)
        {
            _failure = error;
            _phase = EndpointPhase.Failed;
            throw; // the host's start fails with the endpoint's own error; DisposeAsync cleans up
        }

        _phase = EndpointPhase.Running;
        CancellationToken stopping = _stopping.Token;
        _run = Task.Run(() => RunGuardedAsync(stopping), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A handler that ignores its token: closing below wakes reads and invalidates its frames.
            Log.StopTimedOut(Logger, Name);
        }

        await CloseOnceAsync().ConfigureAwait(false);
    }

    public HealthCheckResult CheckHealth(HealthStatus failureStatus)
    {
        if (_phase == EndpointPhase.Running)
        {
            try
            {
                return CheckRunning(failureStatus);
            }
            catch (ObjectDisposedException)
            {
                // Closed between the phase check and the look: report it as stopped, below.
            }
        }

        EndpointPhase phase = _phase == EndpointPhase.Running ? EndpointPhase.Stopped : _phase;
        return EndpointHealth.NotRunning(Role, Name, phase, _failure, failureStatus);
    }

    /// <summary>Ends the endpoint for good on an error: logged, reported by the health check, and the host is stopped.</summary>
    protected void Fail(Exception error)
    {
        _failure = error;
        _phase = EndpointPhase.Failed;
        Log.EndpointFailed(Logger, Name, error);
        _lifetime.StopApplication();
    }

    /// <summary>A <see cref="PeerGoneBehavior.StopHost"/> or <see cref="HandlerErrorBehavior.StopHost"/> policy applies.</summary>
    protected void StopHost(string reason)
    {
        _phase = EndpointPhase.Stopped;
        Log.StoppingHost(Logger, Name, reason);
        _lifetime.StopApplication();
    }

    private async Task RunGuardedAsync(CancellationToken stopping)
    {
        try
        {
            await RunAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping.
        }
#pragma warning disable CA1031 // Any error ends the endpoint; Fail reports it and stops the host.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Fail(error);
        }
    }

    private async ValueTask CloseOnceAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            if (_phase is EndpointPhase.Running or EndpointPhase.NotStarted)
            {
                _phase = EndpointPhase.Stopped;
            }

            if (_scope is AsyncServiceScope scope)
            {
                await scope.DisposeAsync().ConfigureAwait(false);
            }

            if (_run.IsCompleted)
            {
                _stopping.Dispose(); // a run still going after a stop timeout keeps its token
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await CloseOnceAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
