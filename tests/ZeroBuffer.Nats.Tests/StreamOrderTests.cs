using ZeroBuffer.Nats.Internal;

namespace ZeroBuffer.Nats.Tests;

/// <summary>JetStream messages handed on in stream order, once each, whatever order they come in.</summary>
public sealed class StreamOrderTests
{
    private readonly List<int> _ready = [];
    private readonly List<int> _duplicates = [];

    [Fact]
    public void Messages_after_a_hole_wait_for_it_and_redeliveries_are_duplicates()
    {
        var order = new StreamOrder<int>(next: 5);
        order.Offer(5, 5, now: 0, _ready, _duplicates);
        order.Offer(7, 7, now: 1, _ready, _duplicates); // 6 was lost in flight: redelivered later
        order.Offer(8, 8, now: 2, _ready, _duplicates);
        Assert.Equal([5], _ready);
        Assert.Equal(2, order.HeldCount);

        order.Offer(7, 7, now: 3, _ready, _duplicates); // 7 redelivered too
        order.Offer(6, 6, now: 4, _ready, _duplicates);
        order.Offer(4, 4, now: 5, _ready, _duplicates); // before the start: already committed

        Assert.Equal([5, 6, 7, 8], _ready);
        Assert.Equal([7, 4], _duplicates);
        Assert.Equal(9UL, order.Next);
    }

    [Fact]
    public void A_hole_that_outlasts_the_patience_is_given_up()
    {
        var order = new StreamOrder<int>(next: 1);
        order.Offer(3, 3, now: 100, _ready, _duplicates);
        Assert.False(order.HoleExpired(now: 150, patience: 100));
        Assert.True(order.HoleExpired(now: 200, patience: 100));

        Assert.Equal(2UL, order.GiveUpHole(now: 200, _ready));
        Assert.Equal([3], _ready);
        Assert.Equal(4UL, order.Next);
        Assert.False(order.HoleExpired(now: 1000, patience: 100));
    }
}
