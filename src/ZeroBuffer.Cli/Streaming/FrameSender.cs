using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// Sends the frames of a <see cref="FrameSource"/> to a target (a writer or a publisher): generated,
/// one per file or from stdin, each filled in place where it can be (zero copy), paced with
/// --rate or --delay-ms, reported with a <c>written</c> event, and the EXIT frame last.
/// </summary>
internal sealed class FrameSender(IFrameTarget target, FrameSource source, Output output, Interruption stop)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _paced;

    /// <summary><c>write --pause-at after-acquire</c>: the generated frame (1-based) left half filled, uncommitted, until killed; 0 for none.</summary>
    internal long PauseAfterAcquire { get; init; }

    /// <summary>Frames sent (the EXIT frame excluded).</summary>
    internal long Frames { get; private set; }

    /// <summary>Their payload bytes.</summary>
    internal long Bytes { get; private set; }

    /// <summary>Sends every frame, then the EXIT frame if asked.</summary>
    internal void Send()
    {
        if (source.Files.Length > 0)
        {
            SendFiles();
        }
        else if (source.Stdin is null)
        {
            SendGenerated();
        }
        else if (source.Stdin == "lines")
        {
            SendLines();
        }
        else
        {
            SendLengthPrefixed();
        }

        if (source.Exit)
        {
            output.Emit(new ExitFrameEvent(target.Write(FramePattern.ExitFrame, stop.Token), Sent: true));
        }
    }

    private void SendGenerated()
    {
        Random? random = source.Pattern == FramePatternKind.Random ? new Random(source.Seed) : null;
        for (long i = 0; i < source.Count; i++)
        {
            stop.Token.ThrowIfCancellationRequested();
            if (i > 0 && source.DelayMs > 0)
            {
                stop.Token.WaitHandle.WaitOne(source.DelayMs);
                stop.Token.ThrowIfCancellationRequested();
            }

            Pace();
            int size = source.Sizes[(int)(i % source.Sizes.Length)];
            Span<byte> frame = target.Claim(size, stop.Token, out ulong sequence);
            FramePattern.Fill(frame, sequence, source.Pattern, random);
            if (i + 1 == PauseAfterAcquire)
            {
                frame[(frame.Length / 2)..].Fill(0xEE); // a half-written frame: never to be seen by the reader
                FaultPoints.Pause(output, stop, FaultPoints.AfterAcquire, sequence);
            }

            Commit(frame, sequence);
        }
    }

    private void SendFiles()
    {
        foreach (FileInfo file in source.Files)
        {
            stop.Token.ThrowIfCancellationRequested();
            long length = file.Length;
            if (length == 0 || length > int.MaxValue)
            {
                throw new UsageException($"--file {file.FullName}: a frame must be 1 to {int.MaxValue} bytes (the file has {length}).");
            }

            Pace();
            // The file is read straight into the frame (no intermediate buffer).
            Span<byte> frame = target.Claim((int)length, stop.Token, out ulong sequence);
            using (Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(file.FullName))
            {
                int done = 0;
                while (done < frame.Length)
                {
                    int n = RandomAccess.Read(handle, frame[done..], done);
                    if (n == 0)
                    {
                        target.Abort();
                        throw new UsageException($"--file {file.FullName} shrank while being read.");
                    }

                    done += n;
                }
            }

            Commit(frame, sequence);
        }
    }

    private void SendLines()
    {
        using Stream stdin = Console.OpenStandardInput();
        var line = new ArrayBufferWriter<byte>(4096);
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = stdin.Read(chunk, 0, chunk.Length)) > 0)
        {
            ReadOnlySpan<byte> rest = chunk.AsSpan(0, read);
            int end;
            while ((end = rest.IndexOf((byte)'\n')) >= 0)
            {
                line.Write(rest[..end]);
                SendLine(line);
                rest = rest[(end + 1)..];
            }

            line.Write(rest);
        }

        SendLine(line);
    }

    private void SendLine(ArrayBufferWriter<byte> line)
    {
        ReadOnlySpan<byte> payload = line.WrittenSpan;
        if (payload.EndsWith((byte)'\r'))
        {
            payload = payload[..^1];
        }

        if (!payload.IsEmpty)
        {
            Pace();
            Sent(target.Write(payload, stop.Token), payload);
        }

        line.ResetWrittenCount();
    }

    private void SendLengthPrefixed()
    {
        using Stream stdin = Console.OpenStandardInput();
        Span<byte> prefix = stackalloc byte[sizeof(uint)];
        while (true)
        {
            stop.Token.ThrowIfCancellationRequested();
            int got = stdin.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got == 0)
            {
                return;
            }

            if (got < prefix.Length)
            {
                throw new UsageException($"stdin ended inside a length prefix ({got} of 4 bytes).");
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            if (length > int.MaxValue)
            {
                throw new UsageException($"Frame length {length} on stdin is larger than {int.MaxValue}.");
            }

            // Zero copy: stdin is read straight into the frame.
            Pace();
            Span<byte> frame = target.Claim((int)length, stop.Token, out ulong sequence);
            int filled = stdin.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false);
            if (filled < frame.Length)
            {
                target.Abort();
                throw new UsageException($"stdin ended inside frame {sequence} ({filled} of {length} bytes).");
            }

            Commit(frame, sequence);
        }
    }

    /// <summary>With --rate: waits until frame number <c>n</c> (0-based) is due at start + n / rate, so slow sends do not add up.</summary>
    private void Pace()
    {
        if (source.Rate is not double perSecond)
        {
            return;
        }

        TimeSpan due = TimeSpan.FromSeconds(_paced++ / perSecond);
        TimeSpan wait = due - Stopwatch.GetElapsedTime(_start);
        if (wait > TimeSpan.Zero)
        {
            stop.Token.WaitHandle.WaitOne(wait);
        }

        stop.Token.ThrowIfCancellationRequested();
    }

    /// <summary>Commits a claimed frame; its hash is taken before, while the bytes are still this process's to read.</summary>
    private void Commit(Span<byte> frame, ulong sequence)
    {
        string? sha256 = source.Hash ? Hashing.Sha256Hex(frame) : null;
        target.Commit();
        Report(sequence, frame.Length, sha256);
    }

    private void Sent(ulong sequence, ReadOnlySpan<byte> payload) => Report(sequence, payload.Length, source.Hash ? Hashing.Sha256Hex(payload) : null);

    private void Report(ulong sequence, int size, string? sha256)
    {
        Frames++;
        Bytes += size;
        output.Emit(new FrameWrittenEvent(sequence, size, sha256));
    }
}
