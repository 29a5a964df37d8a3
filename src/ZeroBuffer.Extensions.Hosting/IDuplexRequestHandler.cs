using ZeroBuffer.Duplex;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// Answers the requests of a hosted duplex server (<see cref="ZeroBufferBuilder.AddDuplexServer{THandler}"/>):
/// reads each request zero-copy and writes one response, as <see cref="ImmutableRequestHandler"/> does.
/// </summary>
/// <remarks>
/// Resolved once when the server starts and called on the server's threads: concurrently, from
/// several sessions and in <see cref="ProcessingMode.ThreadPool"/> mode, so keep it thread-safe.
/// An exception is answered with an error response (<see cref="DuplexHandlerException"/> at the
/// client), logged, and counted in the health check; the server keeps serving.
/// </remarks>
public interface IDuplexRequestHandler
{
    /// <summary>Handles one request.</summary>
    /// <param name="request">The request, in the request ring; valid only during the call.</param>
    /// <param name="response">Writes this request's response, at most once (by copy, or zero-copy with GetBuffer and Commit).</param>
    void Handle(Frame request, DuplexResponseWriter response);
}
