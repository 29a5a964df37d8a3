using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Duplex;

/// <summary>The <see cref="IImmutableDuplexServer"/>: the handler answers through a <see cref="DuplexResponseWriter"/>.</summary>
internal sealed class ImmutableDuplexServer : DuplexServer, IImmutableDuplexServer
{
    [ThreadStatic]
    private static DuplexResponseWriter? t_writer; // one writer per thread, reused for every request it handles (no allocation)

    private ImmutableRequestHandler? _handler;

    internal ImmutableDuplexServer(string channelName, BufferConfig config, DuplexServerOptions? options, ILogger logger)
        : base(channelName, config, options, logger)
    {
    }

    public void Start(ImmutableRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        StartCore();
    }

    internal override bool AnsweredOnThisThread => t_writer?.HasResponded ?? false;

    internal override bool Handle(Frame request, DuplexSession session)
    {
        // A handler may run a nested server's handler on the same thread (rare): then it gets its own writer.
        DuplexResponseWriter response = t_writer is { IsActive: false } idle ? idle : (t_writer = new DuplexResponseWriter(session));
        response.Begin(session, request.Sequence);
        try
        {
            _handler!(request, response);
            return response.HasResponded;
        }
        finally
        {
            response.End();
        }
    }
}
