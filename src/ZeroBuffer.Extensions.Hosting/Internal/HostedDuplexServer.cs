using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ZeroBuffer.Duplex;
using ZeroBuffer.Extensions.Hosting.Health;
using ZeroBuffer.Lifecycle;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// A hosted duplex server: serves the application's request handler on a channel from host start
/// to stop. The server renews sessions by itself when clients come and go; the endpoint only
/// fails when the server ends on its own.
/// </summary>
internal sealed class HostedDuplexServer(string name, bool inPlace /* a mutable server, IMutableDuplexRequestHandler */, Func<IServiceProvider, object> handlerFactory, IServiceProvider services)
    : HostedEndpoint(name, services)
{
    private ZeroBufferDuplexServerOptions _options = new();
    private IDuplexServer? _server;
    private long _errors;
    private volatile string? _lastError;

    protected override string Role => "Duplex server";

    protected override void Open(IServiceProvider handlerServices)
    {
        _options = Services.GetRequiredService<IOptionsMonitor<ZeroBufferDuplexServerOptions>>().Get(Name);
        object handler = handlerFactory(handlerServices);
        var factory = new DuplexChannelFactory(LoggerFactory); // the server logs handler failures itself, at Warning
        string channel = _options.EffectiveBufferName(Name);
        BufferConfig config = _options.ToBufferConfig();
        DuplexServerOptions serverOptions = _options.ToServerOptions();
        if (inPlace)
        {
            IMutableDuplexServer server = factory.CreateMutableServer(channel, config, serverOptions);
            Serve(server, () => server.Start(((IMutableDuplexRequestHandler)handler).Handle));
        }
        else
        {
            IImmutableDuplexServer server = factory.CreateImmutableServer(channel, config, serverOptions);
            Serve(server, () => server.Start(((IDuplexRequestHandler)handler).Handle));
        }

        Log.DuplexStarted(Logger, Name, channel, _options.Mode.ToString());
    }

    private void Serve(IDuplexServer server, Action start)
    {
        _server = server; // disposed by CloseAsync, also when Start throws
        server.OnError += (_, e) =>
        {
            Interlocked.Increment(ref _errors);
            _lastError = $"{e.Exception.GetType().Name} (session {e.Session}, request {e.RequestSequence}): {e.Exception.Message}";
        };
        start();
    }

    protected override async Task RunAsync(CancellationToken stopping)
    {
        // The server runs on its own threads; this only notices it ending without being asked to.
        await _server!.Completion.WaitAsync(stopping).ConfigureAwait(false);
        throw new InvalidOperationException($"The duplex server of channel '{_server.ChannelName}' stopped by itself.");
    }

    protected override async ValueTask CloseAsync()
    {
        if (_server is IDuplexServer server)
        {
            // Stop waits for running handlers: off the caller's thread, which may be the host's.
            await Task.Run(server.Dispose).ConfigureAwait(false);
            Log.DuplexStopped(Logger, Name);
        }
    }

    protected override HealthCheckResult CheckRunning(HealthStatus failureStatus)
    {
        IDuplexServer server = _server!;
        Dictionary<string, object> data = EndpointHealth.Data(Role, EndpointPhase.Running);
        data["buffer"] = server.ChannelName;
        data["errors"] = Interlocked.Read(ref _errors);
        if (_lastError is string lastError)
        {
            data["lastError"] = lastError;
        }

        if (!server.IsRunning)
        {
            return new HealthCheckResult(failureStatus, $"Duplex server '{Name}' is not running.", null, data);
        }

        // The sessions' request buffers (C_request, C_request.1, ...: docs/duplex.md): how full, and
        // which have a client, seen as any process sees them.
        int sessions = 0, clients = 0;
        double utilization = 0;
        for (int session = 0; session < _options.MaxSessions; session++)
        {
            string requestBuffer = session == 0 ? $"{server.ChannelName}_request" : $"{server.ChannelName}_request.{session}";
            if (BufferCatalog.Inspect(requestBuffer) is not { ControlBlock: { PayloadSize: > 0 } block } info)
            {
                continue;
            }

            sessions++;
            clients += info.WriterAlive ? 1 : 0;
            ulong used = block.PayloadSize - Math.Min(block.PayloadFreeBytes, block.PayloadSize);
            utilization = Math.Max(utilization, (double)used / block.PayloadSize);
        }

        data["sessions"] = sessions;
        data["clients"] = clients;
        data["utilization"] = utilization;
        return utilization >= _options.DegradedUtilization
            ? HealthCheckResult.Degraded($"Duplex server '{Name}': a request ring is {utilization:P0} full (threshold {_options.DegradedUtilization:P0}): requests are handled too slowly.", null, data)
            : HealthCheckResult.Healthy($"Duplex server '{Name}': serving {clients} client(s).", data);
    }
}
