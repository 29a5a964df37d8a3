using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Tests;

/// <summary>The importer's sequence bookkeeping, without NATS: every frame is delivered, a duplicate, or in exactly one gap.</summary>
public sealed class FrameSequencerTests
{
    private const string S1 = "session1";
    private const string S2 = "session2";

    private readonly FrameSequencer _sequencer = new();
    private readonly List<NatsGapEventArgs> _gaps = [];
    private readonly List<ulong> _delivered = [];

    [Fact]
    public void Frames_in_order_are_delivered_without_gaps()
    {
        for (ulong seq = 1; seq <= 5; seq++)
        {
            Offer(S1, seq, 0, 1);
        }

        Assert.Equal([1UL, 2, 3, 4, 5], _delivered);
        Assert.Empty(_gaps);
    }

    [Fact]
    public void A_jump_in_sequence_is_reported_exactly_once()
    {
        Offer(S1, 1, 0, 1);
        Offer(S1, 2, 0, 1);
        Offer(S1, 6, 0, 1);
        Offer(S1, 9, 0, 1);

        Assert.Equal([1UL, 2, 6, 9], _delivered);
        AssertGaps((GapKind.Lost, 3, 3), (GapKind.Lost, 7, 2));
    }

    [Fact]
    public void Duplicates_are_skipped_and_counted()
    {
        Offer(S1, 1, 0, 2);
        Offer(S1, 1, 0, 2); // the first chunk again
        Offer(S1, 1, 1, 2);
        Offer(S1, 1, 1, 2); // the whole frame again
        Offer(S1, 2, 0, 1);
        Offer(S1, 1, 0, 2);

        Assert.Equal([1UL, 2], _delivered);
        Assert.Empty(_gaps);
        Assert.Equal(3UL, _sequencer.DuplicateChunks);
    }

    [Fact]
    public void A_missing_chunk_loses_the_frame_and_its_other_chunks_are_skipped_quietly()
    {
        Offer(S1, 1, 0, 3);
        Offer(S1, 1, 2, 3); // chunk 1 missing
        Offer(S1, 2, 1, 2); // chunk 0 of frame 2 missing
        Offer(S1, 3, 0, 1);

        Assert.Equal([3UL], _delivered);
        AssertGaps((GapKind.Lost, 1, 2));
        Assert.Equal(0UL, _sequencer.DuplicateChunks);
    }

    [Fact]
    public void Chunks_of_a_frame_may_come_in_any_order()
    {
        Offer(S1, 1, 1, 3);
        Offer(S1, 1, 2, 3);
        Offer(S1, 1, 1, 3); // a duplicate
        Offer(S1, 1, 0, 3); // a retried publish, stored after its siblings
        Offer(S1, 2, 0, 1);

        Assert.Equal([1UL, 2], _delivered);
        Assert.Empty(_gaps);
        Assert.Equal(1UL, _sequencer.DuplicateChunks);
    }

    [Fact]
    public void A_frame_cut_short_by_the_next_one_is_lost()
    {
        Offer(S1, 1, 0, 3);
        Offer(S1, 1, 1, 3);
        Offer(S1, 2, 0, 1);

        Assert.Equal([2UL], _delivered);
        AssertGaps((GapKind.Lost, 1, 1));
    }

    [Fact]
    public void An_importer_that_joins_late_reports_what_it_missed_as_such()
    {
        Offer(S1, 11, 1, 2); // joined in the middle of frame 11
        Offer(S1, 12, 0, 1);

        Assert.Equal([12UL], _delivered);
        AssertGaps((GapKind.MissedBeforeJoin, 1, 11));
    }

    [Fact]
    public void The_end_message_reveals_frames_lost_at_the_tail()
    {
        Offer(S1, 1, 0, 1);
        Offer(S1, 2, 0, 2);
        _sequencer.OfferEnd(End(S1, 5), _gaps);

        Assert.Equal([1UL], _delivered);
        AssertGaps((GapKind.Lost, 2, 4));
    }

    [Fact]
    public void An_end_with_nothing_missing_reports_nothing_and_the_session_goes_on()
    {
        Offer(S1, 1, 0, 1);
        Offer(S1, 2, 0, 1);
        _sequencer.OfferEnd(End(S1, 2), _gaps);
        Offer(S1, 3, 0, 1); // the exporter's next local writer: the same session goes on

        Assert.Equal([1UL, 2, 3], _delivered);
        Assert.Empty(_gaps);
    }

    [Fact]
    public void A_new_session_starts_at_1_and_its_missing_first_frames_are_lost_not_a_late_join()
    {
        Offer(S1, 1, 0, 1);
        Offer(S1, 2, 0, 3); // the old exporter died in the middle of frame 2
        Offer(S2, 2, 0, 1); // the new exporter's frame 1 never came
        Offer(S2, 3, 0, 1);

        Assert.Equal([1UL, 2, 3], _delivered);
        Assert.Equal(
            [(GapKind.Lost, S1, 2UL, 1UL), (GapKind.Lost, S2, 1UL, 1UL)],
            _gaps.Select(g => (g.Kind, g.Session, g.FirstSequence, g.Count)).ToArray());
    }

    [Fact]
    public void Abandoning_the_frame_in_progress_reports_it()
    {
        Offer(S1, 1, 0, 2);
        _sequencer.AbandonAssembly(_gaps);

        Assert.Empty(_delivered);
        AssertGaps((GapKind.Lost, 1, 1));
    }

    private void Offer(string session, ulong sequence, int chunk, int chunks)
    {
        const int chunkSize = 10;
        var message = new BridgeMessage
        {
            Kind = MessageKind.Chunk,
            Session = session,
            Sequence = sequence,
            Length = chunks * chunkSize,
            Offset = chunk * chunkSize,
            Chunk = chunk,
            Chunks = chunks,
        };
        ChunkAction action = _sequencer.OfferChunk(message, _gaps);
        if (action != ChunkAction.Skip && _sequencer.AssemblyComplete)
        {
            _delivered.Add(sequence);
            _sequencer.FrameDone();
        }
    }

    private static BridgeMessage End(string session, ulong last) => new() { Kind = MessageKind.End, Session = session, LastSequence = last };

    private void AssertGaps(params (GapKind Kind, ulong First, ulong Count)[] expected) =>
        Assert.Equal(expected, _gaps.Select(g => (g.Kind, g.FirstSequence, g.Count)).ToArray());
}
