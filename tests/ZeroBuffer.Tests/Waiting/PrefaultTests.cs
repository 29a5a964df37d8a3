using System.Globalization;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Waiting;

/// <summary><see cref="Reader.Prefault"/> and <see cref="Writer.Prefault"/>: every page mapped up front, contents untouched.</summary>
public sealed class PrefaultTests
{
    /// <summary>Resident kilobytes of every mapping of <paramref name="path"/> in this process (from /proc/self/smaps).</summary>
    private static List<long> ResidentKilobytes(string path)
    {
        var result = new List<long>();
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                // A mapping's header: "start-end perms offset dev inode [path]".
                inMapping = fields.Length >= 6 && fields[5] == path;
            }
            else if (inMapping && fields[0] == "Rss:")
            {
                result.Add(long.Parse(fields[1], CultureInfo.InvariantCulture));
            }
        }

        return result;
    }

    [Fact]
    public void PrefaultMapsEveryPageAndChangesNoByte()
    {
        string name = TestNames.Unique("prefault");
        const long ring = 8L << 20;
        using (var reader = new Reader(name, new BufferConfig(4096, ring)))
        using (var writer = new Writer(name))
        {
            writer.SetMetadata([7, 7, 7]);
            writer.WriteFrame(Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray());
            long segmentKb = new FileInfo("/dev/shm/" + name).Length / 1024;

            reader.Prefault();
            writer.Prefault();

            List<long> resident = ResidentKilobytes("/dev/shm/" + name);
            Assert.Equal(2, resident.Count); // the reader's mapping and the writer's
            Assert.All(resident, kb => Assert.True(kb >= segmentKb, $"{kb} KiB resident of {segmentKb} KiB"));
            Assert.Equal([7, 7, 7], reader.GetMetadata().ToArray());
            using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
            Assert.Equal(Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray(), frame.ToArray());
        }

        OsResources.AssertNone(name);
    }
}
