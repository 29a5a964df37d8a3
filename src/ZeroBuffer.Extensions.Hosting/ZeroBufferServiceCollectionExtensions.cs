using ZeroBuffer.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds ZeroBuffer endpoints to an application's services.</summary>
public static class ZeroBufferServiceCollectionExtensions
{
    /// <summary>
    /// Starts registering ZeroBuffer readers, writers and duplex servers as hosted services, with
    /// options bound from the configuration section <paramref name="configurationSectionPath"/>
    /// (<c>ZeroBuffer</c> by default: <c>ZeroBuffer:Readers:cam0</c>, <c>ZeroBuffer:Writers:out</c>, ...).
    /// May be called more than once; endpoint names are unique across calls.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configurationSectionPath">The configuration section that holds the endpoints' subsections.</param>
    public static ZeroBufferBuilder AddZeroBuffer(this IServiceCollection services, string configurationSectionPath = "ZeroBuffer")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSectionPath);
        return new ZeroBufferBuilder(services, configurationSectionPath);
    }
}
