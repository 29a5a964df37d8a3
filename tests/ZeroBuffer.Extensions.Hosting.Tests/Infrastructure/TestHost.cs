using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>
/// A real generic host (<see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/>)
/// built from in-memory configuration, with its logs kept and ZeroBuffer health checks added.
/// Disposing stops it (if started) and disposes it.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private bool _started;

    private TestHost(IHost host, LogSink logs)
    {
        Host = host;
        Logs = logs;
    }

    internal IHost Host { get; }

    internal LogSink Logs { get; }

    internal IServiceProvider Services => Host.Services;

    internal CancellationToken Stopping => Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <summary>Builds (does not start) a host whose configuration is <paramref name="configuration"/>.</summary>
    internal static TestHost Build(IEnumerable<KeyValuePair<string, string?>> configuration, Action<IServiceCollection> configureServices)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Development,
        });
        builder.Configuration.AddInMemoryCollection(configuration);
        var logs = new LogSink();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        builder.Services.AddHealthChecks().AddZeroBufferChecks();
        configureServices(builder.Services);
        return new TestHost(builder.Build(), logs);
    }

    /// <summary>Builds and starts a host.</summary>
    internal static async Task<TestHost> StartAsync(IEnumerable<KeyValuePair<string, string?>> configuration, Action<IServiceCollection> configureServices)
    {
        TestHost host = Build(configuration, configureServices);
        try
        {
            await host.StartAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    internal async Task StartAsync()
    {
        _started = true;
        await Host.StartAsync();
    }

    internal async Task StopAsync()
    {
        if (_started)
        {
            _started = false;
            await Host.StopAsync();
        }
    }

    /// <summary>Runs the health check of endpoint <paramref name="endpoint"/> now.</summary>
    internal async Task<HealthReportEntry> CheckAsync(string endpoint)
    {
        HealthReport report = await Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(r => r.Name == ZeroBufferHealthChecksBuilderExtensions.CheckNamePrefix + endpoint);
        return Assert.Single(report.Entries).Value;
    }

    /// <summary>Waits until the check of <paramref name="endpoint"/> reports <paramref name="status"/> (deadline: <see cref="Eventually.Deadline"/>).</summary>
    internal Task<HealthReportEntry> WaitForHealthAsync(string endpoint, HealthStatus status) =>
        WaitForCheckAsync(endpoint, e => e.Status == status, $"{status}");

    /// <summary>Runs the check of <paramref name="endpoint"/> until its entry satisfies <paramref name="done"/> (deadline: <see cref="Eventually.Deadline"/>); a failure shows the last entry in full.</summary>
    internal Task<HealthReportEntry> WaitForCheckAsync(string endpoint, Func<HealthReportEntry, bool> done, string what) =>
        Eventually.MatchAsync(() => CheckAsync(endpoint), done, what, Describe);

    private static string Describe(HealthReportEntry entry) =>
        $"{entry.Status}: {entry.Description} [{string.Join(", ", entry.Data.Select(d => $"{d.Key}={d.Value}"))}]";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Host.Dispose();
    }
}
