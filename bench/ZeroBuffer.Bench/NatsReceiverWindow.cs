using System.Buffers.Binary;

namespace ZeroBuffer.Bench;

/// <summary>What one message was to the receiver of a NATS row.</summary>
internal enum NatsReceived
{
    /// <summary>A chunk of a frame not complete yet.</summary>
    Partial,

    /// <summary>The last (or only) message of a data frame.</summary>
    Data,

    /// <summary>The hello or the mark (<see cref="ControlFrames"/>).</summary>
    Control,

    /// <summary>The end message: the window is over.</summary>
    End,
}

/// <summary>
/// The receiving side of a NATS row, bare or bridged: puts a frame's chunks together (bare
/// frames larger than one message; the bridged reader gets whole frames from its ring), counts
/// the window (<see cref="MeasuredWindow"/>, process-wide allocations: NATS.Net and the bridge work
/// on pool threads), and for the latency rows records each frame's one-way latency from the send
/// time in its first 8 bytes.
/// </summary>
/// <param name="frameSize">The data frames' size.</param>
/// <param name="messagesPerFrame">Messages a data frame arrives in (1: each message is a frame, read in place).</param>
/// <param name="measuresLatency">Whether to record latencies (the latency rows).</param>
internal sealed class NatsReceiverWindow(int frameSize, int messagesPerFrame, bool measuresLatency)
{
    private readonly byte[]? _assembly = messagesPerFrame > 1 ? new byte[frameSize] : null;
    private int _assembled; // bytes of the frame in progress

    internal MeasuredWindow Window { get; } = new(processWide: true);

    /// <summary>One-way latencies since the mark.</summary>
    internal LatencyRecorder Latency { get; } = new(rate: 0);

    /// <summary>Takes one message (or one whole frame).</summary>
    internal NatsReceived Offer(ReadOnlySpan<byte> message)
    {
        ReadOnlySpan<byte> frame = message;
        if (_assembly is not null && (_assembled > 0 || message.Length > ControlFrames.Hello))
        {
            // Chunks of a frame come in order (one publisher, one subject); a control message never comes mid-frame.
            message.CopyTo(_assembly.AsSpan(_assembled));
            _assembled += message.Length;
            if (_assembled < frameSize)
            {
                return NatsReceived.Partial;
            }

            _assembled = 0;
            frame = _assembly;
        }

        int length = frame.Length;
        if (length > ControlFrames.Hello)
        {
            if (measuresLatency)
            {
                Latency.Record(BinaryPrimitives.ReadInt64LittleEndian(frame));
            }

            _ = Window.Count(length);
            return NatsReceived.Data;
        }

        if (length == ControlFrames.Mark)
        {
            Latency.Restart();
        }

        return Window.Count(length) ? NatsReceived.End : NatsReceived.Control;
    }
}
