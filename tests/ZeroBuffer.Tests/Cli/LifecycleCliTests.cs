using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary><c>zerobuffer list</c> and <c>zerobuffer clean</c>: states, reports, and refusal of live buffers.</summary>
[Collection(nameof(OrphanSweeps))]
public sealed class LifecycleCliTests
{
    [Fact]
    public async Task List_Json_ReportsALiveBufferWithItsPidsAndSizes()
    {
        string name = TestNames.Unique("cli-list");
        using (var reader = new Reader(name, new BufferConfig(256, 8192)))
        using (var writer = new Writer(name))
        {
            await using CliProcess list = CliProcess.Start("list", "--json");
            Assert.Equal(0, await list.WaitForExitAsync());
            JsonElement buffer = list.Events("buffer").Single(e => e.GetProperty("name").GetString() == name);
            Assert.Equal("Live", buffer.GetProperty("state").GetString());
            Assert.Equal(Environment.ProcessId, buffer.GetProperty("readerPid").GetInt32());
            Assert.True(buffer.GetProperty("readerAlive").GetBoolean());
            Assert.Equal(Environment.ProcessId, buffer.GetProperty("writerPid").GetInt32());
            Assert.Equal(256, buffer.GetProperty("metadataSize").GetInt64());
            Assert.Equal(8192, buffer.GetProperty("payloadSize").GetInt64());
            Assert.Equal(["segment", "sem-w", "sem-r", "lock", "upstream-lock"], buffer.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
            Assert.True(buffer.GetProperty("writerAlive").GetBoolean());
            Assert.True(buffer.GetProperty("lockHeld").GetBoolean()); // told truthfully even though the PIDs already make it live
            Assert.Equal(1, buffer.GetProperty("writerGeneration").GetInt32());
            Assert.Single(list.Events("done"));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task List_Text_ShowsATable()
    {
        string name = TestNames.Unique("cli-list-text");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess list = CliProcess.Start("list");
            Assert.Equal(0, await list.WaitForExitAsync());
            string text = string.Join('\n', list.Output);
            Assert.Contains("State", text, StringComparison.Ordinal);
            Assert.Contains("Live", text, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Clean_RefusesALiveBuffer_WithExitCode5()
    {
        string name = TestNames.Unique("cli-clean-live");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess clean = CliProcess.Start("clean", name);
            Assert.Equal(5, await clean.WaitForExitAsync());
            Assert.Contains("is live", clean.ErrorOutput, StringComparison.Ordinal);
            Assert.Contains("Nothing was removed", clean.ErrorOutput, StringComparison.Ordinal);
            OsResources.AssertAll(name);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Clean_DryRunReports_ThenCleanRemoves()
    {
        // Young orphans are left alone by the readers' sweeps (grace period), so nobody else races us here.
        string name = TestNames.Unique("cli-clean-orphan");
        Abandon.OrphanSemaphores(name);
        try
        {
            await using (CliProcess dry = CliProcess.Start("clean", name, "--dry-run", "--json"))
            {
                Assert.Equal(0, await dry.WaitForExitAsync());
                JsonElement cleaned = dry.Events("cleaned").Single();
                Assert.Equal("WouldRemove", cleaned.GetProperty("outcome").GetString());
                Assert.Equal("Orphaned", cleaned.GetProperty("state").GetString());
                Assert.Equal(["sem-w", "sem-r"], cleaned.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
            }

            Assert.True(OsResources.DataSemaphoreExists(name));
            Assert.True(OsResources.SpaceSemaphoreExists(name));
            Assert.False(OsResources.LockFileExists(name)); // the lock files taken to check were removed again
            Assert.False(OsResources.NameLockFileExists(name));

            await using (CliProcess clean = CliProcess.Start("clean", name))
            {
                Assert.Equal(0, await clean.WaitForExitAsync());
                Assert.Contains("Removed orphaned buffer", string.Join('\n', clean.Output), StringComparison.Ordinal);
            }

            OsResources.AssertNone(name);
        }
        finally
        {
            Abandon.CleanUp(name);
        }
    }

    /// <summary>A dry run of the sweep says what it would remove and that it removed nothing.</summary>
    [Fact]
    public async Task Clean_StaleDryRun_ReportsWhatItWouldRemove_NotARemovedCount()
    {
        // A young orphan: readers' sweeps leave it alone for 5 s; --grace-ms 0 makes this sweep consider it.
        string name = TestNames.Unique("cli-stale-dry");
        Abandon.OrphanSemaphores(name);
        try
        {
            await using CliProcess dry = CliProcess.Start("clean", "--stale", "--dry-run", "--grace-ms", "0", "--json");
            Assert.Equal(0, await dry.WaitForExitAsync());
            Assert.Equal("WouldRemove", dry.Events("cleaned").Single(e => e.GetProperty("name").GetString() == name).GetProperty("outcome").GetString());
            Assert.DoesNotContain(dry.Events("cleaned"), e => e.GetProperty("outcome").GetString() == "Removed");
            JsonElement done = dry.Events("done").Single();
            Assert.False(done.TryGetProperty("removed", out _));
            Assert.True(done.GetProperty("wouldRemove").GetInt32() >= 1);
            Assert.True(done.GetProperty("dryRun").GetBoolean());
            Assert.True(OsResources.DataSemaphoreExists(name)); // nothing was removed
            Assert.True(OsResources.SpaceSemaphoreExists(name));

            await using CliProcess text = CliProcess.Start("clean", "--stale", "--dry-run", "--grace-ms", "0");
            Assert.Equal(0, await text.WaitForExitAsync());
            Assert.Contains("would be removed, nothing was", string.Join('\n', text.Output), StringComparison.Ordinal);
        }
        finally
        {
            Abandon.CleanUp(name);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Clean_Stale_RemovesOldOrphansAndStaleBuffers_ButNotYoungOrphansOrLiveOnes()
    {
        string old = TestNames.Unique("cli-stale-old");
        string young = TestNames.Unique("cli-stale-young");
        string live = TestNames.Unique("cli-stale-live");
        Abandon.OrphanSemaphores(old);
        Abandon.Age(old, TimeSpan.FromMinutes(1));
        Abandon.OrphanSemaphores(young); // (older readers' sweeps, which only look at lock files, leave it alone too)
        using var reader = new Reader(live, new BufferConfig(0, 4096));
        try
        {
            await using (CliProcess clean = CliProcess.Start("clean", "--stale", "--json"))
            {
                Assert.Equal(0, await clean.WaitForExitAsync());
                Assert.DoesNotContain(clean.Events("cleaned"), e => e.GetProperty("name").GetString() == live);
                Assert.Single(clean.Events("done"));
            }

            Abandon.AssertGone(old); // by us, or by a parallel sweep: it is older than the grace period
            Assert.True(OsResources.DataSemaphoreExists(young));
            Assert.True(OsResources.SpaceSemaphoreExists(young));
            Assert.False(OsResources.LockFileExists(young)); // not even locked: a young orphan is not touched
            OsResources.AssertAll(live);
        }
        finally
        {
            Abandon.CleanUp(old);
            Abandon.CleanUp(young);
        }

        OsResources.AssertNone(young);
    }

    /// <summary>A short soak: both sides are SIGKILLed and restarted at random; every frame verified, nothing left, no errors.</summary>
    [Fact]
    public async Task Soak_KillsAndRestartsBothSides_WithoutErrors()
    {
        await using CliProcess soak = CliProcess.Start("soak", "--kills", "2", "--seed", "3", "--payload-size", "65536", "--json");
        JsonElement summary = await soak.WaitForEventAsync("summary", TimeSpan.FromSeconds(90));
        Assert.True(summary.GetProperty("errors").GetInt32() == 0, string.Join('\n', soak.Events("problem").Select(p => p.GetProperty("message").GetString())));
        Assert.True(summary.GetProperty("readerKills").GetInt32() + summary.GetProperty("writerKills").GetInt32() == 2, summary.ToString());
        Assert.True(summary.GetProperty("frames").GetInt64() > 0);
        Assert.Equal(0, summary.GetProperty("leftovers").GetInt32());
        Assert.Equal(0, await soak.WaitForExitAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("x --stale")]
    [InlineData("bad/name")]
    public async Task Clean_UsageErrors_ExitWith2(string arguments)
    {
        await using CliProcess clean = CliProcess.Start(["clean", .. arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        Assert.Equal(2, await clean.WaitForExitAsync());
    }

    [Fact]
    public async Task Help_DocumentsListAndCleanEventsAndExitCodes()
    {
        await using (CliProcess help = CliProcess.Start("clean", "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync());
            string text = string.Join('\n', help.Output);
            Assert.Contains("--dry-run", text, StringComparison.Ordinal);
            Assert.Contains("5    clean NAME refused", text, StringComparison.Ordinal);
        }

        await using (CliProcess help = CliProcess.Start("list", "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync());
            Assert.Contains("\"event\":\"buffer\"", string.Join('\n', help.Output), StringComparison.Ordinal);
        }
    }
}
