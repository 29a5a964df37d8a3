using System.Reflection;
using System.Text.Json;
using ZeroBuffer.Cli.Commands;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary><c>zerobuffer layout --json</c>: the layout as data, for implementations in other languages to compare with.</summary>
public sealed class LayoutCommandTests
{
    [Fact]
    public async Task Layout_PrintsEveryLayoutConstantAndTheNameFormats()
    {
        await using CliProcess cli = CliProcess.Start("layout", "--json");
        JsonElement layout = await cli.WaitForEventAsync("layout");
        Assert.Equal(0, await cli.WaitForExitAsync());
        Assert.Equal("1.0.0", layout.GetProperty("protocolVersion").GetString());

        // Every public constant of ZeroBufferLayout, with its value, and nothing else.
        FieldInfo[] constants = [.. typeof(ZeroBufferLayout).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral)];
        JsonElement printed = layout.GetProperty("constants");
        Assert.Equal(constants.Length, printed.EnumerateObject().Count());
        foreach (FieldInfo field in constants)
        {
            Assert.True(printed.TryGetProperty(field.Name, out JsonElement value), $"{field.Name} is missing");
            Assert.Equal(Convert.ToUInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture), value.GetUInt64());
        }

        // Spot checks against protocol-v1 §2, independent of reflection.
        Assert.Equal(128, printed.GetProperty("OiebSize").GetInt32());
        Assert.Equal(40, printed.GetProperty("PayloadFreeBytesOffset").GetInt32());
        Assert.Equal(88, printed.GetProperty("ReaderPidOffset").GetInt32());
        Assert.Equal(16, printed.GetProperty("FrameHeaderSize").GetInt32());

        JsonElement names = layout.GetProperty("names");
        Assert.Equal(ResourceNames.Segment("{name}"), names.GetProperty("segment").GetString());
        Assert.Equal("/{name}", names.GetProperty("segment").GetString());
        Assert.Equal("/dev/shm/{name}", names.GetProperty("segmentFile").GetString());
        Assert.Equal("/sem-w-{name}", names.GetProperty("dataAvailableSemaphore").GetString());
        Assert.Equal("/sem-r-{name}", names.GetProperty("spaceAvailableSemaphore").GetString());
        Assert.Equal("/dev/shm/sem.sem-w-{name}", names.GetProperty("dataAvailableSemaphoreFile").GetString());
        Assert.Equal("/dev/shm/sem.sem-r-{name}", names.GetProperty("spaceAvailableSemaphoreFile").GetString());
        Assert.Equal(ResourceNames.LockDirectory, names.GetProperty("lockDirectory").GetString());
        Assert.Equal(ResourceNames.LockFile("{name}"), names.GetProperty("lockFile").GetString());
        Assert.Equal(".lock", names.GetProperty("lockFileExtension").GetString());
        Assert.Equal(ResourceNames.MaxNameLength, names.GetProperty("maxNameLength").GetInt32());
        Assert.Equal(ResourceNames.NameRule, names.GetProperty("nameRule").GetString());
        Assert.Equal(LayoutCommand.NameFormats().Count + 1, names.EnumerateObject().Count());
    }

    [Fact]
    public async Task Layout_TextModeListsTheConstants()
    {
        await using CliProcess cli = CliProcess.Start("layout");
        Assert.Equal(0, await cli.WaitForExitAsync());
        string text = string.Join('\n', cli.Output);
        Assert.Contains("protocol version 1.0.0", text, StringComparison.Ordinal);
        Assert.Contains("PayloadWrittenCountOffset", text, StringComparison.Ordinal);
        Assert.Contains("/sem-w-{name}", text, StringComparison.Ordinal);
    }
}
