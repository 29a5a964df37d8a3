using ZeroBuffer.Cli.Events;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>publish</c>'s view of its subscribers: a <c>joined</c> event for each (those the publisher
/// connected before it could be listened to included, once), a <c>left</c> event for each that
/// goes, and the wait for <c>--subscribers N</c>, woken by the joins rather than polling.
/// </summary>
internal sealed class SubscriberReports
{
    private readonly Publisher _publisher;
    private readonly Output _output;
    private readonly HashSet<string> _reported = []; // buffers whose join was reported, under the lock
    private TaskCompletionSource _nextJoin = new(TaskCreationOptions.RunContinuationsAsynchronously); // completed and replaced at each join

    internal SubscriberReports(Publisher publisher, Output output)
    {
        _publisher = publisher;
        _output = output;
        publisher.SubscriberJoined += (_, e) => Joined(e.Subscriber);
        publisher.SubscriberLeft += (_, e) => Left(e);

        // The constructor connected the subscribers already there before anyone listened; a join
        // on the discovery thread meanwhile is reported once all the same.
        foreach (SubscriberStatus status in publisher.GetSubscribers())
        {
            Joined(status);
        }
    }

    /// <summary>Waits until <paramref name="count"/> subscribers are connected (said once, with a <c>waiting</c> event, if they are not yet).</summary>
    /// <exception cref="OperationCanceledException">A stop came first.</exception>
    internal void WaitFor(int count, Interruption stop)
    {
        bool said = false;
        while (true)
        {
            Task join = Volatile.Read(ref _nextJoin).Task; // taken before counting: a join in between completes it
            int connected = _publisher.GetSubscribers().Count;
            if (connected >= count)
            {
                return;
            }

            if (!said)
            {
                said = true;
                _output.Emit(new WaitingForSubscribersEvent(count, connected));
            }

            join.Wait(stop.Token);
        }
    }

    private void Joined(SubscriberStatus status)
    {
        lock (_reported)
        {
            if (!_reported.Add(status.BufferName))
            {
                return;
            }

            _output.Emit(SubscriberJoinedEvent.Of(status));
        }

        Interlocked.Exchange(ref _nextJoin, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private void Left(SubscriberEventArgs e)
    {
        lock (_reported)
        {
            _ = _reported.Remove(e.Subscriber.BufferName);
        }

        _output.Emit(SubscriberLeftEvent.Of(e.Subscriber, e.Reason));
    }
}
