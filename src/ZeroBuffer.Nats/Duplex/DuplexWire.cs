using System.Globalization;
using System.Text;
using NATS.Client.Core;

namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// The duplex bridge's messages: a request on <c>P.request</c> (the request's bytes), answered
/// with the response's bytes, or with an error: header <c>Zb-Error</c> (<c>handler</c>: the server's
/// handler failed; <c>unavailable</c>: no local server answered; <c>too-large</c>) and the payload
/// UTF-8 <c>TYPE</c>, a 0 byte, UTF-8 <c>MESSAGE</c> (the encoding of the core's error responses).
/// </summary>
internal static class DuplexWire
{
    internal const string Error = "Zb-Error";
    internal const string HandlerFailed = "handler";
    internal const string Unavailable = "unavailable";
    internal const string TooLarge = "too-large";

    internal static string RequestSubject(string prefix) => prefix + ".request";

    internal static NatsHeaders Request(ulong sequence) => new()
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [BridgeHeaders.Sequence] = sequence.ToString(CultureInfo.InvariantCulture),
    };

    internal static NatsHeaders Response() => new() { [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion };

    internal static NatsHeaders ErrorHeaders(string kind) => new()
    {
        [BridgeHeaders.Version] = BridgeHeaders.CurrentVersion,
        [Error] = kind,
    };

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
