using System.Text.Json;
using ZeroBuffer.Internal;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Features;

/// <summary>
/// Upstream scenarios on creation, names and OS resources: 4.11, 4.12, 7.1, 8.1, 8.3, 8.4,
/// 10.1, 10.2, 12.4.
/// </summary>
public sealed class ResourceScenarios
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private const int RingAt = 128; // metadata size 0: the ring follows the OIEB

    /// <summary>Two reader processes create one name at once: one succeeds, the other gets ReaderAlreadyConnected; the winner's buffer works.</summary>
    [Fact]
    public async Task Feature_4_11_ConcurrentInitializationRace()
    {
        string name = TestNames.Unique("f4-11");
        await using CliProcess a = CliProcess.Start("read", name, "--json");
        await using CliProcess b = CliProcess.Start("read", name, "--json");
        string firstA = await a.WaitForLineAsync(_ => true);
        string firstB = await b.WaitForLineAsync(_ => true);
        string eventA = JsonDocument.Parse(firstA).RootElement.GetProperty("event").GetString()!;
        string eventB = JsonDocument.Parse(firstB).RootElement.GetProperty("event").GetString()!;
        Assert.Equal(["error", "ready"], new[] { eventA, eventB }.Order());

        CliProcess winner = eventA == "ready" ? a : b;
        CliProcess loser = eventA == "ready" ? b : a;
        Assert.Contains("ReaderAlreadyConnected", loser == a ? firstA : firstB, StringComparison.Ordinal);
        Assert.Equal(10 + (int)ZeroBufferErrorKind.ReaderAlreadyConnected, await loser.WaitForExitAsync());

        using (var writer = new Writer(name))
        {
            Assert.Equal((ulong)winner.Pid, writer.GetStatus().ReaderPid);
            writer.WriteFrame([1, 2, 3]);
            Assert.Equal(1UL, (await winner.WaitForEventAsync("frame")).GetProperty("sequence").GetUInt64());
        }

        await winner.TerminateAsync(TimeSpan.FromSeconds(5));
        OsResources.AssertNone(name);
    }

    /// <summary>A writer before any reader fails with BufferNotFound naming the buffer (library and CLI).</summary>
    [Fact]
    public async Task Feature_4_12_WriterBeforeReader()
    {
        string name = TestNames.Unique("f4-12-no-reader");
        BufferNotFoundException error = Assert.Throws<BufferNotFoundException>(() => new Writer(name));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Equal(ZeroBufferErrorKind.BufferNotFound, error.Kind);
        await using (CliProcess writer = CliProcess.Start("write", name, "--json"))
        {
            Assert.Equal(10 + (int)ZeroBufferErrorKind.BufferNotFound, await writer.WaitForExitAsync());
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Semaphore creation fails half-way: the reader throws, nothing leaks, the name then works.</summary>
    [Theory]
    [InlineData(FaultInjection.CreateDataSemaphore)]
    [InlineData(FaultInjection.CreateSpaceSemaphore)]
    public void Feature_7_1_PartialInitializationFailure(string point)
    {
        string name = TestNames.Unique("f7-1");
        using (FaultInjection.Arm(point))
        {
            Assert.Throws<ZeroBufferException>(() => new Reader(name, new BufferConfig(1024, 10240)));
        }

        OsResources.AssertNone(name);
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([1]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>On Linux: the segment in /dev/shm (size 128 + M + P, mode 0666), both semaphore files, the lock file; special-character names work; a clean shutdown leaves /dev/shm clean.</summary>
    [Fact]
    public void Feature_8_1_LinuxSharedMemoryVerification()
    {
        Assert.True(OperatingSystem.IsLinux());
        foreach (string name in new[] { TestNames.Unique("f8-1"), TestNames.Unique("f8-1.with_dots.and-dashes_") })
        {
            using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
            {
                var segment = new FileInfo("/dev/shm/" + name);
                Assert.True(segment.Exists);
                Assert.Equal(128 + 1024 + 10240, segment.Length);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, segment.UnixFileMode); // owner-only unless shared on purpose
                Assert.True(File.Exists("/dev/shm/sem.sem-w-" + name));
                Assert.True(File.Exists("/dev/shm/sem.sem-r-" + name));
                Assert.True(File.Exists(ResourceNames.LockFile(name)));
                using var writer = new Writer(name);
                writer.WriteFrame("linux"u8);
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal("linux"u8.ToArray(), frame.ToArray());
            }

            OsResources.AssertNone(name);
        }
    }

    /// <summary>Names: letters, digits, '.', '_', '-', up to 200 characters, work end to end; anything else is refused with the rule.</summary>
    [Fact]
    public void Feature_8_3_CrossPlatformNameCompatibility()
    {
        string compat = "test-name-compat-123-" + Guid.NewGuid().ToString("N");
        string longest = ("zbt-f8-3-" + Guid.NewGuid().ToString("N")).PadRight(ResourceNames.MaxNameLength, 'x');
        Assert.Equal(200, longest.Length);
        foreach (string name in new[] { compat, longest })
        {
            using (var reader = new Reader(name, new BufferConfig(64, 4096)))
            using (var writer = new Writer(name))
            {
                writer.WriteFrame([3]);
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(1UL, frame.Sequence);
            }

            OsResources.AssertNone(name);
        }

        foreach (string bad in new[] { longest + "x", "a/b", "a b", "a\\b", "a:b", ".", "..", "", "é" })
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => new Reader(bad, new BufferConfig(64, 4096)));
            Assert.Contains(ResourceNames.NameRule, error.Message, StringComparison.Ordinal);
            Assert.ThrowsAny<ArgumentException>(() => new Writer(bad));
        }
    }

    /// <summary>A stale lock file, an orphaned segment and orphaned semaphores made by hand: a new reader of the name cleans them and starts fresh.</summary>
    [Fact]
    public void Feature_8_4_StaleResourceCleanup()
    {
        string name = TestNames.Unique("f8-4-stale-test");
        Abandon.OrphanLockFile(name);
        Abandon.OrphanSemaphores(name);
        Abandon.OrphanSegment(name, (ulong)Abandon.DeadPid(), (ulong)Abandon.DeadPid());
        // (Parallel sweeps may inspect or remove these leftovers meanwhile; the reader must cope either way.)
        using (var reader = new Reader(name, new BufferConfig(256, 8192)))
        {
            BufferStatus status = reader.GetStatus();
            Assert.Equal((ulong)Environment.ProcessId, status.ReaderPid);
            Assert.Equal(0UL, status.WriterPid);
            Assert.Equal(8192UL, status.PayloadSize);
            Assert.Equal(0UL, status.WrittenCount);
            Assert.Equal(0, RawSegment.SemaphoreValue("/sem-w-" + name));
            using var writer = new Writer(name);
            writer.WriteFrame([4]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Creation fails after the segment exists (segment creation, control block): the segment is removed with everything else.</summary>
    [Theory]
    [InlineData(FaultInjection.CreateSegment)]
    [InlineData(FaultInjection.InitializeOieb)]
    public void Feature_10_1_PartialInitializationFailures(string point)
    {
        string name = TestNames.Unique("f10-1");
        using (FaultInjection.Arm(point))
        {
            ZeroBufferException error = Assert.Throws<ZeroBufferException>(() => new Reader(name, new BufferConfig(0, 10240)));
            Assert.Contains(point, error.Message, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
        Assert.Null(BufferCatalog.Inspect(name));
        using (new Reader(name, new BufferConfig(0, 10240)))
        {
            OsResources.AssertAll(name);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Damaged headers: a length running past the ring is
    /// corruption, and so is a zero length that is not a {0, 0} wrap marker; a wrong sequence number is a SequenceError with expected/actual. Nothing is delivered.
    /// </summary>
    [Theory]
    [InlineData("length-past-end")]
    [InlineData("zero-length-header")]
    [InlineData("wrong-sequence")]
    public void Feature_10_2_InvalidFrameHeaderVariations(string variation)
    {
        string name = TestNames.Unique("f10-2");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[100]);
            writer.WriteFrame(new byte[100]);
            using (Frame first = reader.ReadFrame(Wait))
            {
                Assert.Equal(1UL, first.Sequence);
            }

            const int Second = RingAt + 116; // the second frame's header
            using (RawSegment raw = RawSegment.Open(name))
            {
                switch (variation)
                {
                    case "length-past-end":
                        raw.WriteUInt64(Second, 10240);
                        break;
                    case "wrong-sequence":
                        raw.WriteUInt64(Second + 8, 5);
                        break;
                    default:
                        // No magic number in protocol 1: the header check is "length > 0, or a
                        // {0, 0} wrap marker". Length 0 with the frame's sequence is neither.
                        raw.WriteUInt64(Second, 0);
                        break;
                }
            }

            if (variation == "wrong-sequence")
            {
                SequenceError error = Assert.Throws<SequenceError>(() => reader.ReadFrame(Wait));
                Assert.Equal(2UL, error.Expected);
                Assert.Equal(5UL, error.Actual);
            }
            else
            {
                Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(Wait));
            }

            Assert.Equal(1UL, reader.GetStatus().ReadCount); // the damaged frame was not consumed
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Semaphores are <c>sem-w-{name}</c> and <c>sem-r-{name}</c> for a GUID, an underscore/dash name and a 200-character name; a frame posts sem-w.</summary>
    [Fact]
    public void Feature_12_4_SemaphoreNamingConvention()
    {
        string[] names =
        [
            Guid.NewGuid().ToString(),
            "test_buffer-123-" + Guid.NewGuid().ToString("N"),
            ("zbt-f12-4-" + Guid.NewGuid().ToString("N")).PadRight(200, 'n'),
        ];
        foreach (string name in names)
        {
            using (var reader = new Reader(name, new BufferConfig(0, 4096)) { WaitStrategy = WaitStrategy.Blocking }) // one token per frame
            using (var writer = new Writer(name))
            {
                Assert.True(File.Exists($"/dev/shm/sem.sem-w-{name}"));
                Assert.True(File.Exists($"/dev/shm/sem.sem-r-{name}"));
                writer.WriteFrame([1]);
                Assert.Equal(1, RawSegment.SemaphoreValue($"/sem-w-{name}"));
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(0, RawSegment.SemaphoreValue($"/sem-w-{name}"));
            }

            OsResources.AssertNone(name);
        }
    }
}
