using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>
/// The buffers of duplex channel <c>C</c> (docs/protocol.md §8). Session 0 is
/// <c>C_request</c> / <c>C_response</c>, the names of protocol 1.0, which every client (upstream
/// ones too) tries first; session <c>k</c> ≥ 1 is <c>C_request.k</c> / <c>C_response.k</c>. No
/// other channel's buffers can have those names: a channel's buffer names end in <c>_request</c>
/// or <c>_response</c>.
/// </summary>
internal static class ChannelNames
{
    /// <summary>The most sessions a server offers (sessions 0-99).</summary>
    internal const int MaxSessions = 100;

    /// <summary>The longest channel name: its longest buffer name, <c>C_response.99</c>, is 200 characters.</summary>
    internal const int MaxChannelLength = 188;

    internal static string Request(string channel, int session = 0) => session == 0 ? channel + "_request" : $"{channel}_request.{session}";

    internal static string Response(string channel, int session = 0) => session == 0 ? channel + "_response" : $"{channel}_response.{session}";

    /// <summary>Rejects a channel whose buffer names would be invalid (the longest one is checked).</summary>
    internal static void Validate(string channelName)
    {
        ArgumentException.ThrowIfNullOrEmpty(channelName);
        if (channelName.Length > MaxChannelLength || !ResourceNames.IsValid(Response(channelName, MaxSessions - 1)))
        {
            throw new ArgumentException(
                $"Channel name '{channelName}' is invalid: use 1-{MaxChannelLength} characters from [A-Za-z0-9._-] (its buffers are '<name>_request' and " +
                $"'<name>_response', '<name>_request.<k>' and '<name>_response.<k>' for sessions 1-{MaxSessions - 1}: at most 200 characters).",
                nameof(channelName));
        }
    }
}
