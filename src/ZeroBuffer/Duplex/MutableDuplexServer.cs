using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Duplex;

/// <summary>The <see cref="IMutableDuplexServer"/>: the handler edits the request in the request ring; those bytes are the response.</summary>
internal sealed class MutableDuplexServer : DuplexServer, IMutableDuplexServer
{
    private MutableRequestHandler? _handler;

    internal MutableDuplexServer(string channelName, BufferConfig config, DuplexServerOptions? options, ILogger logger)
        : base(channelName, config, options, logger)
    {
    }

    public void Start(MutableRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        StartCore();
    }

    internal override bool Handle(Frame request, DuplexSession session)
    {
        _handler!(request);
        session.WriteResponse(request.Span, request.Sequence); // the one copy: request ring -> response ring
        return true;
    }
}
