using System.Buffers.Binary;
using NATS.Client.Core;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// The batch message of wire version 3 without a server: its body (a little-endian length before
/// each frame) and its headers (<c>Zb-Frame</c> of the first frame, <c>Zb-Batch</c>), written and
/// read back, and every malformed batch refused with a reason rather than read past its end.
/// </summary>
public sealed class BatchWireTests
{
    private const string Session = "3f2a9c0d5e6b47a8b1c2d3e4f5a6b7c8";
    private const string Prefix = "site1.cam0";

    [Fact]
    public void A_batch_body_reads_back_each_frame_in_order()
    {
        byte[][] frames = [[1], [2, 3, 4], [.. Enumerable.Range(0, 300).Select(i => (byte)i)]];
        byte[] body = Body(frames);

        Assert.Equal(frames.Sum(f => 4 + f.Length), body.Length);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(5))); // the second frame's length, after 4 + 1 bytes
        Assert.True(BatchBody.TryCheck(body, frames.Length, out string? problem), problem);
        ReadOnlySpan<byte> rest = body;
        foreach (byte[] frame in frames)
        {
            Assert.Equal(frame, BatchBody.Next(ref rest).ToArray());
        }

        Assert.True(rest.IsEmpty);
    }

    [Theory]
    [InlineData(new[] { 10, 10 }, 3, 0)] // fewer frames than the count
    [InlineData(new[] { 10, 10, 10 }, 2, 0)] // bytes left after the count's frames
    [InlineData(new[] { 10, 10 }, 2, -1)] // the last frame's length runs past the body
    [InlineData(new[] { 10, 10 }, 2, -12)] // the body ends inside a length
    [InlineData(new[] { 10, 0, 10 }, 3, 0)] // an empty frame
    public void A_malformed_batch_body_is_refused_with_a_reason(int[] sizes, int count, int trim)
    {
        byte[] body = Body([.. sizes.Select(size => new byte[size])]);
        byte[] cut = body[..(body.Length + trim)];

        Assert.False(BatchBody.TryCheck(cut, count, out string? problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void A_length_beyond_the_body_is_refused_even_when_huge()
    {
        byte[] body = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(body, uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), 0);

        Assert.False(BatchBody.TryCheck(body, 2, out string? problem));
        Assert.Contains("claims 4294967295 bytes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_travels_in_three_headers_and_reads_back_its_first_frame_and_count()
    {
        NatsHeaders headers = WireText.Batch(Session, 1042, 7, 25);
        Assert.Equal(3, headers.Count);

        BridgeMessage batch = BridgeMessage.Parse(Prefix, Prefix + ".frame", headers, 25 * 68, knownSession: Session);

        Assert.Equal((MessageKind.Chunk, 1042UL, 7UL, 25, true), (batch.Kind, batch.Sequence, batch.SourceSequence, batch.Count, batch.IsBatch));
        Assert.Equal(1067UL, batch.NextSequence); // a JetStream importer resuming after it goes on with the frame after its last
        BridgeMessage third = batch.BatchFrame(2, 64);
        Assert.Equal((1044UL, 9UL, 64, 1, 1, false), (third.Sequence, third.SourceSequence, third.Length, third.Chunks, third.Count, third.IsBatch));
        Assert.Same(Session, third.Session);
        Assert.Equal(Session + ".1042.b25", WireText.BatchId(Session, 1042, 25));
    }

    [Theory]
    [InlineData("1", null, 100)] // a batch of one is a plain frame message
    [InlineData("0", null, 100)]
    [InlineData("1025", null, 1_000_000)] // over the frame cap
    [InlineData("two", null, 100)]
    [InlineData("3", "100 0 0 2", 100)] // a chunk of a batch
    [InlineData("30", null, 100)] // more frames than the payload can hold
    public void A_batch_with_impossible_headers_is_not_a_bridge_message(string count, string? chunk, int payloadLength)
    {
        NatsHeaders headers = WireText.Batch(Session, 5, 5, 2);
        headers[BridgeHeaders.Batch] = count;
        if (chunk is not null)
        {
            headers[BridgeHeaders.Chunk] = chunk;
        }

        BridgeMessage parsed = BridgeMessage.Parse(Prefix, Prefix + ".frame", headers, payloadLength);

        Assert.Equal(MessageKind.Unknown, parsed.Kind);
        Assert.False(string.IsNullOrEmpty(parsed.Problem));
    }

    [Fact]
    public void A_batch_whose_sequences_would_overflow_is_not_a_bridge_message()
    {
        NatsHeaders headers = WireText.Batch(Session, ulong.MaxValue - 1, 1, 2);

        Assert.Equal(MessageKind.Unknown, BridgeMessage.Parse(Prefix, Prefix + ".frame", headers, 100).Kind);
    }

    private static byte[] Body(byte[][] frames)
    {
        byte[] body = new byte[frames.Sum(f => 4 + f.Length)];
        int offset = 0;
        foreach (byte[] frame in frames)
        {
            offset += BatchBody.Write(body.AsSpan(offset), frame);
        }

        return body;
    }
}
