using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// Reader and writer in two OS processes: this test process and the zerobuffer CLI. Frames,
/// metadata and typed errors must cross the process boundary intact.
/// </summary>
public sealed class CrossProcessTests
{
    private const int FrameCount = 10_000;

    /// <summary>Mixed sizes, cycled: 1 byte up to half the ring, so the write position visits every kind of tail (marker wraps, implicit wraps, exact ends).</summary>
    private static readonly int[] MixedSizes = [1, 17, 100, 1000, 4095, 10_000, 32_752, 3, 64, 250, 5000, 2047, 15, 16, 31];

    /// <summary>64 KiB ring: the 10 000 frames (~40 MB) wrap it hundreds of times.</summary>
    private const long RingSize = 64 * 1024;

    private static readonly TimeSpan DeadPeerBound = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task CrossProcessReaderWriterExchange()
    {
        string name = TestNames.Unique("xp-exchange");
        var received = new Dictionary<ulong, string>(FrameCount);
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        {
            await using CliProcess writer = CliProcess.Start(
                "write", name, "--count", FrameCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--sizes", string.Join(',', MixedSizes), "--hash", "--exit", "--json");

            long totalBytes = 0;
            while (true)
            {
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(30));
                Assert.True(frame.IsValid, $"no frame after {received.Count} frames; CLI stderr: {writer.ErrorOutput}");
                if (FramePattern.IsExitFrame(frame.Span))
                {
                    Assert.Equal((ulong)FrameCount + 1, frame.Sequence);
                    break;
                }

                int index = received.Count;
                Assert.Equal((ulong)index + 1, frame.Sequence);
                Assert.Equal(MixedSizes[index % MixedSizes.Length], frame.Size);
                Assert.True(FramePattern.MatchesSequence(frame.Span, frame.Sequence), $"frame {frame.Sequence} content differs from the sequence pattern");
                received.Add(frame.Sequence, Convert.ToHexStringLower(SHA256.HashData(frame.Span)));
                totalBytes += frame.Size;
            }

            Assert.Equal(0, await writer.WaitForExitAsync());
            Assert.True(totalBytes > 100 * RingSize, "the exchange must wrap the ring many times");
            Assert.Equal(RingSize, (long)reader.GetStatus().PayloadFreeBytes);

            // Every hash the writer process computed before commit equals the one computed here.
            IReadOnlyList<JsonElement> written = writer.Events("written");
            Assert.Equal(FrameCount, written.Count);
            foreach (JsonElement w in written)
            {
                ulong sequence = w.GetProperty("sequence").GetUInt64();
                Assert.Equal(w.GetProperty("sha256").GetString(), received[sequence]);
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CrossProcessReaderWriterExchange_CliReader()
    {
        // The reverse direction: this process writes, the CLI reads and hashes.
        string name = TestNames.Unique("xp-exchange-rev");
        var sent = new string[FrameCount];
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "0", "--payload-size",
                         RingSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--hash", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using (var writer = new Writer(name))
            {
                for (int i = 0; i < FrameCount; i++)
                {
                    Span<byte> target = writer.GetFrameBuffer(MixedSizes[i % MixedSizes.Length], out ulong sequence);
                    Assert.Equal((ulong)i + 1, sequence);
                    FramePattern.FillSequence(target, sequence);
                    sent[i] = Convert.ToHexStringLower(SHA256.HashData(target));
                    writer.CommitFrame();
                }

                writer.WriteFrame(FramePattern.ExitFrame);
                await reader.WaitForEventAsync("exit-frame");
                Assert.Equal(0, await reader.WaitForExitAsync());
            }

            IReadOnlyList<JsonElement> frames = reader.Events("frame");
            Assert.Equal(FrameCount, frames.Count);
            for (int i = 0; i < FrameCount; i++)
            {
                Assert.Equal((ulong)i + 1, frames[i].GetProperty("sequence").GetUInt64());
                Assert.Equal(MixedSizes[i % MixedSizes.Length], frames[i].GetProperty("size").GetInt32());
                Assert.Equal(sent[i], frames[i].GetProperty("sha256").GetString());
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CrossProcessMetadataSharing()
    {
        // Binary metadata written by the CLI (from a file) is read here.
        string name = TestNames.Unique("xp-meta");
        byte[] binary = new byte[300];
        new Random(42).NextBytes(binary);
        binary[0] = 0xFF; // not valid UTF-8
        string file = Path.Combine(Path.GetTempPath(), name + ".bin");
        await File.WriteAllBytesAsync(file, binary);
        try
        {
            using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
            {
                Assert.True(reader.GetMetadata().IsEmpty);
                await using CliProcess writer = CliProcess.Start("write", name, "--metadata-file", file, "--count", "1", "--json");
                Assert.Equal(0, await writer.WaitForExitAsync());
                Assert.Equal(binary, reader.GetMetadata().ToArray());
                Assert.Equal(8UL + (ulong)binary.Length, reader.GetStatus().MetadataWrittenBytes);
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(10));
                Assert.Equal(1UL, frame.Sequence);
            }
        }
        finally
        {
            File.Delete(file);
        }

        OsResources.AssertNone(name);

        // Text metadata written here is read by the CLI.
        string name2 = TestNames.Unique("xp-meta-rev");
        string text = "format=yuv420p; width=1920; height=1080; fps=60; source=caméra 0";
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        await using (CliProcess reader = CliProcess.Start("read", name2, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name2);
            writer.SetMetadata(utf8);
            JsonElement metadata = await reader.WaitForEventAsync("metadata"); // reported without any frame
            Assert.Equal(utf8.Length, metadata.GetProperty("size").GetInt32());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(utf8)), metadata.GetProperty("sha256").GetString());
            Assert.Equal(text, metadata.GetProperty("text").GetString());
            writer.WriteFrame(FramePattern.ExitFrame);
            Assert.Equal(0, await reader.WaitForExitAsync());
            Assert.Single(reader.Events("metadata"));
        }

        OsResources.AssertNone(name2);
    }

    [Fact]
    public async Task CrossProcessErrorDetection()
    {
        // Writer without reader → BufferNotFound (exit 12).
        string missing = TestNames.Unique("xp-missing");
        await using (CliProcess writer = CliProcess.Start("write", missing, "--json"))
        {
            Assert.Equal(12, await writer.WaitForExitAsync());
            AssertError(writer, "BufferNotFound");
            Assert.Contains(missing, writer.ErrorOutput, StringComparison.Ordinal);
        }

        OsResources.AssertNone(missing);

        string name = TestNames.Unique("xp-errors");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            using (var writer = new Writer(name))
            {
                // Second writer process while this one is connected → WriterAlreadyConnected (exit 14).
                await using (CliProcess second = CliProcess.Start("write", name, "--json"))
                {
                    Assert.Equal(14, await second.WaitForExitAsync());
                    AssertError(second, "WriterAlreadyConnected");
                }

                // Second reader process → ReaderAlreadyConnected (exit 13).
                await using (CliProcess secondReader = CliProcess.Start("read", name, "--json"))
                {
                    Assert.Equal(13, await secondReader.WaitForExitAsync());
                    AssertError(secondReader, "ReaderAlreadyConnected");
                }

                // The failed attempts did not disturb this writer.
                Assert.Equal((ulong)Environment.ProcessId, reader.GetStatus().WriterPid);
                writer.WriteFrame([1, 2, 3]);
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
                Assert.Equal(1UL, frame.Sequence);
            }

            // Killed writer process → WriterDeadException here, within the liveness bound.
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "0", "--hold", "--json"))
            {
                await writer.WaitForEventAsync("holding");
                var sinceKill = Stopwatch.StartNew();
                await writer.KillAsync();
                Assert.Throws<WriterDeadException>(() => reader.ReadFrame(TimeSpan.FromSeconds(30)));
                Assert.True(sinceKill.Elapsed < DeadPeerBound, $"writer death reported after {sinceKill.Elapsed.TotalMilliseconds:0} ms");
            }
        }

