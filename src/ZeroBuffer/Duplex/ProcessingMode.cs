namespace ZeroBuffer.Duplex;

/// <summary>How a duplex server runs its request handler.</summary>
public enum ProcessingMode
{
    /// <summary>
    /// One dedicated thread reads a request, runs the handler, writes the response, then reads
    /// the next: handlers run one at a time, in request order. No allocation per request.
    /// </summary>
    SingleThread = 0,

    /// <summary>
    /// The server's thread reads requests and hands each to a scheduler (the .NET thread pool, or
    /// <see cref="DuplexServerOptions.Scheduler"/>); at most <see cref="DuplexServerOptions.MaxConcurrency"/>
    /// handlers run at once. Responses may be written in any order; each carries its request's sequence.
    /// </summary>
    ThreadPool = 1,
}
