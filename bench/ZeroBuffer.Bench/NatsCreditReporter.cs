using System.Buffers.Binary;
using NATS.Client.Core;

namespace ZeroBuffer.Bench;

/// <summary>
/// The receiver's half of <see cref="NatsCreditWindow"/>: counts the data frames received and
/// publishes the count (8 bytes, little-endian) every <see cref="NatsCreditWindow.ReportEvery"/> frames.
/// </summary>
internal sealed class NatsCreditReporter(INatsConnection connection, PeerSettings settings)
{
    private readonly string _subject = NatsCreditWindow.Subject(settings.Name);
    private readonly int _every = NatsCreditWindow.ReportEvery(settings);
    private readonly byte[] _count = new byte[sizeof(long)]; // reused: the client copies it before a publish completes
    private long _received;

    /// <summary>One more data frame received; publishes the count when it is due.</summary>
    internal ValueTask ReceivedAsync(CancellationToken cancellationToken)
    {
        if (++_received % _every != 0)
        {
            return ValueTask.CompletedTask;
        }

        BinaryPrimitives.WriteInt64LittleEndian(_count, _received);
        return connection.PublishAsync(_subject, (ReadOnlyMemory<byte>)_count, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default,
            cancellationToken: cancellationToken);
    }

    /// <summary>The same, from a thread that may block (the bridge's reader).</summary>
    internal void Received(CancellationToken cancellationToken)
    {
        ValueTask publish = ReceivedAsync(cancellationToken);
        if (!publish.IsCompletedSuccessfully)
        {
            publish.AsTask().GetAwaiter().GetResult();
        }
    }
}
