using System.Buffers.Binary;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// A buffer as an upstream reader (C++, C#, Python of protocol 1.0) creates it, built by hand from
/// pinned bytes: segment and both semaphores with mode 0666, a control block whose reserved words
/// (offsets 96-127) are zero, so no extension is advertised. Its "reader" is whatever PID the test
/// stores; it holds no lock. Disposing removes the three objects.
/// </summary>
internal sealed class UpstreamBuffer : IDisposable
{
    internal const int MetadataSize = 64;
    internal const int PayloadSize = 1024;

    private UpstreamBuffer(string name) => Name = name;

    internal string Name { get; }

    /// <summary>The pinned control block of a fresh upstream buffer (M = 64, P = <paramref name="payloadSize"/>) whose reader has PID <paramref name="readerPid"/>.</summary>
    internal static byte[] ControlBlockBytes(ulong readerPid, int payloadSize = PayloadSize)
    {
        byte[] oieb = new byte[128];
        BinaryPrimitives.WriteUInt32LittleEndian(oieb.AsSpan(0), 128);   // oieb_size
        oieb[4] = 1; oieb[5] = 0; oieb[6] = 0; oieb[7] = 0;              // version 1.0.0, reserved 0
        BinaryPrimitives.WriteUInt64LittleEndian(oieb.AsSpan(8), MetadataSize);   // metadata_size
        BinaryPrimitives.WriteUInt64LittleEndian(oieb.AsSpan(16), MetadataSize);  // metadata_free_bytes
        BinaryPrimitives.WriteUInt64LittleEndian(oieb.AsSpan(32), (ulong)payloadSize);   // payload_size
        BinaryPrimitives.WriteUInt64LittleEndian(oieb.AsSpan(40), (ulong)payloadSize);   // payload_free_bytes
        BinaryPrimitives.WriteUInt64LittleEndian(oieb.AsSpan(88), readerPid);     // reader_pid
        return oieb;                                                              // 96..127: zero
    }

    /// <summary>Creates the upstream-style buffer NAME with a ring of <paramref name="payloadSize"/> bytes.</summary>
    internal static UpstreamBuffer Create(string name, ulong readerPid, int payloadSize = PayloadSize)
    {
        byte[] segment = new byte[128 + MetadataSize + payloadSize];
        ControlBlockBytes(readerPid, payloadSize).CopyTo(segment, 0);
        File.WriteAllBytes("/dev/shm/" + name, segment);
        _ = ZeroBuffer.Interop.LibC.Chmod("/dev/shm/" + name, FileModes.Everyone); // as upstream creates it, whatever the umask
        NamedSemaphore.CreateExclusive(ResourceNames.DataAvailableSemaphore(name), name, FileModes.Everyone)!.Dispose();
        NamedSemaphore.CreateExclusive(ResourceNames.SpaceAvailableSemaphore(name), name, FileModes.Everyone)!.Dispose();
        return new UpstreamBuffer(name);
    }

    public void Dispose()
    {
        SharedMemorySegment.Unlink(ResourceNames.Segment(Name));
        NamedSemaphore.Unlink(ResourceNames.DataAvailableSemaphore(Name));
        NamedSemaphore.Unlink(ResourceNames.SpaceAvailableSemaphore(Name));
    }
}
