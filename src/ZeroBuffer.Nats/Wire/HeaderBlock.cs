using System.Text;
using NATS.Client.Core;

namespace ZeroBuffer.Nats.Wire;

/// <summary>
/// Reads a NATS header block (<c>NATS/1.0\r\nName: value\r\n…\r\n</c>) as the JetStream API
/// returns it for a stored message (base64 in the JSON answer).
/// </summary>
internal static class HeaderBlock
{
    internal static NatsHeaders? Parse(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return null;
        }

        string block = stored;
        if (!stored.StartsWith("NATS/", StringComparison.Ordinal))
        {
            byte[] decoded = new byte[stored.Length];
            if (!Convert.TryFromBase64String(stored, decoded, out int length))
            {
                return null;
            }

            block = Encoding.ASCII.GetString(decoded, 0, length);
        }

        var headers = new NatsHeaders();
        foreach (string line in block.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return headers;
    }
}
