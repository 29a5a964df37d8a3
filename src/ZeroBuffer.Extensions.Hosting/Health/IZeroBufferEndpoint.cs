using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZeroBuffer.Extensions.Hosting.Health;

/// <summary>A hosted endpoint as its health check sees it; registered keyed by the endpoint's name.</summary>
internal interface IZeroBufferEndpoint
{
    /// <summary>The registration name.</summary>
    string Name { get; }

    /// <summary>Looks at the endpoint and its peer now (a few system calls, no waiting).</summary>
    /// <param name="failureStatus">The status to report for a failure (the registration's, Unhealthy by default).</param>
    HealthCheckResult CheckHealth(HealthStatus failureStatus);
}
