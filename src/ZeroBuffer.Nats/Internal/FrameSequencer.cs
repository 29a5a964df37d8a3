using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Internal;

/// <summary>What the importer does with a chunk the sequencer was offered.</summary>
internal enum ChunkAction
{
    /// <summary>Nothing: a duplicate, or a chunk of a frame already given up.</summary>
    Skip,

    /// <summary>The first chunk of a new frame: drop any frame in progress (reported lost) and start this one.</summary>
    Begin,

    /// <summary>The next chunk of the frame in progress.</summary>
    Continue,
}

/// <summary>
/// The importer's bookkeeping of bridge sequences, without any I/O: which chunk starts or
/// continues a frame, which are duplicates, and which frames are missing (reported as gaps,
/// exactly: every frame of a session is either delivered, counted as a duplicate, or in a gap).
/// </summary>
/// <remarks>
/// Frames arrive in order (one subject, one publisher; JetStream mode re-orders by stream
/// sequence first, and the exporter publishes a frame only once the previous one is stored). A
/// frame's chunks may come in any order (a retried JetStream publish is stored after the chunks
/// published with it). A frame still missing a chunk when a later frame, an end or another session
/// comes is lost, whole. A frame is resolved when the importer calls <see cref="FrameDone"/>
/// (committed or rejected locally) or when the sequencer gives it up.
/// </remarks>
internal sealed class FrameSequencer
{
    private string? _session;
    private bool _sessionHasFrames; // a frame (or an end) of the session was seen: gaps after it are losses, not a late join
    private bool _seenAnySession;
    private ulong _next = 1; // the first sequence of the session not resolved yet
    private ulong _abandoned; // a frame given up: its remaining chunks are skipped quietly

    private bool _assembling;
    private ulong _assemblySequence;
    private int _assemblyChunks;
    private int _assemblyLength;
    private GapKind _assemblyGapKind; // how the frame is reported if it is never completed
    private bool[] _received = new bool[16]; // which chunks of the frame in progress came
    private int _receivedCount;

    /// <summary>The session being followed (null before the first message).</summary>
    internal string? Session => _session;

    /// <summary>Whether a frame is in progress.</summary>
    internal bool Assembling => _assembling;

    /// <summary>The sequence of the frame in progress.</summary>
    internal ulong AssemblySequence => _assemblySequence;

    /// <summary>Duplicate chunks skipped (redeliveries, retried publishes).</summary>
    internal ulong DuplicateChunks { get; private set; }

    /// <summary>
    /// Continues where an earlier importer left off (JetStream: the last message its durable
    /// consumer acknowledged): frame <paramref name="next"/> of <paramref name="session"/> comes next.
    /// </summary>
    internal void Resume(string session, ulong next)
    {
        _session = session;
        _seenAnySession = true;
        _sessionHasFrames = true;
        _next = Math.Max(next, 1);
    }

    /// <summary>Decides what to do with a chunk; gaps it reveals are added to <paramref name="gaps"/>.</summary>
    internal ChunkAction OfferChunk(in BridgeMessage chunk, List<NatsGapEventArgs> gaps)
    {
        EnterSession(chunk.Session, gaps);
        ulong sequence = chunk.Sequence;
        if (_assembling && sequence == _assemblySequence)
        {
            if (chunk.Chunks != _assemblyChunks || chunk.Length != _assemblyLength)
            {
                GiveUpAssembly(gaps); // the frame's chunks disagree: it cannot be put together
                return ChunkAction.Skip;
            }

            if (_received[chunk.Chunk])
            {
                DuplicateChunks++;
                return ChunkAction.Skip;
            }

            _received[chunk.Chunk] = true;
            _receivedCount++;
            return ChunkAction.Continue;
        }

        if (sequence < _next)
        {
            if (sequence != _abandoned)
            {
                DuplicateChunks++;
            }

            return ChunkAction.Skip;
        }

        if (_assembling)
        {
            GiveUpAssembly(gaps); // a later frame began before this one was complete: a chunk is missing
        }

        GapKind kind = _sessionHasFrames ? GapKind.Lost : FirstGapKind;
        if (sequence > _next)
        {
            Report(gaps, kind, _next, sequence - _next);
        }

        _sessionHasFrames = true;
        _next = sequence;

        // Chunks may come in any order (a JetStream publish retried after its successors were
        // stored); a frame whose first chunk seen is not chunk 0 may have begun before a late join.
        _assemblyGapKind = chunk.Chunk == 0 ? GapKind.Lost : kind;
        _assembling = true;
        _assemblySequence = sequence;
        _assemblyChunks = chunk.Chunks;
        _assemblyLength = chunk.Length;
        if (_received.Length < chunk.Chunks)
        {
            _received = new bool[Math.Max(chunk.Chunks, 2 * _received.Length)];
        }
        else
        {
            Array.Clear(_received, 0, chunk.Chunks);
        }

        _received[chunk.Chunk] = true;
        _receivedCount = 1;
        return ChunkAction.Begin;
    }

