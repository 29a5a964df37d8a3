namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// What an <see cref="IFrameHandler"/> knows about the reader it serves: one instance per hosted
/// reader, passed with every frame.
/// </summary>
public sealed class ReaderContext
{
    internal ReaderContext(string name, string bufferName)
    {
        Name = name;
        BufferName = bufferName;
    }

    /// <summary>The name the reader was registered with (its configuration key and keyed-service key).</summary>
    public string Name { get; }

    /// <summary>The buffer name in <c>/dev/shm</c>.</summary>
    public string BufferName { get; }

    /// <summary>
    /// The buffer's metadata (a format description, say), as a writer wrote it; empty until one
    /// did. Metadata is written once per buffer, so it is copied out of shared memory once, when
    /// it first appears, and is safe to keep.
    /// </summary>
    public ReadOnlyMemory<byte> Metadata { get; internal set; }
}
