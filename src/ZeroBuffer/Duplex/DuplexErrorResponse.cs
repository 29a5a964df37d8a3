using System.Text;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>
/// The error response of docs/protocol.md §8: a response frame whose sequence is the failed
/// request's with bit 63 set, and whose payload is the UTF-8 name of what failed, a 0 byte, and
/// the UTF-8 message. Sent only to clients whose response buffer advertises
/// <see cref="ZeroBufferLayout.FeatureDuplexErrors"/>.
/// </summary>
internal static class DuplexErrorResponse
{
    /// <summary>The longest message sent, in UTF-8 bytes (longer ones are cut at a character boundary).</summary>
    internal const int MaxMessageBytes = 4096;

    /// <summary>The reason sent when an immutable handler returned without answering.</summary>
    internal const string NoResponse = "NoResponse";

    /// <summary>The sequence an error response to <paramref name="requestSequence"/> carries.</summary>
    internal static ulong Sequence(ulong requestSequence) => requestSequence | ZeroBufferLayout.DuplexErrorFlag;

    /// <summary>Whether a response with <paramref name="sequence"/> is an error response; then <paramref name="requestSequence"/> is the request it answers.</summary>
    internal static bool IsError(ulong sequence, out ulong requestSequence)
    {
        requestSequence = sequence & ~ZeroBufferLayout.DuplexErrorFlag;
        return (sequence & ZeroBufferLayout.DuplexErrorFlag) != 0;
    }

    /// <summary>The payload reporting <paramref name="type"/> and <paramref name="message"/>, within <paramref name="maxBytes"/>.</summary>
    internal static byte[] Encode(string type, string message, int maxBytes)
    {
        byte[] name = Encoding.UTF8.GetBytes(type.Length == 0 ? "Error" : type);
        int room = Math.Max(0, Math.Min(MaxMessageBytes, maxBytes - name.Length - 1));
        byte[] text = Truncate(message, room);
        if (name.Length + 1 + text.Length > maxBytes)
        {
            name = Truncate(type, Math.Max(1, maxBytes - 1));
        }

        byte[] payload = new byte[name.Length + 1 + text.Length];
        name.CopyTo(payload, 0);
        text.CopyTo(payload, name.Length + 1);
        return payload;
    }

    /// <summary>Reads an error payload (a payload without the 0 byte is all message, of an unnamed error).</summary>
    internal static (string Type, string Message) Decode(ReadOnlySpan<byte> payload)
    {
        int separator = payload.IndexOf((byte)0);
        return separator < 0
            ? ("Error", Encoding.UTF8.GetString(payload))
            : (Encoding.UTF8.GetString(payload[..separator]), Encoding.UTF8.GetString(payload[(separator + 1)..]));
    }

    private static byte[] Truncate(string text, int maxBytes)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= maxBytes)
        {
            return bytes;
        }

        int end = maxBytes;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
        {
            end--; // not inside a multi-byte character
        }

        return bytes[..end];
    }
}