    /// <summary>Whether the chunk just offered (Begin or Continue) was the frame's last.</summary>
    internal bool AssemblyComplete => _assembling && _receivedCount == _assemblyChunks;

    /// <summary>The frame in progress is resolved (committed, or rejected by the local ring and reported by the caller).</summary>
    internal void FrameDone()
    {
        if (_assembling)
        {
            _assembling = false;
            _next = _assemblySequence + 1;
        }
    }

    /// <summary>The frame in progress cannot be finished here (the importer stops): reported lost.</summary>
    internal void AbandonAssembly(List<NatsGapEventArgs> gaps)
    {
        if (_assembling)
        {
            GiveUpAssembly(gaps);
        }
    }

    /// <summary>A metadata message: only its session matters here.</summary>
    internal void OfferMetadata(in BridgeMessage metadata, List<NatsGapEventArgs> gaps) => EnterSession(metadata.Session, gaps);

    /// <summary>The end of a writer's stream: every frame up to its last sequence not delivered is missing.</summary>
    internal void OfferEnd(in BridgeMessage end, List<NatsGapEventArgs> gaps)
    {
        EnterSession(end.Session, gaps);
        if (_assembling)
        {
            GiveUpAssembly(gaps); // the end came before the frame's last chunk
        }

        if (end.LastSequence >= _next)
        {
            Report(gaps, _sessionHasFrames ? GapKind.Lost : FirstGapKind, _next, end.LastSequence - _next + 1);
            _next = end.LastSequence + 1;
        }

        _sessionHasFrames = true;
    }

    /// <summary>Frames missing before the first one an importer sees are a late join only in its first session.</summary>
    private GapKind FirstGapKind => _seenAnySession ? GapKind.Lost : GapKind.MissedBeforeJoin;

    private void EnterSession(string session, List<NatsGapEventArgs> gaps)
    {
        if (session == _session)
        {
            return;
        }

        if (_assembling)
        {
            GiveUpAssembly(gaps); // the old session's frame will never be finished
        }

        // What the old session published after the last message seen is unknown without its end
        // message: an exporter that crashed cannot say. Nothing is reported for it.
        _seenAnySession |= _session is not null;
        _session = session;
        _sessionHasFrames = false;
        _next = 1;
        _abandoned = 0;
    }

    private void GiveUpAssembly(List<NatsGapEventArgs> gaps)
    {
        _assembling = false;
        Report(gaps, _assemblyGapKind, _assemblySequence, 1);
        _abandoned = _assemblySequence;
        _next = _assemblySequence + 1;
    }

    /// <summary>Adds a gap, merged with the previous one when it continues it.</summary>
    private void Report(List<NatsGapEventArgs> gaps, GapKind kind, ulong first, ulong count)
    {
        if (gaps.Count > 0)
        {
            NatsGapEventArgs last = gaps[^1];
            if (last.Kind == kind && last.Session == _session && last.LastSequence + 1 == first)
            {
                gaps[^1] = new NatsGapEventArgs(kind, _session!, last.FirstSequence, last.Count + count);
                return;
            }
        }

        gaps.Add(new NatsGapEventArgs(kind, _session!, first, count));
    }
}
