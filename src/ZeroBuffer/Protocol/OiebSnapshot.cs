namespace ZeroBuffer.Protocol;

/// <summary>Reads a control block into a <see cref="BufferStatus"/>.</summary>
internal static unsafe class OiebSnapshot
{
    internal static BufferStatus Read(Oieb* oieb, string name) => new()
    {
        Name = name,
        OiebSize = Volatile.Read(ref oieb->OiebSize),
        ProtocolVersion = new Version(oieb->VersionMajor, oieb->VersionMinor, oieb->VersionPatch),
        MetadataSize = Volatile.Read(ref oieb->MetadataSize),
        MetadataFreeBytes = Volatile.Read(ref oieb->MetadataFreeBytes),
        MetadataWrittenBytes = Volatile.Read(ref oieb->MetadataWrittenBytes),
        PayloadSize = Volatile.Read(ref oieb->PayloadSize),
        PayloadFreeBytes = Volatile.Read(ref oieb->PayloadFreeBytes),
        WritePosition = Volatile.Read(ref oieb->PayloadWritePos),
        ReadPosition = Volatile.Read(ref oieb->PayloadReadPos),
        WrittenCount = Volatile.Read(ref oieb->PayloadWrittenCount),
        ReadCount = Volatile.Read(ref oieb->PayloadReadCount),
        WriterPid = Volatile.Read(ref oieb->WriterPid),
        ReaderPid = Volatile.Read(ref oieb->ReaderPid),
    };
}
