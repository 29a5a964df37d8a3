using ZeroBuffer.Cli.Commands;

namespace ZeroBuffer.Bench;

/// <summary>
/// Removes whatever a case's peers left behind when one was killed or failed: the ZeroBuffer
/// buffers (swept like <c>demo</c> does; the duplex channel's <c>NAME_request</c> and <c>NAME_response</c> too), the socket file, the semaphores and the spin file.
/// Peers remove their own resources on a normal exit, so this usually finds nothing.
/// </summary>
internal static class Leftovers
{
    internal static void Remove(string name)
    {
        foreach (string buffer in new[] { name, ZeroBufferPingPongPeers.RequestBuffer(name), ZeroBufferPingPongPeers.ReplyBuffer(name),
                     name + "_request", name + "_response" })
        {
            DemoCommand.RemoveLeftovers(buffer);
        }

        for (int i = 0; i < BenchPlan.IdleAsyncReaders; i++)
        {
            DemoCommand.RemoveLeftovers(ZeroBufferAsyncPeers.IdleBuffer(name, i));
        }

        File.Delete(UnixSocketPeers.SocketPath(name));
        File.Delete(BusyPollPingPongPeers.FilePath(name));
        PosixSemaphore.Unlink(SemaphorePingPongPeers.PingName(name));
        PosixSemaphore.Unlink(SemaphorePingPongPeers.PongName(name));
    }
}
