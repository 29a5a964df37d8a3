namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// Checks that what arrived and what was reported missing account for every frame sent, exactly:
/// each index 1..N either arrived (once, whole, in order) or lies in exactly one reported gap.
/// The exporter starts before the producer, so a frame's bridge sequence is its index.
/// </summary>
internal static class GapAudit
{
    internal static void AssertExact(List<Received> received, IEnumerable<NatsGapEventArgs> gaps, int count, int size)
    {
        ulong previous = 0;
        foreach (Received frame in received)
        {
            Assert.True(frame.Index > previous, $"frame {frame.Index} arrived after frame {previous}: out of order or twice");
            Assert.Equal(size, frame.Size);
            Assert.Equal(TestFrames.ExpectedChecksum(size, frame.Index), frame.Checksum);
            previous = frame.Index;
        }

        var missing = new HashSet<ulong>();
        foreach (NatsGapEventArgs gap in gaps)
        {
            for (ulong index = gap.FirstSequence; index <= gap.LastSequence; index++)
            {
                Assert.True(missing.Add(index), $"frame {index} is in two gaps");
            }
        }

        var arrived = received.Select(r => r.Index).ToHashSet();
        Assert.Empty(arrived.Intersect(missing));
        var accounted = arrived.Union(missing).Order().ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), accounted);
    }
}
