using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary><c>write --file/--rate</c> and <c>read --output/--output-dir</c>: frames to and from files and stdout.</summary>
public sealed class ReadWriteIoCliTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("zb-cli-io-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public async Task WriteFiles_OneFramePerFile_ReadSavesEachFrameAndTheMetadataToTheOutputDir()
    {
        string name = TestNames.Unique("cli-files");
        byte[][] contents = [[1, 2, 3], new byte[70_000], "hello"u8.ToArray()];
        Random.Shared.NextBytes(contents[1]);
        string[] paths = new string[contents.Length];
        for (int i = 0; i < contents.Length; i++)
        {
            paths[i] = Path.Combine(_scratch.FullName, $"in-{i}.bin");
            await File.WriteAllBytesAsync(paths[i], contents[i]);
        }

        string outDir = Path.Combine(_scratch.FullName, "out");
        await using CliProcess reader = CliProcess.Start("read", name, "--json", "--count", "3", "--output-dir", outDir);
        await reader.WaitForEventAsync("ready");
        await using CliProcess writer = CliProcess.Start(["write", name, "--json", "--metadata", "codec=raw", "--file", .. paths]);
        Assert.Equal(0, await writer.WaitForExitAsync());
        Assert.Equal(0, await reader.WaitForExitAsync());

        Assert.Equal(3, writer.Events("written").Count);
        IReadOnlyList<JsonElement> frames = reader.Events("frame");
        for (int i = 0; i < contents.Length; i++)
        {
            string file = frames[i].GetProperty("file").GetString()!;
            Assert.Equal(Path.Combine(outDir, $"frame-{i + 1:D8}.bin"), file);
            Assert.Equal(contents[i], await File.ReadAllBytesAsync(file));
        }

        Assert.Equal("codec=raw"u8.ToArray(), await File.ReadAllBytesAsync(Path.Combine(outDir, "metadata.bin")));
        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReadOutputRaw_WritesOnlyPayloadsToStdout_StatusToStderr()
    {
        string name = TestNames.Unique("cli-raw");
        await using CliProcess reader = CliProcess.Start("read", name, "--count", "2", "--output", "raw");
        await WaitForBufferAsync(name);
        using (var writer = new Writer(name))
        {
            writer.WriteFrame("first line\n"u8);
            writer.WriteFrame("second line\n"u8);
            Assert.Equal(0, await reader.WaitForExitAsync());
        }

        Assert.Equal(["first line", "second line"], reader.Output);
        Assert.Contains("Done: 2 frames", reader.ErrorOutput, StringComparison.Ordinal);
        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task WriteRate_PacesTheFrames()
    {
        string name = TestNames.Unique("cli-rate");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            var clock = Stopwatch.StartNew();
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "5", "--size", "10", "--rate", "20", "--json");
            Assert.Equal(0, await writer.WaitForExitAsync());

            // Frame 5 is due 4/20 s after the first: the process cannot have finished sooner.
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(200), $"finished after {clock.Elapsed}");
            Assert.Equal(5, writer.Events("written").Count);
        }

        OsResources.AssertNone(name);
    }

    [Theory]
    [InlineData("--rate", "0")]
    [InlineData("--rate", "-3")]
    [InlineData("--file", "/nonexistent/zb-file")]
    public async Task Write_BadFileOrRate_IsAUsageError(string option, string value)
    {
        await using CliProcess cli = CliProcess.Start("write", TestNames.Unique("cli-bad"), option, value, "--json");
        JsonElement error = await cli.WaitForEventAsync("error");
        Assert.Equal(2, await cli.WaitForExitAsync());
        Assert.Equal("UsageError", error.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Write_MalformedLengthPrefixedStdin_OneErrorLineExit2()
    {
        string name = TestNames.Unique("cli-malformed");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            await using CliProcess cli = CliProcess.Start("write", name, "--stdin", "length-prefixed");
            byte[] bytes = new byte[4 + 3];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, 100); // announces 100 bytes, sends 3
            await cli.Input.BaseStream.WriteAsync(bytes);
            cli.Input.Close();
            Assert.Equal(2, await cli.WaitForExitAsync());
            Assert.Equal("error: stdin ended inside frame 1 (3 of 100 bytes).", cli.ErrorOutput);
            // Nothing half-written became visible: the writer closed (it aborted the frame), and the
            // reader finds the end of the stream without a frame.
            Assert.Throws<WriterClosedException>(() => reader.TryReadFrame(TimeSpan.Zero, out _));
            Assert.Equal(0UL, reader.GetStatus().WrittenCount);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Read_OutputWithJson_OrWithOutputDir_IsAUsageError()
    {
        string name = TestNames.Unique("cli-out-json");
        await using (CliProcess cli = CliProcess.Start("read", name, "--output", "raw", "--json"))
        {
            Assert.Equal(2, await cli.WaitForExitAsync());
        }

        await using (CliProcess cli = CliProcess.Start("read", name, "--output", "raw", "--output-dir", _scratch.FullName))
        {
            Assert.Equal(2, await cli.WaitForExitAsync());
            Assert.StartsWith("error: --output and --output-dir", cli.ErrorOutput, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>With --output the reader prints no ready event on stdout: wait until its segment is initialised.</summary>
    private static async Task WaitForBufferAsync(string name)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < CliProcess.DefaultTimeout)
        {
            if (Lifecycle.BufferCatalog.Inspect(name) is { ReaderAlive: true, PayloadSize: > 0 }) // PayloadSize is only known once oieb_size is set
            {
                return;
            }

            await Task.Delay(20); // polling a condition with a deadline, not a sleep standing in for synchronization
        }

        throw new TimeoutException($"Buffer {name} was not created.");
    }
}
