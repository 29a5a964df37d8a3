using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

// The scenarios whose peer is another OS process: the zerobuffer CLI (see CliProcess).
public sealed partial class ScenarioTests
{
    /// <summary>"Within 1 s" liveness bound of protocol-v1 §6, plus slack for a loaded 2-core machine.</summary>
    private static readonly TimeSpan CrossProcessDeadPeerBound = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Test_1_1_SimpleWriteReadCycle()
    {
        string name = TestNames.Unique("s11");
        byte[] message = Encoding.ASCII.GetBytes("Hello, ZeroBuffer from another process!");
        Assert.Equal(39, message.Length);

        await using (CliProcess reader = CliProcess.Start("read", name, "--hash", "--json"))
        {
            JsonElement ready = await reader.WaitForEventAsync("ready");
            Assert.Equal(reader.Pid, ready.GetProperty("pid").GetInt32());
            using (var writer = new Writer(name))
            {
                writer.WriteFrame(message);
                JsonElement frame = await reader.WaitForEventAsync("frame");
                Assert.Equal(1UL, frame.GetProperty("sequence").GetUInt64());
                Assert.Equal(39, frame.GetProperty("size").GetInt32());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(message)), frame.GetProperty("sha256").GetString());

                writer.WriteFrame("EXIT"u8);
                JsonElement exit = await reader.WaitForEventAsync("exit-frame");
                Assert.Equal(2UL, exit.GetProperty("sequence").GetUInt64());
                Assert.Equal(0, await reader.WaitForExitAsync());
            }
        }

        // The reader process removed the buffer on its way out.
        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Test_2_1_WriterCrashDetection()
    {
        string name = TestNames.Unique("s21");
        using (var reader = new Reader(name, new BufferConfig(256, 64 * 1024)))
        {
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "1", "--size", "1000", "--hold", "--json");
            await writer.WaitForEventAsync("holding");
            Assert.True(reader.IsWriterConnected());

            var sinceKill = Stopwatch.StartNew();
            await writer.KillAsync(); // SIGKILL: the writer never disconnects cleanly

            // What the writer committed before dying is still delivered...
            using (Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(10)))
            {
                Assert.True(frame.IsValid);
                Assert.Equal(1UL, frame.Sequence);
                Assert.True(FramePattern.MatchesSequence(frame.Span, 1));
            }

            // ...then the death is reported within the liveness bound, although the timeout is far longer.
            Assert.Throws<WriterDeadException>(() => reader.ReadFrame(TimeSpan.FromSeconds(30)));
            sinceKill.Stop();
            Assert.True(sinceKill.Elapsed < CrossProcessDeadPeerBound, $"writer death reported after {sinceKill.Elapsed.TotalMilliseconds:0} ms");
            Assert.False(reader.IsWriterConnected());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Test_2_2_ReaderCrashDetection()
    {
        string name = TestNames.Unique("s22");
        byte[] payload = FramePattern.Sequence(1000, 7);
        try
        {
            // The reader process holds the first frame for a long time (--delay-ms), so the ring fills up.
            await using CliProcess reader = CliProcess.Start("read", name, "--payload-size", "8192", "--delay-ms", "600000", "--json");
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(30) };
            writer.WriteFrame(payload);
            await reader.WaitForEventAsync("frame");
            while (writer.TryWriteFrame(payload, TimeSpan.FromMilliseconds(50)))
            {
            }

            // The ring is full: the next write waits for space, with a 30 s WriteTimeout.
            Task blockedWrite = Task.Run(() => writer.WriteFrame(payload));
            var sinceKill = Stopwatch.StartNew();
            await reader.KillAsync();

            await Assert.ThrowsAsync<ReaderDeadException>(() => blockedWrite.WaitAsync(TimeSpan.FromSeconds(20)));
            sinceKill.Stop();
            Assert.True(sinceKill.Elapsed < CrossProcessDeadPeerBound, $"reader death reported after {sinceKill.Elapsed.TotalMilliseconds:0} ms (WriteTimeout is 30 s)");
            Assert.False(writer.IsReaderConnected());
        }
        finally
        {
            // A SIGKILLed reader cannot remove its buffer; sweep it (the writer is disposed by now).
            CliProcess.RemoveAbandonedBuffer(name);
        }

        OsResources.AssertNone(name);
    }
}
