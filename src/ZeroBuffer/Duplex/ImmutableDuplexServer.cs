using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Duplex;

/// <summary>The <see cref="IImmutableDuplexServer"/>: the handler answers through a <see cref="DuplexResponseWriter"/>.</summary>
internal sealed class ImmutableDuplexServer : DuplexServer, IImmutableDuplexServer
{
    private ImmutableRequestHandler? _handler;
    private DuplexResponseWriter? _singleThreadWriter; // SingleThread mode: one writer reused for every request (no allocation)

    internal ImmutableDuplexServer(string channelName, BufferConfig config, DuplexServerOptions? options, ILogger logger)
        : base(channelName, config, options, logger)
    {
    }

    public void Start(ImmutableRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _singleThreadWriter = Mode == ProcessingMode.SingleThread ? new DuplexResponseWriter(this) : null;
        StartCore();
    }

    protected override void Handle(Frame request)
    {
        DuplexResponseWriter response = _singleThreadWriter ?? new DuplexResponseWriter(this);
        response.Begin(request.Sequence);
        try
        {
            _handler!(request, response);
        }
        finally
        {
            response.End();
        }
    }
}
