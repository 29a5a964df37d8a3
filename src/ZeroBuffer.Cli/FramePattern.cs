namespace ZeroBuffer.Cli;

/// <summary>What the <c>write</c> command fills frames with.</summary>
internal enum FramePatternKind
{
    /// <summary>Byte <c>i</c> of the frame with sequence <c>s</c> is <c>(byte)(i + s)</c>.</summary>
    Sequence,

    /// <summary>All zero.</summary>
    Zero,

    /// <summary>Pseudo-random bytes from <see cref="Random"/> seeded with <c>--seed</c>.</summary>
    Random,
}

/// <summary>
/// The frame contents the CLI writes, defined once: tests build their expected bytes with the
/// same methods, so "the pattern" cannot drift between the writer and its checks.
/// </summary>
internal static class FramePattern
{
    // Two periods of 0..255: the sequence pattern of any frame is copies of a 256-byte window.
    private static readonly byte[] Ramp = CreateRamp();

    /// <summary>Fills <paramref name="destination"/> with the frame content for <paramref name="sequence"/>.</summary>
    internal static void Fill(Span<byte> destination, ulong sequence, FramePatternKind kind, Random? random)
    {
        switch (kind)
        {
            case FramePatternKind.Sequence:
                FillSequence(destination, sequence);
                break;
            case FramePatternKind.Zero:
                destination.Clear();
                break;
            case FramePatternKind.Random:
                (random ?? throw new ArgumentNullException(nameof(random))).NextBytes(destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown frame pattern.");
        }
    }

    /// <summary>The sequence pattern: byte <c>i</c> is <c>(byte)(i + sequence)</c>.</summary>
    internal static void FillSequence(Span<byte> destination, ulong sequence)
    {
        ReadOnlySpan<byte> window = Ramp.AsSpan((int)(sequence & 0xFF), 256);
        while (destination.Length >= window.Length)
        {
            window.CopyTo(destination);
            destination = destination[window.Length..];
        }

        window[..destination.Length].CopyTo(destination);
    }

    /// <summary>A new array holding the sequence pattern of <paramref name="size"/> bytes.</summary>
    internal static byte[] Sequence(int size, ulong sequence)
    {
        byte[] bytes = new byte[size];
        FillSequence(bytes, sequence);
        return bytes;
    }

    /// <summary>Whether <paramref name="data"/> is exactly the sequence pattern for <paramref name="sequence"/>.</summary>
    internal static bool MatchesSequence(ReadOnlySpan<byte> data, ulong sequence)
    {
        ReadOnlySpan<byte> window = Ramp.AsSpan((int)(sequence & 0xFF), 256);
        while (data.Length >= window.Length)
        {
            if (!data[..window.Length].SequenceEqual(window))
            {
                return false;
            }

            data = data[window.Length..];
        }

        return data.SequenceEqual(window[..data.Length]);
    }

    /// <summary>The payload that ends a <c>read</c>: the four ASCII bytes <c>EXIT</c>.</summary>
    internal static ReadOnlySpan<byte> ExitFrame => "EXIT"u8;

    /// <summary>Whether <paramref name="payload"/> is the EXIT frame.</summary>
    internal static bool IsExitFrame(ReadOnlySpan<byte> payload) => payload.SequenceEqual(ExitFrame);

    private static byte[] CreateRamp()
    {
        byte[] ramp = new byte[512];
        for (int i = 0; i < ramp.Length; i++)
        {
            ramp[i] = (byte)i;
        }

        return ramp;
    }
}
