using ZeroBuffer.Protocol;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// The buffer-name rule of docs/protocol.md (<see cref="ResourceNames.IsValid"/>), with a shorter
/// limit for duplex channels. Checked at startup so a bad name in configuration is a validation
/// error naming its key, not an exception from the first reader or writer.
/// </summary>
internal static class BufferNameRule
{
    /// <summary>The longest buffer name.</summary>
    internal const int MaxBufferName = ResourceNames.MaxNameLength;

    /// <summary>The longest duplex channel name: room is left for the longest suffix, <c>_response.99</c>.</summary>
    internal const int MaxChannelName = MaxBufferName - 12;

    internal static bool IsValid(string name, int maxLength) => name.Length <= maxLength && ResourceNames.IsValid(name);
}
