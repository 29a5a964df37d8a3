using ZeroBuffer.Duplex;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// Transforms the requests of a hosted mutable duplex server
/// (<see cref="ZeroBufferBuilder.AddMutableDuplexServer{THandler}"/>) in place: the edited bytes are
/// the response, as with <see cref="MutableRequestHandler"/>.
/// </summary>
/// <remarks>Threading and errors as for <see cref="IDuplexRequestHandler"/>.</remarks>
public interface IMutableDuplexRequestHandler
{
    /// <summary>Edits one request in place through <see cref="Frame.GetMutableSpan"/>.</summary>
    /// <param name="request">The request, writable, in the request ring; valid only during the call.</param>
    void Handle(Frame request);
}
