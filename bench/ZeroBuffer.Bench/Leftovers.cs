using ZeroBuffer.Cli.Demo;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>
/// Removes whatever a case's peers left behind when one was killed or failed: the ZeroBuffer
/// buffers (swept like <c>demo</c> does; the duplex channel's <c>NAME_request</c> and <c>NAME_response</c> and the fan-out
/// subscribers' <c>NAME.sub-POLICY-sI</c> and the NATS bridge's <c>NAME-a</c> and <c>NAME-b</c> too), the topic's publisher lock file, the socket file, the semaphores, the spin file and the paced semaphore pair's stamps file.
/// Peers remove their own resources on a normal exit, so this usually finds nothing.
/// </summary>
internal static class Leftovers
{
    /// <summary>Removes what the case named <paramref name="name"/> left; a buffer that cannot be removed is a warning.</summary>
    internal static void Remove(Output output, string name)
    {
        string[] buffers =
        [
            name, ZeroBufferPingPongPeers.RequestBuffer(name), ZeroBufferPingPongPeers.ReplyBuffer(name), name + "_request", name + "_response",
            .. Enumerable.Range(0, BenchPlan.IdleAsyncReaders).Select(i => ZeroBufferAsyncPeers.IdleBuffer(name, i)),
            .. Enum.GetValues<DeliveryPolicy>().SelectMany(p => Enumerable.Range(0, FanOutPeers.MaxSubscribers).Select(i => FanOutPeers.SubscriberBuffer(name, p, i))),
            NatsBridgePeers.SourceBuffer(name), NatsBridgePeers.SinkBuffer(name),
        ];
        foreach (string buffer in buffers)
        {
            if (BufferSweep.Remove(buffer) is string problem)
            {
                output.Emit(new WarningEvent(problem));
            }
        }

        File.Delete(TopicNames.PublisherLockFile(name)); // the publisher's process is gone by now: nobody holds it
        File.Delete(UnixSocketPeers.SocketPath(name));
        File.Delete(BusyPollPingPongPeers.FilePath(name));
        File.Delete(PacedSemaphorePeers.StampsPath(name));
        PosixSemaphore.Unlink(SemaphorePingPongPeers.PingName(name));
        PosixSemaphore.Unlink(SemaphorePingPongPeers.PongName(name));
    }
}
