using NATS.Client.Core;
using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// Bridge wire version 3 without a server: the one chunk header frames and duplex messages share
/// (<c>Zb-Chunk</c>), the chunk plan that cuts both, a frame chunk's two headers, and the
/// reassembly of duplex messages.
/// </summary>
public sealed class WireTests
{
    private const string Session = "3f2a9c0d5e6b47a8b1c2d3e4f5a6b7c8";

    [Fact]
    public void A_chunk_header_reads_back_what_was_written_and_no_header_means_the_whole()
    {
        var header = new ChunkHeader(3_110_400, 1_047_552, 1, 3);
        Assert.Equal("3110400 1047552 1 3", header.Format());
        Assert.True(ChunkHeader.TryParse(header.Format(), 1_047_552, out ChunkHeader read, out _));
        Assert.Equal(header, read);

        Assert.True(ChunkHeader.TryParse(null, 64, out ChunkHeader whole, out _));
        Assert.Equal((64, 0, 0, 1), (whole.Length, whole.Offset, whole.Index, whole.Count));
        Assert.False(whole.IsChunked);
    }

    [Theory]
    [InlineData("3110400 0 3 3", 1047552)] // index beyond the count
    [InlineData("3110400 2095104 2 3", 1000)] // the last piece does not end the whole
    [InlineData("100 90 0 2", 20)] // past the end
    [InlineData("0 0 0 1", 0)] // an empty whole
    [InlineData("10 0 0 20", 1)] // more pieces than bytes
    [InlineData("3110400 0 0", 1047552)] // a field missing
    [InlineData("3110400 0 0 3 9", 1047552)] // a field too many
    [InlineData("3110400 -1 0 3", 1047552)] // not a number
    [InlineData(null, 0)] // an empty message that says nothing
    public void An_impossible_chunk_header_is_refused_with_a_reason(string? value, int payloadLength)
    {
        Assert.False(ChunkHeader.TryParse(value, payloadLength, out _, out string? problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void The_chunk_plan_tiles_a_1080p_frame_in_three_pieces_for_a_default_server()
    {
        const int size = 1920 * 1080 * 3 / 2;
        var plan = ChunkPlan.For(1 << 20, maxChunkSize: null);
        ReadOnlyMemory<byte> whole = new byte[size];

        ChunkHeader[] pieces = [.. Enumerable.Range(0, plan.CountFor(size)).Select(i => plan.Chunk(size, i))];

        Assert.Equal(3, pieces.Length);
        Assert.Equal(size, pieces.Sum(p => plan.Slice(whole, p).Length));
        Assert.All(pieces, p => Assert.True(ChunkHeader.TryParse(p.Format(), plan.Slice(whole, p).Length, out _, out _)));
        Assert.Equal([0, 1_047_552, 2_095_104], pieces.Select(p => p.Offset));
        Assert.False(plan.Chunk(64, 0).IsChunked);
    }

    [Fact]
    public void A_frame_chunk_travels_in_two_headers_or_three_and_reads_back()
    {
        NatsHeaders single = WireText.Chunk(Session, 1042, 7, ChunkHeader.Whole(64));
        Assert.Equal(2, single.Count);
        BridgeMessage one = BridgeMessage.Parse("site1.cam0", "site1.cam0.frame", single, 64, knownSession: Session);
        Assert.Equal((MessageKind.Chunk, 1042UL, 7UL, 64, 0, 0, 1), (one.Kind, one.Sequence, one.SourceSequence, one.Length, one.Offset, one.Chunk, one.Chunks));
        Assert.Same(Session, one.Session); // the session the importer follows is reused, not allocated again

        NatsHeaders piece = WireText.Chunk(Session, 5, 5, new ChunkHeader(3_110_400, 2_095_104, 2, 3));
        Assert.Equal(3, piece.Count);
        BridgeMessage last = BridgeMessage.Parse("site1.cam0", "site1.cam0.frame", piece, 1_015_296);
        Assert.Equal((3_110_400, 2_095_104, 2, 3), (last.Length, last.Offset, last.Chunk, last.Chunks));
        Assert.Equal(Session, last.Session);
    }

    [Fact]
    public void A_version_1_frame_chunk_is_not_read_and_the_problem_names_the_version()
    {
        var v1 = new NatsHeaders
        {
            [BridgeHeaders.Version] = "1",
            [BridgeHeaders.Session] = Session,
            [BridgeHeaders.Sequence] = "1",
        };

        BridgeMessage parsed = BridgeMessage.Parse("site1.cam0", "site1.cam0.frame", v1, 64);

        Assert.Equal(MessageKind.Unknown, parsed.Kind);
        Assert.Contains("wire version 1", parsed.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplex_message_in_pieces_is_put_together_in_any_order_and_a_repeated_piece_changes_nothing()
    {
        byte[] whole = [.. Enumerable.Range(0, 25).Select(i => (byte)i)];
        var plan = ChunkPlan.For(1024 + 10, maxChunkSize: null); // pieces of 10 bytes
        ChunkHeader[] pieces = [.. Enumerable.Range(0, plan.CountFor(whole.Length)).Select(i => plan.Chunk(whole.Length, i))];

        Assert.True(ChunkAssembly.TryStart(pieces[2], maxLength: 100, out ChunkAssembly? assembly, out _));
        using (assembly)
        {
            foreach (int index in new[] { 2, 0, 0, 1 })
            {
                Assert.True(assembly!.TryAdd(pieces[index], plan.Slice(whole, pieces[index]).Span, out _));
            }

            Assert.True(assembly!.IsComplete);
            Assert.Equal(whole, assembly.Memory.ToArray());
        }
    }

    [Fact]
    public void A_duplex_reassembly_refuses_a_whole_over_its_limit_and_a_piece_of_another_whole()
    {
        Assert.False(ChunkAssembly.TryStart(new ChunkHeader(5000, 0, 0, 5), maxLength: 4096, out _, out string? problem));
        Assert.Contains("5000 bytes", problem, StringComparison.Ordinal);

        Assert.True(ChunkAssembly.TryStart(new ChunkHeader(20, 0, 0, 2), maxLength: 4096, out ChunkAssembly? assembly, out _));
        using (assembly)
        {
            Assert.False(assembly!.TryAdd(new ChunkHeader(30, 10, 1, 3), new byte[10], out problem));
            Assert.False(string.IsNullOrEmpty(problem));
            Assert.Equal(0, assembly.Received);
        }
    }
}
