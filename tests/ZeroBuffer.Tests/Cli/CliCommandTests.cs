using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>The zerobuffer CLI's contract: exit codes, JSON events, text output, stdin frames, the demo.</summary>
public sealed class CliCommandTests
{
    [Fact]
    public void ExitCodes_AreTenPlusTheErrorKind()
    {
        foreach (ZeroBufferErrorKind kind in Enum.GetValues<ZeroBufferErrorKind>())
        {
            Assert.Equal(10 + (int)kind, ExitCodes.For(kind));
        }

        Assert.Equal(11, ExitCodes.For(ZeroBufferErrorKind.SystemError));
        Assert.Equal(12, ExitCodes.For(ZeroBufferErrorKind.BufferNotFound));
        Assert.Equal(16, ExitCodes.For(ZeroBufferErrorKind.WriterDead));
        Assert.Equal(23, ExitCodes.For(ZeroBufferErrorKind.BufferCorrupted));
    }

    [Theory]
    [InlineData(0UL, 1000)]
    [InlineData(1UL, 1)]
    [InlineData(255UL, 513)]
    [InlineData(12_345UL, 4097)]
    public void FramePattern_SequenceIsIPlusSequence(ulong sequence, int size)
    {
        byte[] frame = FramePattern.Sequence(size, sequence);
        for (int i = 0; i < size; i++)
        {
            Assert.Equal((byte)(i + (int)(sequence & 0xFF)), frame[i]);
        }

        Assert.True(FramePattern.MatchesSequence(frame, sequence));
        Assert.False(FramePattern.MatchesSequence(frame, sequence + 1));
        frame[size - 1] ^= 0x01;
        Assert.False(FramePattern.MatchesSequence(frame, sequence));
    }

