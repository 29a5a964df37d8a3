using System.Buffers.Binary;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// A writer that stores what upstream Python's writer (protocol 1.0 as it implements it) stores,
/// byte by byte through the segment file: its PID in <c>writer_pid</c>, no extension word, the
/// count published before free bytes are charged, a wrap whenever the frame does not fit before
/// the end — a marker only when the tail holds one, but <c>payload_written_count</c> incremented
/// for every wrap, a tail of 0 to 15 bytes included — and <c>write_pos = P</c> after a frame that
/// ends exactly at the end of the ring (docs/protocol.md §4.2, upstream-behaviour §1.5).
/// </summary>
internal sealed class UpstreamPythonWriter : IDisposable
{
    private const int PayloadFreeAt = 40;
    private const int WritePosAt = 48;
    private const int WrittenCountAt = 64;
    private const int WriterPidAt = 80;

    private readonly RawSegment _raw;
    private readonly string _dataAvailable;
    private readonly long _ringAt;
    private ulong _sequence = 1;

    private UpstreamPythonWriter(RawSegment raw, string name)
    {
        _raw = raw;
        _dataAvailable = ZeroBuffer.Protocol.ResourceNames.DataAvailableSemaphore(name);
        _ringAt = 128 + (long)raw.ReadUInt64(8);
        RingSize = (long)raw.ReadUInt64(32);
        _raw.WriteUInt64(WriterPidAt, (ulong)Environment.ProcessId);
    }

    /// <summary>P.</summary>
    internal long RingSize { get; }

    /// <summary>Connects to the buffer <paramref name="name"/> (a live PID in <c>writer_pid</c>, nothing else).</summary>
    internal static UpstreamPythonWriter Connect(string name) => new(RawSegment.Open(name), name);

    /// <summary>Writes <paramref name="payload"/> as the next frame if the free bytes allow it now; false otherwise (nothing changed).</summary>
    internal bool TryWrite(ReadOnlySpan<byte> payload)
    {
        long total = 16 + payload.Length;
        long position = (long)_raw.ReadUInt64(WritePosAt);
        long toEnd = RingSize - position;
        long required = toEnd >= total ? total : toEnd + total;
        if ((long)_raw.ReadUInt64(PayloadFreeAt) < required)
        {
            return false;
        }

        if (toEnd < total)
        {
            if (toEnd >= 16)
            {
                _raw.Write(_ringAt + position, Header(0, 0));
            }

            AddFree(-toEnd);
            _raw.WriteUInt64(WritePosAt, 0);
            _raw.WriteUInt64(WrittenCountAt, _raw.ReadUInt64(WrittenCountAt) + 1); // counted, marker or not
            position = 0;
        }

        _raw.Write(_ringAt + position, Header((ulong)payload.Length, _sequence));
        _raw.Write(_ringAt + position + 16, payload);
        _raw.WriteUInt64(WritePosAt, (ulong)(position + total)); // P after an exact fit
        _raw.WriteUInt64(WrittenCountAt, _raw.ReadUInt64(WrittenCountAt) + 1);
        AddFree(-total); // after the count, as protocol-v1 orders it
        RawSegment.PostSemaphore(_dataAvailable);
        _sequence++;
        return true;
    }

    /// <summary>An upstream writer's dispose: <c>writer_pid = 0</c>, nothing else.</summary>
    public void Dispose()
    {
        _raw.WriteUInt64(WriterPidAt, 0);
        _raw.Dispose();
    }

    private void AddFree(long delta) => _raw.WriteUInt64(PayloadFreeAt, (ulong)((long)_raw.ReadUInt64(PayloadFreeAt) + delta));

    private static byte[] Header(ulong length, ulong sequence)
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(header, length);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), sequence);
        return header;
    }
}
