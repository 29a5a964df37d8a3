using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HostedFrameService;

/// <summary>Publishes health reports to the log: the health checks of a service without an HTTP endpoint.</summary>
internal sealed partial class HealthLog(ILogger<HealthLog> logger) : IHealthCheckPublisher
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach ((string name, HealthReportEntry entry) in report.Entries)
        {
            string data = string.Join(", ", entry.Data.Select(d => $"{d.Key}={d.Value}"));
            LogEntry(logger, entry.Status == HealthStatus.Healthy ? LogLevel.Information : LogLevel.Warning, name, entry.Status, entry.Description, data);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage("{Check}: {Status} - {Description} [{Data}]")]
    private static partial void LogEntry(ILogger logger, LogLevel level, string check, HealthStatus status, string? description, string data);
}
