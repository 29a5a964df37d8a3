using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ZeroBuffer.Cli.Demo;

/// <summary>
/// The frames the demo streams: a 24-byte stamp, then a body filled with a word derived from the
/// sequence number (a memset-speed fill that still differs for every frame).
/// <code>
/// [0..8)   u64 sequence (the writer's frame sequence)
/// [8..16)  i64 send timestamp (Stopwatch ticks: CLOCK_MONOTONIC, shared by all processes on Linux)
/// [16..24) u64 XxHash3 of the body
/// [24..)   body
/// </code>
/// </summary>
internal static class DemoFrame
{
    private const int SequenceOffset = 0;
    private const int TimestampOffset = 8;
    private const int ChecksumOffset = 16;

    /// <summary>Bytes before the body.</summary>
    internal const int StampSize = 24;

    /// <summary>Smallest demo frame: the stamp and one body word.</summary>
    internal const int MinimumSize = StampSize + sizeof(ulong);

    /// <summary>What verification found.</summary>
    internal enum Verdict
    {
        Ok,
        TooShort,
        SequenceMismatch,
        ChecksumMismatch,
    }

    /// <summary>Fills the body and writes sequence and checksum; <see cref="Stamp"/> comes last, just before commit.</summary>
    internal static void Fill(Span<byte> frame, ulong sequence)
    {
        Span<byte> body = frame[StampSize..];
        ulong word = (sequence + 1) * 0x9E3779B97F4A7C15UL; // golden-ratio multiplier: every bit varies with the sequence
        int wholeWords = body.Length / sizeof(ulong);
        MemoryMarshal.Cast<byte, ulong>(body[..(wholeWords * sizeof(ulong))]).Fill(word);
        body[(wholeWords * sizeof(ulong))..].Fill((byte)word);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[SequenceOffset..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[ChecksumOffset..], XxHash3.HashToUInt64(body));
    }

    /// <summary>Writes the send timestamp (now).</summary>
    internal static void Stamp(Span<byte> frame) =>
        BinaryPrimitives.WriteInt64LittleEndian(frame[TimestampOffset..], Stopwatch.GetTimestamp());

    /// <summary>Checks the stamp against <paramref name="sequence"/> (the header's) and the body against the checksum.</summary>
    internal static Verdict Verify(ReadOnlySpan<byte> frame, ulong sequence, out long sentTimestamp)
    {
        sentTimestamp = 0;
        if (frame.Length < MinimumSize)
        {
            return Verdict.TooShort;
        }

        sentTimestamp = BinaryPrimitives.ReadInt64LittleEndian(frame[TimestampOffset..]);
        if (BinaryPrimitives.ReadUInt64LittleEndian(frame[SequenceOffset..]) != sequence)
        {
            return Verdict.SequenceMismatch;
        }

        ulong checksum = BinaryPrimitives.ReadUInt64LittleEndian(frame[ChecksumOffset..]);
        return XxHash3.HashToUInt64(frame[StampSize..]) == checksum ? Verdict.Ok : Verdict.ChecksumMismatch;
    }
}
