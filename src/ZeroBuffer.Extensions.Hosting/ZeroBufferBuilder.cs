using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZeroBuffer.Extensions.Hosting.Health;
using ZeroBuffer.Extensions.Hosting.Internal;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// Registers ZeroBuffer endpoints as hosted services; returned by
/// <see cref="ZeroBufferServiceCollectionExtensions.AddZeroBuffer"/>.
/// </summary>
/// <remarks>
/// <para>Each endpoint has a name, unique among the endpoints: the default buffer name, the name of
/// its options (<c>IOptionsMonitor&lt;ZeroBufferReaderOptions&gt;.Get("cam0")</c>), the key of its
/// keyed services and the suffix of its health check (<c>zerobuffer:cam0</c>). Its options are
/// bound from the configuration section <c>&lt;root&gt;:Readers:&lt;name&gt;</c>,
/// <c>&lt;root&gt;:Writers:&lt;name&gt;</c> or <c>&lt;root&gt;:DuplexServers:&lt;name&gt;</c> (when the
/// application registers an <see cref="IConfiguration"/>, as every .NET host does), then the
/// <c>configure</c> delegate runs, then they are validated when the host starts: an invalid value
/// fails the start with an <see cref="OptionsValidationException"/> that names its key.</para>
/// <para>Endpoints start in registration order with the host and stop in reverse order. A reader
/// creates its buffer in <see cref="IHostedService.StartAsync"/>, so a buffer that cannot be
/// created fails the start; writers connect in the background.</para>
/// </remarks>
/// <example>
/// <code>
/// builder.Services.AddZeroBuffer()
///     .AddReader&lt;FrameCounter&gt;("cam0")                 // ZeroBuffer:Readers:cam0
///     .AddWriter("thumbnails", o =&gt; o.WriteTimeout = TimeSpan.FromSeconds(1))
///     .AddDuplexServer&lt;Resizer&gt;("resize");              // ZeroBuffer:DuplexServers:resize
/// builder.Services.AddHealthChecks().AddZeroBufferChecks();
/// </code>
/// </example>
public sealed class ZeroBufferBuilder
{
    private readonly EndpointRegistry _registry;
    private readonly string _sectionPath;

