using ZeroBuffer.Duplex;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>A duplex request handler that answers each request with its bytes reversed.</summary>
internal sealed class Echo : IDuplexRequestHandler
{
    public void Handle(Frame request, DuplexResponseWriter response)
    {
        Span<byte> target = response.GetBuffer(request.Size);
        request.Span.CopyTo(target);
        target.Reverse();
        response.Commit();
    }
}
