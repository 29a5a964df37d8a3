using ZeroBuffer.Protocol;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// Where a frame goes (protocol-v1 §3 step 1): in place, wrapped behind a marker, wrapped behind
/// a short tail, or nowhere (too large from this position).
/// </summary>
public sealed class WritePlanTests
{
    /// <summary>The decision table. total = 16 + frame length; expectWrap null = impossible.</summary>
    [Theory]
    // In place.
    [InlineData(1024, 0, 100, false, 0, 0, 100)]
    [InlineData(1024, 0, 1024, false, 0, 0, 1024)] // exact fill from the start
    [InlineData(1024, 0, 1020, false, 0, 0, 1020)] // short tail at write_pos 0 cannot be avoided
    [InlineData(1024, 500, 524, false, 0, 500, 524)] // exactly to the end: no tail
    [InlineData(1024, 500, 508, false, 0, 500, 508)] // a 16-byte tail holds a marker later: fine
    [InlineData(1024, 500, 509, false, 0, 500, 509)] // 15-byte tail, but wrapping needs 524 + 509 > 1024
    [InlineData(1024, 512, 512, false, 0, 512, 512)]
    [InlineData(1024, 1, 1023, false, 0, 1, 1023)]
    // Wrap with a marker.
    [InlineData(1024, 600, 500, true, 424, 0, 924)] // does not fit before the end
    [InlineData(1024, 513, 512, true, 511, 0, 1023)] // P/2 fits anywhere
    [InlineData(1024, 1008, 100, true, 16, 0, 116)] // the shortest tail with a marker
    [InlineData(1024, 600, 409, true, 424, 0, 833)] // would leave a 15-byte tail: wrap instead
    [InlineData(1024, 900, 123, true, 124, 0, 247)] // would leave a 1-byte tail: wrap instead
    // Wrap behind a short tail (implicit, no marker).
    [InlineData(1024, 1010, 100, true, 14, 0, 114)]
    [InlineData(1024, 1023, 17, true, 1, 0, 18)]
    [InlineData(1024, 1024, 17, true, 0, 0, 17)] // write_pos == P, left by some writers
    // Impossible from here.
    [InlineData(1024, 600, 601, null, 0, 0, 0)]
    [InlineData(1024, 2, 1023, null, 0, 0, 0)]
    [InlineData(1024, 1, 1024, null, 0, 0, 0)]
    [InlineData(64, 17, 64, null, 0, 0, 0)]
    public void DecisionTable(long ring, long writePos, long total, bool? expectWrap, long tail, long framePos, long required)
    {
        bool possible = WritePlan.TryCreate(ring, writePos, total, out WritePlan plan);

        if (expectWrap is null)
        {
            Assert.False(possible);
            return;
        }

        Assert.True(possible);
        Assert.Equal(new WritePlan(expectWrap.Value, tail, framePos, required), plan);
        Assert.Equal(expectWrap.Value && tail >= 16, plan.WritesMarker);
    }

    /// <summary>Every (ring, position, size) combination against the rule as the spec words it.</summary>
    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(320)]
    [InlineData(1024)]
    public void MatchesTheSpecEverywhere(long ring)
    {
        for (long writePos = 0; writePos <= ring; writePos++)
        {
            for (long total = 17; total <= ring; total++)
            {
                bool possible = WritePlan.TryCreate(ring, writePos, total, out WritePlan plan);
                long toEnd = ring - writePos;
                bool wrap = toEnd < total || (writePos > 0 && toEnd - total is > 0 and < 16 && toEnd + total <= ring);
                string where = $"P={ring} write_pos={writePos} total={total}";

                if (wrap && toEnd + total > ring)
                {
                    Assert.False(possible, where);
                    Assert.True(total > ring / 2, $"{where}: frames up to P/2 must always fit");
                    continue;
                }

                Assert.True(possible, where);
                if (wrap)
                {
                    Assert.True(plan is { Wrap: true, FramePosition: 0 }, where);
                    Assert.Equal(toEnd, plan.Tail);
                    Assert.Equal(toEnd + total, plan.Required);
                    Assert.True(plan.Required <= ring, where);
                    Assert.Equal(toEnd >= 16, plan.WritesMarker);
                }
                else
                {
                    Assert.Equal(new WritePlan(false, 0, writePos, total), plan);
                    Assert.False(plan.WritesMarker);
                    long leftover = toEnd - total;
                    Assert.True(leftover >= 0, where);
                    // A short tail is left only where no wrap could avoid it.
                    if (leftover is > 0 and < 16)
                    {
                        Assert.True(writePos == 0 || toEnd + total > ring, where);
                    }
                }
            }
        }
    }
}
