using Microsoft.Extensions.DependencyInjection;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// Every endpoint registered with <see cref="ZeroBufferBuilder"/>: its name, kind and configuration
/// section. One instance per service collection, registered as a singleton instance so the
/// health-check registration and the options validators can read it.
/// </summary>
internal sealed class EndpointRegistry
{
    private readonly Dictionary<string, EndpointRegistration> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Whether <c>AddZeroBufferChecks</c> already added the checks (adding them twice would duplicate their names).</summary>
    internal bool HealthChecksAdded { get; set; }

    internal IEnumerable<EndpointRegistration> Endpoints => _endpoints.Values;

    /// <summary>The registry of <paramref name="services"/>, added on first use.</summary>
    internal static EndpointRegistry Of(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(EndpointRegistry) && descriptor.ImplementationInstance is EndpointRegistry existing)
            {
                return existing;
            }
        }

        var registry = new EndpointRegistry();
        services.AddSingleton(registry);
        return registry;
    }

    /// <summary>Records an endpoint; names are unique across kinds, since each names a health check and a keyed service.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains ':', or is already registered.</exception>
    internal EndpointRegistration Add(string name, EndpointKind kind, string sectionPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"ZeroBuffer endpoint name '{name}' contains ':', the configuration key separator.", nameof(name));
        }

        if (_endpoints.TryGetValue(name, out EndpointRegistration? existing))
        {
            throw new ArgumentException($"A ZeroBuffer endpoint named '{name}' is already registered (as a {existing.Kind}); endpoint names must be unique.", nameof(name));
        }

        var registration = new EndpointRegistration(name, kind, sectionPath);
        _endpoints.Add(name, registration);
        return registration;
    }

    internal bool TryGet(string name, EndpointKind kind, out EndpointRegistration registration)
    {
        if (_endpoints.TryGetValue(name, out EndpointRegistration? found) && found.Kind == kind)
        {
            registration = found;
            return true;
        }

        registration = null!;
        return false;
    }
}
