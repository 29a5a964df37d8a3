using System.Text.Json;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// Buffers are owner-only unless their creator shares them (docs/protocol.md §1): the modes of
/// every object, and what another user gets. "Another user" is <c>nobody</c> (uid 65534) through
/// <c>setpriv</c>, which needs root like the namespace tests; root itself bypasses file modes.
/// </summary>
public sealed class AccessControlTests
{
    private const int Nobody = 65534;

    [Theory]
    [InlineData(BufferAccess.Owner, UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData(BufferAccess.Group, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite)]
    [InlineData(BufferAccess.Everyone, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
                                       | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)]
    public void EveryObjectGetsTheModeOfItsAccess(BufferAccess access, UnixFileMode expected)
    {
        string name = TestNames.Unique("acl-mode");
        using (new Reader(name, new BufferConfig(0, 4096) { Access = access }))
        {
            foreach (string path in new[]
                     {
                         ResourceNames.SegmentFile(name),
                         ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name)),
                         ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name)),
                         ResourceNames.LockFile(name),
                         ResourceNames.UpstreamLockFile(name),
                     })
            {
                UnixFileMode mode = new FileInfo(path).UnixFileMode;
                Assert.True(mode == expected, $"{path}: {mode}, expected {expected}");
            }
        }

        Assert.Equal(BufferAccess.Owner, new BufferConfig().Access); // the default
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferConfig { Access = (BufferAccess)7 });
        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task AnotherUser_CannotOpenAnOwnerOnlyBuffer_AndIsToldWhoOwnsItAndHowToShare()
    {
        string name = TestNames.Unique("acl-denied");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess writer = AsNobody("write", name, "--count", "1", "--json");
            Assert.Equal(26, await writer.WaitForExitAsync()); // 10 + AccessDenied
            JsonElement error = Assert.Single(writer.Events("error"));
            Assert.Equal("AccessDenied", error.GetProperty("kind").GetString());
            string message = error.GetProperty("message").GetString()!;
            Assert.Contains($"uid {Nobody}", message, StringComparison.Ordinal);           // who tried
            Assert.Contains($"belongs to uid {ZeroBuffer.Interop.LibC.GetEffectiveUserId()}", message, StringComparison.Ordinal); // who owns it
            Assert.Contains("mode 0600", message, StringComparison.Ordinal);
            Assert.Contains("--access group|everyone", message, StringComparison.Ordinal);  // how to share it
            Assert.Equal(0UL, reader.GetStatus().WriterPid);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task AnotherUser_CanWriteToABufferSharedWithEveryone()
    {
        string name = TestNames.Unique("acl-shared");
        await using (CliProcess reader = CliProcess.Start("read", name, "--access", "everyone", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            await using CliProcess writer = AsNobody("write", name, "--count", "3", "--json");
            Assert.Equal(0, await writer.WaitForExitAsync());
            Assert.Equal(0, await reader.WaitForExitAsync()); // the end of the stream after 3 frames
            Assert.Equal(3, reader.Events("frame").Count);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The CLI as user nobody (<c>setpriv</c>; fails with setpriv's own message if not root).</summary>
    private static CliProcess AsNobody(params string[] args) =>
        CliProcess.StartProgram("setpriv",
            ["--reuid=" + Nobody, "--regid=" + Nobody, "--clear-groups", "dotnet", Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll"), .. args]);
}
