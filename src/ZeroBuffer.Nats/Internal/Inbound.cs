using NATS.Client.Core;
using NATS.Client.JetStream;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// One received message: its subject, headers and payload (a pooled buffer of the client's,
/// returned by <see cref="Dispose"/>), and in JetStream mode the message to acknowledge.
/// </summary>
internal sealed class Inbound : IDisposable
{
    private NatsMemoryOwner<byte> _payload;
    private bool _disposed;

    internal Inbound(string subject, NatsHeaders? headers, NatsMemoryOwner<byte> payload, ulong streamSequence = 0, NatsJSMsg<NatsMemoryOwner<byte>>? message = null)
    {
        Subject = subject;
        Headers = headers;
        _payload = payload;
        StreamSequence = streamSequence;
        Message = message;
    }

    internal string Subject { get; }

    internal NatsHeaders? Headers { get; }

    /// <summary>The payload; empty once disposed.</summary>
    internal ReadOnlySpan<byte> Payload => _disposed ? default : _payload.Span;

    internal int Length => _disposed ? 0 : _payload.Length;

    /// <summary>JetStream: the message's stream sequence (0 in core mode).</summary>
    internal ulong StreamSequence { get; }

    /// <summary>JetStream: the message, for its acknowledgement.</summary>
    internal NatsJSMsg<NatsMemoryOwner<byte>>? Message { get; }

    /// <summary>Returns the payload's buffer to the client's pool (once).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _payload.Dispose();
            _payload = default;
        }
    }
}
