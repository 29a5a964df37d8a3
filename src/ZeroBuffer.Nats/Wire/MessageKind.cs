namespace ZeroBuffer.Nats.Wire;

/// <summary>What a bridge message is, from the last token of its subject.</summary>
internal enum MessageKind
{
    /// <summary>Not a bridge message (another subject under the prefix, or malformed headers).</summary>
    Unknown = 0,

    /// <summary><c>P.frame</c>: a chunk of a frame, or a batch of whole frames.</summary>
    Chunk,

    /// <summary><c>P.meta</c>: the buffer's metadata.</summary>
    Metadata,

    /// <summary><c>P.end</c>: a local writer's stream ended.</summary>
    End,
}
