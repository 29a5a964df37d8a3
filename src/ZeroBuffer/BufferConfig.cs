using ZeroBuffer.Protocol;

namespace ZeroBuffer;

/// <summary>
/// The sizes a reader creates a buffer with. Both are rounded up to a multiple of 64 in the
/// segment (<see cref="MetadataBlockSize"/>, <see cref="PayloadBlockSize"/>).
/// </summary>
/// <remarks>
/// Size the ring at least <c>2 × (largest frame + 24)</c>: frames up to
/// <see cref="Writer.MaxFrameSizeAnywhere"/> (<c>P / 2 − 24</c>) fit wherever the write position is
/// and never leave a tail upstream readers cannot skip; larger ones fit only at some positions.
/// </remarks>
public sealed record BufferConfig
{
    /// <summary>Creates a configuration.</summary>
    /// <param name="metadataSize">Bytes reserved for metadata (its 8-byte length prefix included); 0 allowed.</param>
    /// <param name="payloadSize">Bytes of the frame ring; must be positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range; the message names it.</exception>
    public BufferConfig(long metadataSize = 1024, long payloadSize = 1024 * 1024)
    {
        if (metadataSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(metadataSize), metadataSize,
                $"Metadata size must be >= 0 (got {metadataSize}).");
        }

        if (payloadSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadSize), payloadSize,
                $"Payload size must be > 0 (got {payloadSize}).");
        }

        // Keep the segment length representable (the OS rejects what it cannot hold with ENOMEM/ENOSPC).
        const long limit = long.MaxValue / 4;
        if (metadataSize > limit)
        {
            throw new ArgumentOutOfRangeException(nameof(metadataSize), metadataSize, $"Metadata size {metadataSize} is too large.");
        }

        if (payloadSize > limit)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadSize), payloadSize, $"Payload size {payloadSize} is too large.");
        }

        MetadataSize = metadataSize;
        PayloadSize = payloadSize;
    }

    /// <summary>
    /// Who besides the creating user may open the buffer (default <see cref="BufferAccess.Owner"/>,
    /// mode 0600): the permission bits of the segment, the semaphores and the lock files.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="BufferAccess"/> value.</exception>
    public BufferAccess Access
    {
        get => _access;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Unknown buffer access {value}: use Owner, Group or Everyone.");
            }

            _access = value;
        }
    }

    private readonly BufferAccess _access = BufferAccess.Owner;

    /// <summary>Extension bits the reader advertises beyond the core ones (a duplex client's <c>FeatureDuplexErrors</c>).</summary>
    internal uint AdvertisedFeatures { get; init; }

    /// <summary>Requested metadata size.</summary>
    public long MetadataSize { get; }

    /// <summary>Requested payload (ring) size.</summary>
    public long PayloadSize { get; }

    /// <summary>M: the metadata block size in the segment.</summary>
    public long MetadataBlockSize => ZeroBufferLayout.Round64(MetadataSize);

    /// <summary>P: the ring size in the segment.</summary>
    public long PayloadBlockSize => ZeroBufferLayout.Round64(PayloadSize);

    /// <summary>Largest metadata content a writer can store (M − 8, or 0).</summary>
    public long MaxMetadataLength => Math.Max(0, MetadataBlockSize - ZeroBufferLayout.MetadataPrefixSize);

    /// <summary>The length of the shared-memory segment: 128 + M + P.</summary>
    public long SegmentLength => ZeroBufferLayout.SegmentLength(MetadataBlockSize, PayloadBlockSize);
}