        OsResources.AssertNone(name);

        // The other way round: the CLI reports this process's writer closing (the end of the stream, exit 0)...
        string name2 = TestNames.Unique("xp-writer-gone");
        await using (CliProcess reader = CliProcess.Start("read", name2, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using (var writer = new Writer(name2))
            {
                writer.WriteFrame([42]);
                await reader.WaitForEventAsync("frame");
            }

            Assert.Equal(0, await reader.WaitForExitAsync());
            Assert.Equal(1, reader.Events("end").Single().GetProperty("frames").GetInt64());
        }

        OsResources.AssertNone(name2);

        // ...and this process's reader closing (ReaderClosed, a ReaderDead with its own kind: exit 25).
        string name3 = TestNames.Unique("xp-reader-gone");
        CliProcess? cliWriter = null;
        try
        {
            using (var reader = new Reader(name3, new BufferConfig(0, 4096)))
            {
                cliWriter = CliProcess.Start("write", name3, "--count", "1000000", "--size", "1000", "--json");
                await cliWriter.WaitForEventAsync("written");
            }

            Assert.Equal(25, await cliWriter.WaitForExitAsync());
            AssertError(cliWriter, "ReaderClosed");
        }
        finally
        {
            if (cliWriter is not null)
            {
                await cliWriter.DisposeAsync();
            }
        }

        OsResources.AssertNone(name3);
    }

    [Fact]
    public async Task SequentialWriterProcesses_EachStartsAtSequenceOne()
    {
        // Regression: each writer process writes and disconnects before the reader takes its frame,
        // so the reader sees writer PID 0 both times; the second sequence-1 frame is still a new
        // connection (protocol-v1 §4 step 4), not a sequence error.
        string name = TestNames.Unique("xp-sequential");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            for (int connection = 0; connection < 3; connection++)
            {
                await using (CliProcess writer = CliProcess.Start("write", name, "--count", "2", "--size", "100"))
                {
                    Assert.Equal(0, await writer.WaitForExitAsync());
                }

                Assert.Equal(0UL, reader.GetStatus().WriterPid);
                for (ulong sequence = 1; sequence <= 2; sequence++)
                {
                    using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
                    Assert.Equal(sequence, frame.Sequence);
                    Assert.True(FramePattern.MatchesSequence(frame.Span, sequence));
                }
            }
        }

        OsResources.AssertNone(name);
    }

    private static void AssertError(CliProcess process, string kind)
    {
        JsonElement error = Assert.Single(process.Events("error"));
        Assert.Equal(kind, error.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.StartsWith("error: ", process.ErrorOutput, StringComparison.Ordinal);
    }
}
