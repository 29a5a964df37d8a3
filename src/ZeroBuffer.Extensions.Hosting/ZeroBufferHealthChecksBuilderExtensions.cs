using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZeroBuffer.Extensions.Hosting.Health;
using ZeroBuffer.Extensions.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks of ZeroBuffer endpoints.</summary>
public static class ZeroBufferHealthChecksBuilderExtensions
{
    /// <summary>The prefix of every check's name: the check of endpoint <c>cam0</c> is <c>zerobuffer:cam0</c>.</summary>
    public const string CheckNamePrefix = "zerobuffer:";

    /// <summary>
    /// Adds one health check per endpoint registered with <c>AddZeroBuffer</c>, before or after this
    /// call, named <c>zerobuffer:&lt;name&gt;</c> (docs/operations.md, "Hosting and health checks").
    /// </summary>
    /// <remarks>
    /// Reader and writer: Healthy while the peer is connected and the ring is below the endpoint's
    /// <c>DegradedUtilization</c>; Degraded at or above it, before any peer connected, and after the
    /// peer closed on purpose; <paramref name="failureStatus"/> (Unhealthy) when the peer died or the
    /// endpoint failed or stopped. Duplex server: Healthy while it serves, Degraded when a request
    /// ring is at or above the threshold, the failure status when it is not running. Each result's
    /// data holds the buffer, the peer's state and PID, the ring's utilisation and the frame count.
    /// </remarks>
    /// <param name="builder">The application's health checks.</param>
    /// <param name="failureStatus">What a failure reports; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags of every check; default <c>zerobuffer</c>.</param>
    public static IHealthChecksBuilder AddZeroBufferChecks(this IHealthChecksBuilder builder, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        EndpointRegistry registry = EndpointRegistry.Of(builder.Services);
        if (registry.HealthChecksAdded)
        {
            return builder;
        }

        registry.HealthChecksAdded = true;
        string[] checkTags = tags?.ToArray() ?? ["zerobuffer"];
        // Read when the health-check service is built, so endpoints added after this call are included.
        builder.Services.AddOptions<HealthCheckServiceOptions>().Configure(options =>
        {
            foreach (EndpointRegistration endpoint in registry.Endpoints)
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    CheckNamePrefix + endpoint.Name,
                    services => new ZeroBufferHealthCheck(services.GetRequiredKeyedService<IZeroBufferEndpoint>(endpoint.Name)),
                    failureStatus,
                    checkTags));
            }
        });
        return builder;
    }
}
