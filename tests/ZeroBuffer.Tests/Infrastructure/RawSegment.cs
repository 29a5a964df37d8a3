using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// The bytes of a live buffer's segment, read and written through its file <c>/dev/shm/N</c>
/// (tmpfs: file I/O and the peers' shared mappings see the same pages). Independent of the
/// library's layout code on purpose: tests poke and check bytes at the offsets the protocol
/// spells out, little-endian, so they also check the library's constants.
/// </summary>
internal sealed class RawSegment : IDisposable
{
    private readonly SafeFileHandle _file;

    private RawSegment(string path, SafeFileHandle file)
    {
        Path = path;
        _file = file;
    }

    /// <summary>The segment file.</summary>
    internal string Path { get; }

    /// <summary>Opens <c>/dev/shm/&lt;name&gt;</c> read-write (the path spelled out here, not taken from the library).</summary>
    internal static RawSegment Open(string name)
    {
        string path = "/dev/shm/" + name;
        return new RawSegment(path, File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite));
    }

    /// <summary>The segment length in bytes.</summary>
    internal long Length => RandomAccess.GetLength(_file);

    /// <summary>A copy of the whole segment.</summary>
    internal byte[] ReadAll() => Read(0, checked((int)Length));

    /// <summary>A copy of <paramref name="count"/> bytes at <paramref name="offset"/>.</summary>
    internal byte[] Read(long offset, int count)
    {
        byte[] bytes = new byte[count];
        int done = 0;
        while (done < count)
        {
            int n = RandomAccess.Read(_file, bytes.AsSpan(done), offset + done);
            if (n == 0)
            {
                throw new EndOfStreamException($"{Path} ends before offset {offset + done}.");
            }

            done += n;
        }

        return bytes;
    }

    internal void Write(long offset, ReadOnlySpan<byte> bytes) => RandomAccess.Write(_file, bytes, offset);

    internal void Fill(long offset, int count, byte value)
    {
        byte[] bytes = new byte[count];
        bytes.AsSpan().Fill(value);
        Write(offset, bytes);
    }

    internal ulong ReadUInt64(long offset) => BinaryPrimitives.ReadUInt64LittleEndian(Read(offset, 8));

    internal uint ReadUInt32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(Read(offset, 4));

    internal void WriteUInt64(long offset, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Write(offset, bytes);
    }

    internal void WriteUInt32(long offset, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Write(offset, bytes);
    }

    /// <summary>Posts the named semaphore <paramref name="osName"/> (e.g. <c>/sem-w-N</c>) once, as a peer would.</summary>
    internal static void PostSemaphore(string osName)
    {
        using NamedSemaphore semaphore = NamedSemaphore.OpenExisting(osName, osName)
                                         ?? throw new InvalidOperationException($"Semaphore '{osName}' does not exist.");
        semaphore.Post();
    }

    /// <summary>The current count of the named semaphore <paramref name="osName"/>.</summary>
    internal static int SemaphoreValue(string osName)
    {
        using NamedSemaphore semaphore = NamedSemaphore.OpenExisting(osName, osName)
                                         ?? throw new InvalidOperationException($"Semaphore '{osName}' does not exist.");
        return semaphore.Value;
    }

    public void Dispose() => _file.Dispose();
}
