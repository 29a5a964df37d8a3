using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>The two buffers of duplex channel <c>C</c> (protocol-v1 §7): <c>C_request</c> and <c>C_response</c>.</summary>
internal static class ChannelNames
{
    internal static string Request(string channel) => channel + "_request";

    internal static string Response(string channel) => channel + "_response";

    /// <summary>Rejects a channel whose buffer names would be invalid (the longer one is checked).</summary>
    internal static void Validate(string channelName)
    {
        ArgumentException.ThrowIfNullOrEmpty(channelName);
        if (!ResourceNames.IsValid(Response(channelName)))
        {
            throw new ArgumentException(
                $"Channel name '{channelName}' is invalid: use 1-191 characters from [A-Za-z0-9._-] (its buffers are '<name>_request' and '<name>_response', at most 200 characters).",
                nameof(channelName));
        }
    }
}