    internal ZeroBufferBuilder(IServiceCollection services, string sectionPath)
    {
        Services = services;
        _sectionPath = sectionPath;
        _registry = EndpointRegistry.Of(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZeroBufferReaderOptions>, EndpointOptionsValidator<ZeroBufferReaderOptions>>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZeroBufferWriterOptions>, EndpointOptionsValidator<ZeroBufferWriterOptions>>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZeroBufferDuplexServerOptions>, EndpointOptionsValidator<ZeroBufferDuplexServerOptions>>());
    }

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// A reader that creates buffer <paramref name="name"/> when the host starts and passes every
    /// frame to a <typeparamref name="THandler"/> (taken from the services if registered there,
    /// otherwise created with its constructor's dependencies injected).
    /// </summary>
    /// <param name="name">The endpoint name; the buffer name unless <see cref="ZeroBufferEndpointOptions.BufferName"/> says otherwise.</param>
    /// <param name="configure">Applied after the configuration section.</param>
    /// <exception cref="ArgumentException">The name is empty, contains ':' (the configuration key separator), or is already registered.</exception>
    public ZeroBufferBuilder AddReader<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        string name, Action<ZeroBufferReaderOptions>? configure = null)
        where THandler : class, IFrameHandler =>
        AddReader(name, static services => ActivatorUtilities.GetServiceOrCreateInstance<THandler>(services), configure);

    /// <summary>A reader whose handler <paramref name="handlerFactory"/> makes (once, from the reader's scope).</summary>
    /// <param name="name">The endpoint name; the buffer name unless <see cref="ZeroBufferEndpointOptions.BufferName"/> says otherwise.</param>
    /// <param name="handlerFactory">Makes the handler from the reader's scope.</param>
    /// <param name="configure">Applied after the configuration section.</param>
    /// <exception cref="ArgumentException">The name is empty, contains ':' (the configuration key separator), or is already registered.</exception>
    public ZeroBufferBuilder AddReader(string name, Func<IServiceProvider, IFrameHandler> handlerFactory, Action<ZeroBufferReaderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(handlerFactory);
        string section = Register(name, EndpointKind.Reader, "Readers");
        AddOptions(name, section, configure, static (IConfiguration config, ZeroBufferReaderOptions options) => config.Bind(options));
        AddEndpoint(name, (services, _) => new HostedReader(name, handlerFactory, services));
        return this;
    }

    /// <summary>
    /// A writer that connects to buffer <paramref name="name"/> in the background once a reader
    /// has created it, and is handed to application code as the keyed service
    /// <see cref="IZeroBufferWriterAccessor"/> (key: <paramref name="name"/>).
    /// </summary>
    /// <param name="name">The endpoint name; the buffer name unless <see cref="ZeroBufferEndpointOptions.BufferName"/> says otherwise.</param>
    /// <param name="configure">Applied after the configuration section.</param>
    /// <exception cref="ArgumentException">The name is empty, contains ':' (the configuration key separator), or is already registered.</exception>
    public ZeroBufferBuilder AddWriter(string name, Action<ZeroBufferWriterOptions>? configure = null)
    {
        string section = Register(name, EndpointKind.Writer, "Writers");
        AddOptions(name, section, configure, static (IConfiguration config, ZeroBufferWriterOptions options) => config.Bind(options));
        AddEndpoint(name, (services, _) => new HostedWriter(name, services));
        Services.AddKeyedSingleton<IZeroBufferWriterAccessor>(name, (services, key) => services.GetRequiredKeyedService<HostedEndpoint>(key) as HostedWriter
            ?? throw new InvalidOperationException($"ZeroBuffer endpoint '{name}' is not a writer."));
        return this;
    }

    /// <summary>
    /// A duplex server (docs/duplex.md) that serves channel <paramref name="name"/> from host start
    /// to stop, answering each request with a <typeparamref name="THandler"/> (resolved once).
    /// </summary>
    /// <param name="name">The endpoint name; the channel name unless <see cref="ZeroBufferEndpointOptions.BufferName"/> says otherwise.</param>
    /// <param name="configure">Applied after the configuration section.</param>
    /// <exception cref="ArgumentException">The name is empty, contains ':' (the configuration key separator), or is already registered.</exception>
    public ZeroBufferBuilder AddDuplexServer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        string name, Action<ZeroBufferDuplexServerOptions>? configure = null)
        where THandler : class, IDuplexRequestHandler =>
        AddDuplexServer(name, inPlace: false, static services => ActivatorUtilities.GetServiceOrCreateInstance<THandler>(services), configure);

    /// <summary>
    /// A mutable duplex server: <typeparamref name="THandler"/> transforms each request in place,
    /// and the edited bytes are the response.
    /// </summary>
    /// <inheritdoc cref="AddDuplexServer{THandler}" path="/param"/>
    /// <exception cref="ArgumentException">The name is empty, contains ':' (the configuration key separator), or is already registered.</exception>
    public ZeroBufferBuilder AddMutableDuplexServer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        string name, Action<ZeroBufferDuplexServerOptions>? configure = null)
        where THandler : class, IMutableDuplexRequestHandler =>
        AddDuplexServer(name, inPlace: true, static services => ActivatorUtilities.GetServiceOrCreateInstance<THandler>(services), configure);

    private ZeroBufferBuilder AddDuplexServer(string name, bool inPlace, Func<IServiceProvider, object> handlerFactory, Action<ZeroBufferDuplexServerOptions>? configure)
    {
        string section = Register(name, EndpointKind.DuplexServer, "DuplexServers");
        AddOptions(name, section, configure, static (IConfiguration config, ZeroBufferDuplexServerOptions options) => config.Bind(options));
        AddEndpoint(name, (services, _) => new HostedDuplexServer(name, inPlace, handlerFactory, services));
        return this;
    }

    /// <summary>Records the endpoint; returns its configuration section path.</summary>
    private string Register(string name, EndpointKind kind, string subsection)
    {
        string section = $"{_sectionPath}:{subsection}:{name}";
        _ = _registry.Add(name, kind, section);
        return section;
    }

    /// <summary>
    /// The endpoint as a keyed singleton, a hosted service (one registration per endpoint: not
    /// <c>AddHostedService</c>, which keeps one per type) and the source of its health check.
    /// </summary>
    private void AddEndpoint(string name, Func<IServiceProvider, object?, HostedEndpoint> create)
    {
        Services.AddKeyedSingleton(name, create);
        Services.AddSingleton<IHostedService>(services => services.GetRequiredKeyedService<HostedEndpoint>(name));
        Services.AddKeyedSingleton<IZeroBufferEndpoint>(name, (services, key) => services.GetRequiredKeyedService<HostedEndpoint>(key));
    }

    /// <summary>
    /// The endpoint's named options: its configuration section (when the application has
    /// configuration: a host always does, a bare service collection may not), then
    /// <paramref name="configure"/>, validated at startup. <paramref name="bind"/> is written per
    /// options type so the binding generator sees the concrete type (no reflection).
    /// </summary>
    private void AddOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(string name, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : ZeroBufferEndpointOptions
    {
        OptionsBuilder<TOptions> options = Services.AddOptions<TOptions>(name).Configure<IServiceProvider>((options, services) =>
        {
            if (services.GetService<IConfiguration>() is IConfiguration configuration)
            {
                bind(configuration.GetSection(section), options);
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
    }
}