    /// <summary>Each command's help lists its own exit codes: read can lose its writer but never miss a buffer, write the reverse; demo passes on both children's.</summary>
    [Theory]
    [InlineData("read", "16   WriterDead", "12   BufferNotFound")]
    [InlineData("write", "12   BufferNotFound", "16   WriterDead")]
    [InlineData("demo", "12   BufferNotFound", "27   DuplexHandlerFailed")]
    [InlineData("demo", "16   WriterDead", "\n  5    ")]
    public async Task Help_DocumentsEventsAndItsOwnExitCodes(string command, string listed, string notListed)
    {
        await using CliProcess cli = CliProcess.Start(command, "--help");
        Assert.Equal(0, await cli.WaitForExitAsync());
        string help = string.Join('\n', cli.Output);
        Assert.Contains("Exit codes:", help, StringComparison.Ordinal);
        Assert.Contains(listed, help, StringComparison.Ordinal);
        Assert.DoesNotContain(notListed, help, StringComparison.Ordinal);
        Assert.Contains("\"event\":", help, StringComparison.Ordinal);
        Assert.Contains("--json", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("read")]                            // missing NAME
    [InlineData("write", "x", "--bogus")]           // unknown option
    [InlineData("write", "x", "--sizes", "1,zero")] // invalid value
    [InlineData("write", "x", "--pattern", "stripes")]
    [InlineData("read", "bad/name")]                // name rule (an ArgumentException from the library)
    [InlineData("demo", "--frame-size", "1000000", "--ring-size", "1000000")] // ring too small for the frame
    [InlineData("read", "x", "--count", "abc")]     // not a number: the parser's error, never a check's crash (was exit 134)
    [InlineData("read", "x", "--payload-size", "32Q")]  // not a size suffix
    [InlineData("read", "x", "--payload-size", "99999999999G")] // overflow
    [InlineData("write", "x", "--size", "2G")]          // above an int
    [InlineData("write", "x", "--rate", "fast")]
    [InlineData("write", "x", "--count", "99999999999999999999")] // overflow
    [InlineData("serve", "x", "--xor", "abc")]
    [InlineData("serve", "x", "--max-sessions", "many")]
    [InlineData("demo", "--seconds", "soon")]
    [InlineData("call", "x", "--count", "-")]
    public async Task UsageErrors_ExitWith2AndAnErrorEvent(params string[] args)
    {
        await using CliProcess cli = CliProcess.Start([.. args, "--json"]);
        Assert.Equal(2, await cli.WaitForExitAsync());
        JsonElement error = Assert.Single(cli.Events("error"));
        Assert.Equal("UsageError", error.GetProperty("kind").GetString());
        Assert.StartsWith("error: ", cli.ErrorOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", cli.ErrorOutput, StringComparison.Ordinal);
    }

    /// <summary>Sizes take K/M/G and KiB/MiB/GiB (powers of 1024) on every size option, through one parser.</summary>
    [Fact]
    public async Task Sizes_TakeSuffixes_OnEveryCommand()
    {
        string name = TestNames.Unique("cli-sizes");
        await using (CliProcess reader = CliProcess.Start("read", name, "--payload-size", "32M", "--metadata-size", "4KiB", "--count", "1", "--json"))
        {
            JsonElement ready = await reader.WaitForEventAsync("ready");
            Assert.Equal(32L << 20, ready.GetProperty("payloadSize").GetInt64());
            Assert.Equal(4096, ready.GetProperty("metadataSize").GetInt64());
            await using (CliProcess writer = CliProcess.Start("write", name, "--size", "1M", "--count", "1", "--json"))
            {
                Assert.Equal(0, await writer.WaitForExitAsync());
            }

            Assert.Equal(1L << 20, (await reader.WaitForEventAsync("frame")).GetProperty("size").GetInt64());
            Assert.Equal(0, await reader.WaitForExitAsync());
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Piped, the human-readable output of list and inspect has no escape sequence, and a long name stays on one line (greppable).</summary>
    [Fact]
    public async Task PipedTables_HaveNoEscapes_AndKeepLongNamesOnOneLine()
    {
        string name = TestNames.Unique("cli-piped-" + new string('n', 100));
        await using (CliProcess reader = CliProcess.Start("read", name, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            foreach (string[] args in new[] { new[] { "list" }, new[] { "inspect", name } })
            {
                await using CliProcess cli = CliProcess.Start(args);
                Assert.Equal(0, await cli.WaitForExitAsync());
                Assert.DoesNotContain(cli.Output, line => line.Contains('\u001b', StringComparison.Ordinal));
                Assert.Contains(cli.Output, line => line.Contains(name, StringComparison.Ordinal));
            }

            await reader.TerminateAsync(TimeSpan.FromSeconds(10));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Read_NoFrameWithinTimeout_Exits3()
    {
        string name = TestNames.Unique("cli-timeout");
        await using (CliProcess cli = CliProcess.Start("read", name, "--timeout-ms", "300", "--json"))
        {
            JsonElement ready = await cli.WaitForEventAsync("ready");
            Assert.Equal(name, ready.GetProperty("name").GetString());
            Assert.Equal(1024, ready.GetProperty("metadataSize").GetInt64());
            Assert.Equal(1024 * 1024, ready.GetProperty("payloadSize").GetInt64());
            await cli.WaitForEventAsync("timeout");
            Assert.Equal(3, await cli.WaitForExitAsync());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Read_Sigterm_RemovesTheBufferAndExits130()
    {
        string name = TestNames.Unique("cli-sigterm");
        await using (CliProcess cli = CliProcess.Start("read", name, "--json"))
        {
            await cli.WaitForEventAsync("ready");
            OsResources.AssertAll(name);
            await cli.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(130, await cli.WaitForExitAsync());
            Assert.Equal("Interrupted", Assert.Single(cli.Events("error")).GetProperty("kind").GetString());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Read_CountReached_ReportsDone()
    {
        string name = TestNames.Unique("cli-count");
        await using (CliProcess cli = CliProcess.Start("read", name, "--count", "3", "--json"))
        {
            await cli.WaitForEventAsync("ready");
            using var writer = new Writer(name);
            writer.WriteFrame(new byte[10]);
            writer.WriteFrame(new byte[20]);
            writer.WriteFrame(new byte[30]);
            JsonElement done = await cli.WaitForEventAsync("done");
            Assert.Equal(3, done.GetProperty("frames").GetInt64());
            Assert.Equal(60, done.GetProperty("bytes").GetInt64());
            Assert.Equal(0, await cli.WaitForExitAsync());
            Assert.Equal([1UL, 2UL, 3UL], cli.Events("frame").Select(f => f.GetProperty("sequence").GetUInt64()));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Read_TextMode_PrintsFrameAndHashLines()
    {
        string name = TestNames.Unique("cli-text");
        byte[] payload = Encoding.ASCII.GetBytes("Hello, ZeroBuffer from another process!");
        await using (CliProcess cli = CliProcess.Start("read", name, "--hash"))
        {
            await cli.WaitForLineAsync(l => l.StartsWith("Created buffer", StringComparison.Ordinal));
            using var writer = new Writer(name);
            writer.WriteFrame(payload);
            writer.WriteFrame(FramePattern.ExitFrame);
            Assert.Equal(0, await cli.WaitForExitAsync());
            Assert.Contains("Read frame 1, size: 39", cli.Output);
            Assert.Contains("Hash: " + Convert.ToHexStringLower(SHA256.HashData(payload)), cli.Output);
            Assert.DoesNotContain(cli.Output, l => l.StartsWith('{'));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Write_FramesFromStdinLines()
    {
        string name = TestNames.Unique("cli-lines");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            await using CliProcess cli = CliProcess.Start("write", name, "--stdin", "lines", "--exit", "--json");
            await cli.WaitForEventAsync("connected");
            await cli.Input.WriteAsync("alpha\nbeta\r\n\ngrüße");
            cli.Input.Close();
            Assert.Equal(0, await cli.WaitForExitAsync());

            string[] expected = ["alpha", "beta", "grüße"];
            for (int i = 0; i < expected.Length; i++)
            {
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(expected[i], Encoding.UTF8.GetString(frame.Span));
            }

            using Frame exit = reader.ReadFrame(TimeSpan.FromSeconds(5));
            Assert.True(FramePattern.IsExitFrame(exit.Span));
            Assert.Equal(3, cli.Events("written").Count);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Write_FramesFromStdinLengthPrefixed()
    {
        string name = TestNames.Unique("cli-lp");
        byte[][] frames = [[0, 10, 13, 255], FramePattern.Sequence(5000, 9), [7]];
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            await using CliProcess cli = CliProcess.Start("write", name, "--stdin", "length-prefixed", "--hash", "--json");
            await cli.WaitForEventAsync("connected");
            Stream stdin = cli.Input.BaseStream;
            byte[] prefix = new byte[4];
            foreach (byte[] frame in frames)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)frame.Length);
                await stdin.WriteAsync(prefix);
                await stdin.WriteAsync(frame);
            }

            cli.Input.Close();
            Assert.Equal(0, await cli.WaitForExitAsync());
            IReadOnlyList<JsonElement> written = cli.Events("written");
            for (int i = 0; i < frames.Length; i++)
            {
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
                Assert.Equal(frames[i], frame.ToArray());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(frames[i])), written[i].GetProperty("sha256").GetString());
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Write_TooLargeAndFull_ReportTheirKinds()
    {
        string name = TestNames.Unique("cli-limits");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            await using (CliProcess tooLarge = CliProcess.Start("write", name, "--size", "5000", "--json"))
            {
                Assert.Equal(18, await tooLarge.WaitForExitAsync());
                Assert.Equal("FrameTooLarge", Assert.Single(tooLarge.Events("error")).GetProperty("kind").GetString());
            }

            // Nobody reads: after ~4 frames the ring is full and the short write timeout expires.
            await using (CliProcess full = CliProcess.Start("write", name, "--size", "1000", "--count", "10", "--write-timeout-ms", "200", "--json"))
            {
                Assert.Equal(17, await full.WaitForExitAsync());
                Assert.Equal("BufferFull", Assert.Single(full.Events("error")).GetProperty("kind").GetString());
                Assert.Equal(4, full.Events("written").Count);
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Write_ZeroAndRandomPatterns()
    {
        string name = TestNames.Unique("cli-patterns");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            await using (CliProcess zero = CliProcess.Start("write", name, "--pattern", "zero", "--count", "1", "--size", "300"))
            {
                Assert.Equal(0, await zero.WaitForExitAsync());
            }

            using (Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5)))
            {
                Assert.Equal(new byte[300], frame.ToArray());
            }

            await using (CliProcess random = CliProcess.Start("write", name, "--pattern", "random", "--seed", "5", "--count", "1", "--size", "300"))
            {
                Assert.Equal(0, await random.WaitForExitAsync());
            }

            byte[] expected = new byte[300];
            new Random(5).NextBytes(expected);
            using (Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5)))
            {
                Assert.Equal(expected, frame.ToArray());
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Demo_StreamsVerifiesAndLeavesNothingBehind()
    {
        await using CliProcess demo = CliProcess.Start("demo", "--seconds", "1", "--frame-size", "65536", "--ring-size", "1048576", "--json");
        string name = (await demo.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await demo.WaitForEventAsync("summary", TimeSpan.FromSeconds(60));
        Assert.Equal(0, await demo.WaitForExitAsync());

        Assert.True(summary.GetProperty("verified").GetBoolean(), summary.GetProperty("verdict").GetString());
        Assert.Equal(0, summary.GetProperty("errors").GetInt64());
        long frames = summary.GetProperty("frames").GetInt64();
        Assert.True(frames > 0);
        Assert.Equal(summary.GetProperty("framesWritten").GetInt64(), frames);
        Assert.Equal(frames * 65536, summary.GetProperty("bytes").GetInt64());
        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Demo_ParentKilled_ChildrenStopAndRemoveTheBuffer()
    {
        await using CliProcess demo = CliProcess.Start("demo", "--seconds", "60", "--frame-size", "65536", "--ring-size", "1048576", "--json");
        string name = (await demo.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        await demo.WaitForLineAsync(l => l.Contains("\"event\":\"progress\"", StringComparison.Ordinal) && !l.Contains("\"read\":0,", StringComparison.Ordinal));
        Assert.NotEmpty(OsResources.Existing(name));

        await demo.KillAsync(); // SIGKILL: no cleanup in the parent; the children see their stdin close

        // Wait (bounded) for the reader child to notice and remove the buffer.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (OsResources.Existing(name).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        OsResources.AssertNone(name);
    }
}
