using ZeroBuffer.Extensions.Hosting.Internal;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>The sizes and sharing of a buffer that the endpoint creates (a reader, or a duplex server's request buffers).</summary>
public abstract class ZeroBufferOwnerOptions : ZeroBufferEndpointOptions
{
    /// <summary>Bytes of the frame ring; must be positive. Default 1 MiB. Size it at least twice the largest frame plus 48 bytes.</summary>
    public long PayloadSize { get; set; } = 1024 * 1024;

    /// <summary>Bytes reserved for metadata (its 8-byte length prefix included); 0 allowed. Default 1 KiB.</summary>
    public long MetadataSize { get; set; } = 1024;

    /// <summary>Who besides the creating user may open the buffer (default <see cref="BufferAccess.Owner"/>, mode 0600).</summary>
    public BufferAccess Access { get; set; } = BufferAccess.Owner;

    /// <summary>The core library's configuration for these options (validated beforehand).</summary>
    internal BufferConfig ToBufferConfig() => new(MetadataSize, PayloadSize) { Access = Access };

    /// <inheritdoc/>
    internal override void Validate(string registrationName, OptionsProblems problems)
    {
        base.Validate(registrationName, problems);
        try
        {
            _ = ToBufferConfig();
        }
        catch (ArgumentOutOfRangeException rejected)
        {
            string key = rejected.ParamName switch
            {
                "metadataSize" => nameof(MetadataSize),
                "payloadSize" => nameof(PayloadSize),
                _ => nameof(Access),
            };
            problems.Add(key, rejected);
        }
    }
}
