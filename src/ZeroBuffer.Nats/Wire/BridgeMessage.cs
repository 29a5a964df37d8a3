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

    internal ulong LastSequence { get; init; }

    internal EndReason Reason { get; init; }

    internal string? Problem { get; init; }

    /// <summary>Parses a message received on <paramref name="subject"/>; <paramref name="payloadLength"/> is checked against the chunk fields.</summary>
    internal static BridgeMessage Parse(string prefix, string subject, NatsHeaders? headers, int payloadLength)
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

        if (!headers.TryGetLastValue(BridgeHeaders.Session, out string? session) || string.IsNullOrEmpty(session))
        {
            return Bad($"a message on '{subject}' has no {BridgeHeaders.Session} header");
        }

        return kind switch
        {
            MessageKind.Chunk => ParseChunk(headers, session, payloadLength),
            MessageKind.Metadata => TryNumber(headers, BridgeHeaders.Sequence, out ulong next, out string? problem)
                ? new BridgeMessage { Kind = kind, Session = session, Sequence = next }
                : Bad(problem!),
            _ => ParseEnd(headers, session),
        };
    }

    /// <summary>
    /// Where the stream goes on after this message, which an importer acknowledged last: the
    /// frame after a frame's last chunk, the frame a metadata message announces, the frame after an end.
    /// </summary>
    internal ulong NextSequence => Kind switch
    {
        MessageKind.Chunk => Sequence + 1,
        MessageKind.Metadata => Sequence,
        MessageKind.End => LastSequence + 1,
        _ => 0,
    };

    private static BridgeMessage ParseChunk(NatsHeaders headers, string session, int payloadLength)
    {
        if (!TryNumber(headers, BridgeHeaders.Sequence, out ulong sequence, out string? problem)
            || !TryNumber(headers, BridgeHeaders.Length, out ulong length, out problem)
            || !TryNumber(headers, BridgeHeaders.Offset, out ulong offset, out problem)
            || !TryNumber(headers, BridgeHeaders.Chunk, out ulong chunk, out problem)
            || !TryNumber(headers, BridgeHeaders.Chunks, out ulong chunks, out problem))
        {
            return Bad(problem!);
        }

        _ = TryNumber(headers, BridgeHeaders.SourceSequence, out ulong sourceSequence, out _); // informational
        if (sequence == 0 || length is 0 or > int.MaxValue || chunks == 0 || chunks > length || chunk >= chunks
            || offset + (ulong)payloadLength > length || (chunk == chunks - 1 && offset + (ulong)payloadLength != length)
            || (payloadLength == 0))
        {
            return Bad($"frame chunk {chunk}/{chunks} of sequence {sequence} is impossible: length {length}, offset {offset}, {payloadLength} bytes");
        }

        return new BridgeMessage
        {
            Kind = MessageKind.Chunk,
            Session = session,
            Sequence = sequence,
            SourceSequence = sourceSequence,
            Length = (int)length,
            Offset = (int)offset,
            Chunk = (int)chunk,
            Chunks = (int)chunks,
        };
    }

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
