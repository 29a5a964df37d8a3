using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// The local ends of a bridge for the CLI tests that do not need other processes there: host A's
/// producer (the writer of the buffer <c>bridge export</c> created) and host B's reader (which
/// creates the buffer <c>bridge import</c> writes), in this process, with the library's own writer
/// and reader and the self-describing <see cref="TestFrames"/>.
/// </summary>
internal static class BridgeCliPeers
{
    /// <summary>Connection back-off for tests: quick, and exact (no jitter) where a test checks the delays.</summary>
    internal static readonly string[] QuickReconnect = ["--reconnect-min-ms", "50", "--reconnect-max-ms", "400", "--reconnect-jitter-ms", "0"];

    /// <summary>Writes test frames <paramref name="first"/>.. into <paramref name="buffer"/> (created by <c>bridge export</c>), then closes, unless <paramref name="closeAfter"/> holds it open.</summary>
    internal static Task<ulong> ProduceAsync(string buffer, int count, int size, ulong first = 1, Func<ulong, Task>? afterFrame = null, Func<Writer, ulong, Task<ulong>>? closeAfter = null) =>
        Task.Run(async () =>
        {
            using Writer writer = await Writer.ConnectAsync(buffer, Eventually.Deadline);
            writer.WriteTimeout = Timeout.InfiniteTimeSpan;
            ulong last = first + (ulong)count - 1;
            for (ulong index = first; index <= last; index++)
            {
                Span<byte> target = writer.GetFrameBuffer(size);
                TestFrames.Fill(target, index);
                writer.CommitFrame();
                if (afterFrame is not null)
                {
                    await afterFrame(index);
                }
            }

            return closeAfter is null ? last : await closeAfter(writer, last);
        });

    /// <summary>Reads <paramref name="reader"/> until the end of the stream, adding each frame to <paramref name="received"/> as it comes.</summary>
    internal static Task ReadUntilEndAsync(Reader reader, List<Received> received, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        while (true)
        {
            try
            {
                using Frame frame = await reader.ReadFrameAsync(cancellationToken);
                var arrived = new Received(frame.Sequence, TestFrames.IndexOf(frame.Span), frame.Size, TestFrames.Checksum(frame.Span));
                lock (received)
                {
                    received.Add(arrived);
                }
            }
            catch (WriterClosedException)
            {
                return;
            }
        }
    }, cancellationToken);

    /// <summary>A copy of <paramref name="received"/> now.</summary>
    internal static List<Received> Snapshot(List<Received> received)
    {
        lock (received)
        {
            return [.. received];
        }
    }
}
