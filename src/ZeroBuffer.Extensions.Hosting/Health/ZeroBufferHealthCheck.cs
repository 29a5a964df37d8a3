using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZeroBuffer.Extensions.Hosting.Health;

/// <summary>The health check of one hosted endpoint, registered as <c>zerobuffer:&lt;name&gt;</c> by <c>AddZeroBufferChecks</c>.</summary>
internal sealed class ZeroBufferHealthCheck(IZeroBufferEndpoint endpoint) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(endpoint.CheckHealth(context.Registration.FailureStatus));
    }
}
