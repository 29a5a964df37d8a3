using System.Globalization;
using NATS.Client.Core;

namespace ZeroBuffer.Nats.Wire;

/// <summary>
/// The bridge fields of one inbound message, parsed from its subject and headers. A message
/// that is not a bridge message, or whose headers are missing or impossible, parses as
/// <see cref="MessageKind.Unknown"/> with the reason in <see cref="Problem"/>.
/// </summary>
internal readonly record struct BridgeMessage
{
    internal MessageKind Kind { get; init; }

    internal string Session { get; init; }

    internal ulong Sequence { get; init; }

    internal ulong SourceSequence { get; init; }

    internal int Length { get; init; }

    internal int Offset { get; init; }

    internal int Chunk { get; init; }

    internal int Chunks { get; init; }

    /// <summary>The frames the message carries: 1, or a batch's <c>Zb-Batch</c> count (its frames are <see cref="Sequence"/> onwards).</summary>
    internal int Count { get; init; }

    /// <summary>Whether the message is a batch of whole frames (<see cref="BatchBody"/>).</summary>
    internal bool IsBatch => Count > 1;

    internal ulong LastSequence { get; init; }

    internal EndReason Reason { get; init; }

    internal string? Problem { get; init; }

    /// <summary>Parses a message received on <paramref name="subject"/>; <paramref name="payloadLength"/> is checked against the chunk fields.</summary>
    /// <param name="prefix">The bridge's subject prefix.</param>
    /// <param name="subject">The message's subject.</param>
    /// <param name="headers">The message's headers.</param>
    /// <param name="payloadLength">The message's payload length.</param>
    /// <param name="knownSession">The session the receiver follows, if any: a chunk of it reuses this string rather than allocating its own.</param>
    internal static BridgeMessage Parse(string prefix, string subject, NatsHeaders? headers, int payloadLength, string? knownSession = null)
    {
        MessageKind kind = KindOf(prefix, subject);
        if (kind == MessageKind.Unknown)
        {
            return Bad($"subject '{subject}' is not a bridge subject of '{prefix}'");
        }

        if (headers is null || !headers.TryGetLastValue(BridgeHeaders.Version, out string? version))
        {
            return Bad($"a message on '{subject}' has no {BridgeHeaders.Version} header");
        }

        if (version != BridgeHeaders.CurrentVersion)
        {
            return Bad($"a message on '{subject}' has bridge wire version {version}; this importer speaks {BridgeHeaders.CurrentVersion}");
        }

        if (kind == MessageKind.Chunk)
        {
            return ParseChunk(headers, payloadLength, knownSession);
        }

        if (!headers.TryGetLastValue(BridgeHeaders.Session, out string? session) || string.IsNullOrEmpty(session))
        {
            return Bad($"a message on '{subject}' has no {BridgeHeaders.Session} header");
        }

        return kind == MessageKind.Metadata
            ? TryNumber(headers, BridgeHeaders.Sequence, out ulong next, out string? problem)
                ? new BridgeMessage { Kind = kind, Session = session, Sequence = next }
                : Bad(problem!)
            : ParseEnd(headers, session);
    }

    /// <summary>
    /// Where the stream goes on after this message, which an importer acknowledged last: the
    /// frame after a frame's last chunk, the frame a metadata message announces, the frame after an end.
    /// </summary>
    internal ulong NextSequence => Kind switch
    {
        MessageKind.Chunk => Sequence + (ulong)Math.Max(Count, 1),
        MessageKind.Metadata => Sequence,
        MessageKind.End => LastSequence + 1,
        _ => 0,
    };

    /// <summary>
    /// A chunk: <c>Zb-Frame: SESSION SEQ SRC-SEQ</c>, and <c>Zb-Chunk</c> unless the frame is this
    /// one message; or a batch: <c>Zb-Frame</c> of its first frame and <c>Zb-Batch: COUNT</c>.
    /// </summary>
    private static BridgeMessage ParseChunk(NatsHeaders headers, int payloadLength, string? knownSession)
    {
        if (!headers.TryGetLastValue(BridgeHeaders.Frame, out string? frame))
        {
            return Bad($"a frame chunk has no {BridgeHeaders.Frame} header");
        }

        ReadOnlySpan<char> rest = frame;
        int space = rest.IndexOf(' ');
        ReadOnlySpan<char> sessionText = space > 0 ? rest[..space] : [];
        rest = space > 0 ? rest[(space + 1)..] : [];
        if (sessionText.IsEmpty || !ChunkHeader.TryNext(ref rest, out ulong sequence) || !ChunkHeader.TryNext(ref rest, out ulong sourceSequence)
            || !rest.IsEmpty || sequence == 0)
        {
            return Bad($"the {BridgeHeaders.Frame} header '{frame}' is not SESSION SEQ SRC-SEQ");
        }

        _ = headers.TryGetLastValue(BridgeHeaders.Chunk, out string? chunkText); // absent: the frame is this one message
        if (headers.TryGetLastValue(BridgeHeaders.Batch, out string? batchText))
        {
            return ParseBatch(batchText, chunkText, sessionText, sequence, sourceSequence, payloadLength, knownSession);
        }

        if (!ChunkHeader.TryParse(chunkText, payloadLength, out ChunkHeader chunk, out string? problem))
        {
            return Bad($"frame {sequence}: {problem}");
        }

        return new BridgeMessage
        {
            Kind = MessageKind.Chunk,
            Session = knownSession is not null && sessionText.SequenceEqual(knownSession) ? knownSession : sessionText.ToString(),
            Sequence = sequence,
            SourceSequence = sourceSequence,
            Length = chunk.Length,
            Offset = chunk.Offset,
            Chunk = chunk.Index,
            Chunks = chunk.Count,
            Count = 1,
        };
    }

    /// <summary>
    /// A batch: a count of 2 to <see cref="BatchBody.MaxFrames"/>, no <c>Zb-Chunk</c> (a frame too
    /// large for one message never goes in a batch), room in the payload for every length prefix,
    /// and sequences that do not overflow. The body itself is checked by <see cref="BatchBody.TryCheck"/>.
    /// </summary>
    private static BridgeMessage ParseBatch(string? batchText, string? chunkText, ReadOnlySpan<char> sessionText, ulong sequence, ulong sourceSequence,
        int payloadLength, string? knownSession)
    {
        if (!ulong.TryParse(batchText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong count) || count < 2 || count > BatchBody.MaxFrames)
        {
            return Bad($"frame {sequence}: the {BridgeHeaders.Batch} header '{batchText}' is not a count of 2 to {BatchBody.MaxFrames}");
        }

        if (chunkText is not null)
        {
            return Bad($"frame {sequence}: a batch has a {BridgeHeaders.Chunk} header");
        }

        if ((ulong)payloadLength < count * (BatchBody.PrefixSize + 1) || sequence > ulong.MaxValue - count || sourceSequence > ulong.MaxValue - count)
        {
            return Bad($"frame {sequence}: a batch of {count} frames in {payloadLength} bytes is impossible");
        }

        return new BridgeMessage
        {
            Kind = MessageKind.Chunk,
            Session = knownSession is not null && sessionText.SequenceEqual(knownSession) ? knownSession : sessionText.ToString(),
            Sequence = sequence,
            SourceSequence = sourceSequence,
            Length = payloadLength,
            Chunks = 1,
            Count = (int)count,
        };
    }

    /// <summary>Frame <paramref name="index"/> of this batch, <paramref name="length"/> bytes, as the one-message frame the sequencer takes.</summary>
    internal BridgeMessage BatchFrame(int index, int length) => this with
    {
        Sequence = Sequence + (ulong)index,
        SourceSequence = SourceSequence + (ulong)index,
        Length = length,
        Offset = 0,
        Chunk = 0,
        Chunks = 1,
        Count = 1,
    };

    private static BridgeMessage ParseEnd(NatsHeaders headers, string session)
    {
        if (!TryNumber(headers, BridgeHeaders.LastSequence, out ulong last, out string? problem))
        {
            return Bad(problem!);
        }

        _ = headers.TryGetLastValue(BridgeHeaders.Reason, out string? reason);
        return new BridgeMessage { Kind = MessageKind.End, Session = session, LastSequence = last, Reason = WireText.ParseReason(reason) };
    }

    private static MessageKind KindOf(string prefix, string subject)
    {
        if (subject.Length <= prefix.Length + 1 || !subject.StartsWith(prefix, StringComparison.Ordinal) || subject[prefix.Length] != '.')
        {
            return MessageKind.Unknown;
        }

        return subject.AsSpan(prefix.Length + 1) switch
        {
            "frame" => MessageKind.Chunk,
            "meta" => MessageKind.Metadata,
            "end" => MessageKind.End,
            _ => MessageKind.Unknown,
        };
    }

    private static bool TryNumber(NatsHeaders headers, string name, out ulong value, out string? problem)
    {
        if (headers.TryGetLastValue(name, out string? text) && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            problem = null;
            return true;
        }

        value = 0;
        problem = text is null ? $"the {name} header is missing" : $"the {name} header '{text}' is not a number";
        return false;
    }

    private static BridgeMessage Bad(string problem) => new() { Kind = MessageKind.Unknown, Session = "", Problem = problem };
}
