using System.Globalization;
using System.Text;
using NATS.Client.Core;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// The duplex bridge's messages (docs/bridge.md, "Duplex over NATS", bridge wire version 3). A
/// request goes to <c>P.request</c> (the server bridges' queue group) with the client's reply
/// subject <c>R</c>: its bytes, or, when larger than one message, its first piece with
/// <c>Zb-Chunk</c>; the server bridge that took it then answers <c>Zb-Upload: U</c> (a subject of
/// its own), and the client publishes the other pieces to <c>U</c>. The response comes to <c>R</c>:
/// its bytes, its pieces (each with <c>Zb-Chunk</c>), or an error: header <c>Zb-Error</c>
/// (<c>handler</c>: the server's handler failed; <c>unavailable</c>: no local server answered, or
/// not in time; <c>too-large</c>; <c>incomplete</c>: the request's pieces did not all come) and the
/// payload UTF-8 <c>TYPE</c>, a 0 byte, UTF-8 <c>MESSAGE</c> (the encoding of the core's error responses).
/// </summary>
internal static class DuplexWire
{
    internal const string Error = "Zb-Error";

    /// <summary>The server bridge's go-ahead for the other pieces of a request: the subject to publish them to.</summary>
    internal const string Upload = "Zb-Upload";

    internal const string HandlerFailed = "handler";
    internal const string Unavailable = "unavailable";
    internal const string TooLarge = "too-large";
    internal const string Incomplete = "incomplete";

    internal static string RequestSubject(string prefix) => prefix + ".request";

    /// <summary>A request, or its first piece.</summary>
    internal static NatsHeaders Request(ulong sequence, ChunkHeader chunk)
    {
        var headers = new NatsHeaders(3)
        {
            [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
            [BridgeHeaders.Sequence] = sequence.ToString(CultureInfo.InvariantCulture),
        };
        WireText.AddChunk(headers, chunk);
        return headers;
    }

    /// <summary>A response, a piece of one, or a later piece of a request.</summary>
    internal static NatsHeaders Piece(ChunkHeader chunk)
    {
        var headers = new NatsHeaders(2) { [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion };
        WireText.AddChunk(headers, chunk);
        return headers;
    }

    internal static NatsHeaders GoAhead(string uploadSubject) => new(2)
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [Upload] = uploadSubject,
    };

    internal static NatsHeaders ErrorHeaders(string kind) => new(2)
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [Error] = kind,
    };

    /// <summary>The piece a message is, from its <c>Zb-Chunk</c> (none: the message is the whole).</summary>
    internal static bool TryReadPiece(NatsHeaders? headers, int payloadLength, out ChunkHeader piece, out string? problem)
    {
        string? value = null;
        _ = headers?.TryGetLastValue(BridgeHeaders.Chunk, out value);
        return ChunkHeader.TryParse(value, payloadLength, out piece, out problem);
    }

    /// <summary>Whether a message carries this bridge's wire version (the problem otherwise).</summary>
    internal static bool HasCurrentVersion(NatsHeaders? headers, out string? problem)
    {
        string? version = null;
        _ = headers?.TryGetLastValue(BridgeHeaders.Version, out version);
        problem = version == BridgeHeaders.CurrentVersion ? null
            : version is null ? $"the message has no {BridgeHeaders.Version} header"
            : $"the message has bridge wire version {version}; this bridge speaks {BridgeHeaders.CurrentVersion}";
        return problem is null;
    }

    internal static byte[] EncodeError(string type, string message)
    {
        byte[] name = Encoding.UTF8.GetBytes(type);
        byte[] text = Encoding.UTF8.GetBytes(message.Length > 4096 ? message[..4096] : message);
        byte[] payload = new byte[name.Length + 1 + text.Length];
        name.CopyTo(payload, 0);
        text.CopyTo(payload, name.Length + 1);
        return payload;
    }

    internal static (string Type, string Message) DecodeError(ReadOnlySpan<byte> payload)
    {
        int separator = payload.IndexOf((byte)0);
        return separator < 0
            ? ("Error", Encoding.UTF8.GetString(payload))
            : (Encoding.UTF8.GetString(payload[..separator]), Encoding.UTF8.GetString(payload[(separator + 1)..]));
    }
}
