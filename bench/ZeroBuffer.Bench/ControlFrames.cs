namespace ZeroBuffer.Bench;

/// <summary>
/// The in-band control messages of every bench peer pair, told apart from data by their length
/// (data frames are at least <see cref="MinimumDataSize"/> bytes): the active side says hello,
/// marks the end of its warm-up, and ends the run.
/// </summary>
internal static class ControlFrames
{
    /// <summary>Length of the end-of-run message.</summary>
    internal const int End = 1;

    /// <summary>Length of the "warm-up over, measuring from here" message.</summary>
    internal const int Mark = 2;

    /// <summary>Length of the connection hello of ping-pong pairs.</summary>
    internal const int Hello = 3;

    /// <summary>The smallest data frame a bench accepts.</summary>
    internal const int MinimumDataSize = 8;

    /// <summary>A buffer to send a control message of <paramref name="length"/> bytes from.</summary>
    internal static ReadOnlySpan<byte> Payload(int length) => "\u00EE\u00EE\u00EE"u8[..length];

    /// <summary>The same message as memory, for the asynchronous writes.</summary>
    internal static ReadOnlyMemory<byte> PayloadMemory(int length) => Messages.AsMemory(0, length);

    private static readonly byte[] Messages = [0xEE, 0xEE, 0xEE];
}
