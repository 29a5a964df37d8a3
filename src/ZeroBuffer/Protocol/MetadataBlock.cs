namespace ZeroBuffer.Protocol;

/// <summary>
/// The metadata block (docs/protocol.md §2.3): written once per buffer by a writer — an 8-byte
/// length, the content, then <c>metadata_free_bytes</c> and, last, <c>metadata_written_bytes</c>
/// as the release store that publishes it — and read zero-copy by the reader.
/// </summary>
internal sealed unsafe class MetadataBlock
{
    private readonly string _name;
    private readonly Oieb* _oieb;
    private readonly byte* _block;
    private readonly long _blockSize;
    private int _claimedLength = -1;
    private bool _written;

    /// <param name="name">The buffer, for messages.</param>
    /// <param name="oieb">The mapped control block.</param>
    /// <param name="block">The first byte of the metadata block (offset 128).</param>
    /// <param name="blockSize">M.</param>
    internal MetadataBlock(string name, Oieb* oieb, byte* block, long blockSize)
    {
        _name = name;
        _oieb = oieb;
        _block = block;
        _blockSize = blockSize;
    }

    /// <summary>M.</summary>
    internal long BlockSize => _blockSize;

    /// <summary>Whether metadata was claimed and not yet committed.</summary>
    internal bool HasClaim => _claimedLength >= 0;

    /// <summary>The published content (without its length prefix), zero-copy; empty when none was written.</summary>
    /// <exception cref="BufferCorruptedException">The stored length does not fit the block.</exception>
    internal ReadOnlySpan<byte> Read()
    {
        ulong written = Volatile.Read(ref _oieb->MetadataWrittenBytes); // acquire: pairs with the writer's commit
        if (written == 0)
        {
            return [];
        }

        ulong length = *(ulong*)_block;
        if (written < ZeroBufferLayout.MetadataPrefixSize || length > written - ZeroBufferLayout.MetadataPrefixSize
            || written > (ulong)_blockSize || length > int.MaxValue)
        {
            throw new BufferCorruptedException(_name,
                $"Buffer '{_name}' is corrupted: metadata length {length} (written bytes {written}) does not fit the {_blockSize}-byte metadata block.");
        }

        return new ReadOnlySpan<byte>(_block + ZeroBufferLayout.MetadataPrefixSize, (int)length);
    }

    /// <summary>Claims room for <paramref name="size"/> bytes of metadata; <see cref="Commit"/> publishes them.</summary>
    /// <exception cref="InvalidOperationException">Metadata is already claimed.</exception>
    /// <exception cref="MetadataAlreadyWrittenException">The buffer already has metadata.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive, or 8 + size exceeds the block.</exception>
    internal Span<byte> Claim(int size)
    {
        if (_claimedLength >= 0)
        {
            throw new InvalidOperationException($"Metadata of buffer '{_name}' is already acquired; call CommitMetadata first.");
        }

        if (_written || Volatile.Read(ref _oieb->MetadataWrittenBytes) != 0)
        {
            _written = true;
            throw new MetadataAlreadyWrittenException(_name, $"Metadata of buffer '{_name}' was already written; it is written once per buffer.");
        }

        if (size <= 0)
        {
            // C++ and Python readers reject a stored length of 0 as invalid metadata.
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"Metadata of {size} bytes is invalid for buffer '{_name}': write at least 1 byte, or none at all.");
        }

        if (ZeroBufferLayout.MetadataPrefixSize + (long)size > _blockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"Metadata of {size} bytes does not fit buffer '{_name}': 8 + {size} > metadata block of {_blockSize} bytes (at most {Math.Max(0, _blockSize - ZeroBufferLayout.MetadataPrefixSize)}).");
        }

        _claimedLength = size;
        return new Span<byte>(_block + ZeroBufferLayout.MetadataPrefixSize, size);
    }

    /// <summary>Publishes the claimed metadata: prefix, free bytes, then the written bytes (release).</summary>
    /// <exception cref="InvalidOperationException">Nothing is claimed.</exception>
    internal void Commit()
    {
        if (_claimedLength < 0)
        {
            throw new InvalidOperationException($"No metadata of buffer '{_name}' to commit; call GetMetadataBuffer first.");
        }

        ulong written = ZeroBufferLayout.MetadataPrefixSize + (ulong)_claimedLength;
        *(ulong*)_block = (ulong)_claimedLength;
        Volatile.Write(ref _oieb->MetadataFreeBytes, (ulong)_blockSize - written);
        Volatile.Write(ref _oieb->MetadataWrittenBytes, written); // release: prefix and content first
        _claimedLength = -1;
        _written = true;
    }

    /// <summary>Drops a claim (the writer is closing).</summary>
    internal void Abort() => _claimedLength = -1;
}
