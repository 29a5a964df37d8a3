using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace ZeroBuffer.Bench;

/// <summary>
/// The Unix domain socket baseline (copy semantics by nature: the kernel copies in on send and
/// out on receive). Messages are length-prefixed (4-byte little-endian length, then the payload)
/// on one stream socket; the same control lengths as the ZeroBuffer peers. The passive side
/// (reader or echo) listens on the socket path and reports ready; the active side connects.
/// </summary>
internal static class UnixSocketPeers
{
    private const int HeaderSize = 4;
    private const int ReceiveChunk = 256 * 1024;
    private const int IoTimeoutMilliseconds = 30_000; // a stuck peer fails the case instead of hanging it
    private static readonly TimeSpan AcceptTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The socket path of the pair <paramref name="name"/> (in the temp directory, well under 108 bytes).</summary>
    internal static string SocketPath(string name) => Path.Combine(Path.GetTempPath(), name + ".sock");

    internal static int RunReader(Output output, Interruption stop, PeerSettings settings)
    {
        using Socket connection = Accept(output, stop, settings);
        byte[] chunk = new byte[Math.Max(ReceiveChunk, settings.FrameSize + HeaderSize)];
        var window = new MeasuredWindow();
        int headerHave = 0;
        int length = 0;
        int remaining = 0;
        bool done = false;
        while (!done)
        {
            int got = connection.Receive(chunk);
            if (got == 0)
            {
                throw new IOException("the writer closed the socket before the end message");
            }

            int i = 0;
            while (i < got && !done)
            {
                if (headerHave < HeaderSize)
                {
                    length |= chunk[i++] << (8 * headerHave);
                    if (++headerHave < HeaderSize)
                    {
                        continue;
                    }

                    remaining = length;
                }

                int take = Math.Min(remaining, got - i);
                i += take;
                remaining -= take;
                if (remaining > 0)
                {
                    continue;
                }

                // One whole message of `length` bytes arrived.
                done = window.Count(length);

                headerHave = 0;
                length = 0;
            }
        }

        window.Report(output, settings.Role);
        return ExitCodes.Success;
    }

    internal static int RunWriter(Output output, Interruption stop, PeerSettings settings)
    {
        using Socket connection = Connect(settings);
        PeerReport.Ready(output, settings.Role);
        byte[] message = Message(settings.FrameSize);
        int batch = Math.Clamp(65536 / settings.FrameSize, 1, 256);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        do
        {
            for (int i = 0; i < batch; i++)
            {
                SendAll(connection, message);
            }
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        SendAll(connection, Message(ControlFrames.Mark));
        var meter = new SideMeter();
        meter.Start();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            for (int i = 0; i < batch; i++)
            {
                SendAll(connection, message);
            }

            frames += batch;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        SendAll(connection, Message(ControlFrames.End));
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter);
        return ExitCodes.Success;
    }

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        using Socket connection = Accept(output, stop, settings);
        byte[] message = new byte[HeaderSize + Math.Max(settings.FrameSize, ControlFrames.Hello)];
        var window = new MeasuredWindow();
        while (true)
        {
            if (!ReceiveExactly(connection, message.AsSpan(0, HeaderSize)))
            {
                throw new IOException("the pinger closed the socket before the end message");
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(message);
            ReceiveExactly(connection, message.AsSpan(HeaderSize, length));
            SendAll(connection, message.AsSpan(0, HeaderSize + length));
            if (window.Count(length))
            {
                break;
            }
        }

        window.Report(output, settings.Role);
        return ExitCodes.Success;
    }

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        using Socket connection = Connect(settings);
        PeerReport.Ready(output, settings.Role);
        byte[] message = Message(settings.FrameSize);
        byte[] reply = new byte[message.Length];
        var latency = new LatencyRecorder(settings.Rate);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        latency.Restart();
        do
        {
            long reference = latency.NextSend();
            RoundTrip(connection, message, reply);
            latency.Record(reference);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        RoundTrip(connection, Message(ControlFrames.Mark), reply);
        var meter = new SideMeter();
        meter.Start();
        latency.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            long reference = latency.NextSend();
            RoundTrip(connection, message, reply);
            latency.Record(reference);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        RoundTrip(connection, Message(ControlFrames.End), reply);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, latency);
        return ExitCodes.Success;
    }

    private static void RoundTrip(Socket connection, byte[] message, byte[] reply)
    {
        SendAll(connection, message);
        if (!ReceiveExactly(connection, reply.AsSpan(0, message.Length)))
        {
            throw new IOException("the echo closed the socket");
        }
    }

    /// <summary>A length-prefixed message with a <paramref name="length"/>-byte payload.</summary>
    private static byte[] Message(int length)
    {
        byte[] message = new byte[HeaderSize + length];
        BinaryPrimitives.WriteInt32LittleEndian(message, length);
        message.AsSpan(HeaderSize).Fill(0x5A);
        return message;
    }

    private static Socket Accept(Output output, Interruption stop, PeerSettings settings)
    {
        string path = SocketPath(settings.Name);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            PeerReport.Ready(output, settings.Role);
            var waited = Stopwatch.StartNew();
            while (!listener.Poll(100_000, SelectMode.SelectRead))
            {
                stop.Token.ThrowIfCancellationRequested();
                if (waited.Elapsed > AcceptTimeout)
                {
                    throw new TimeoutException($"no connection on {path} within {AcceptTimeout.TotalSeconds:0} s");
                }
            }

            Socket connection = listener.Accept();
            connection.ReceiveTimeout = IoTimeoutMilliseconds;
            return connection;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Socket Connect(PeerSettings settings)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath(settings.Name)));
            socket.ReceiveTimeout = IoTimeoutMilliseconds;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data)..];
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; false if the peer closed first.</summary>
    private static bool ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int got = socket.Receive(buffer);
            if (got == 0)
            {
                return false;
            }

            buffer = buffer[got..];
        }

        return true;
    }
}
