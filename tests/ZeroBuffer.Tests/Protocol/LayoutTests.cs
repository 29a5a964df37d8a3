using ZeroBuffer.Protocol;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>Sizes, rounding, configuration checks and the buffer-name rule (protocol-v1 §1, §2).</summary>
public sealed class LayoutTests
{
    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1L, 64L)]
    [InlineData(63L, 64L)]
    [InlineData(64L, 64L)]
    [InlineData(65L, 128L)]
    [InlineData(1000L, 1024L)]
    [InlineData(10240L, 10240L)]
    [InlineData(104857600L, 104857600L)]
    public void Round64_RoundsUpToMultipleOf64(long size, long expected)
    {
        Assert.Equal(expected, ZeroBufferLayout.Round64(size));
    }

    [Fact]
    public void Round64_OverflowIsAnError()
    {
        Assert.Throws<OverflowException>(() => ZeroBufferLayout.Round64(long.MaxValue));
    }

    [Theory]
    [InlineData(0L, 64L, 192L)]
    [InlineData(64L, 64L, 256L)]
    [InlineData(1024L, 10240L, 11392L)]
    public void SegmentLength_IsOiebPlusMetadataPlusRing(long metadataBlock, long ring, long expected)
    {
        Assert.Equal(expected, ZeroBufferLayout.SegmentLength(metadataBlock, ring));
        Assert.Equal(128 + metadataBlock, ZeroBufferLayout.PayloadOffset(metadataBlock));
    }

    [Theory]
    [InlineData(0L, 1L, 0L, 64L, 0L)]
    [InlineData(1L, 1L, 64L, 64L, 56L)]
    [InlineData(100L, 1000L, 128L, 1024L, 120L)]
    [InlineData(8L, 64L, 64L, 64L, 56L)]
    [InlineData(1024L, 1048576L, 1024L, 1048576L, 1016L)]
    public void BufferConfig_RoundsBlocks(long metadata, long payload, long m, long p, long maxMetadata)
    {
        var config = new BufferConfig(metadata, payload);
        Assert.Equal(metadata, config.MetadataSize);
        Assert.Equal(payload, config.PayloadSize);
        Assert.Equal(m, config.MetadataBlockSize);
        Assert.Equal(p, config.PayloadBlockSize);
        Assert.Equal(maxMetadata, config.MaxMetadataLength);
        Assert.Equal(128 + m + p, config.SegmentLength);
    }

    [Fact]
    public void BufferConfig_Defaults()
    {
        var config = new BufferConfig();
        Assert.Equal(1024, config.MetadataSize);
        Assert.Equal(1024 * 1024, config.PayloadSize);
    }

    [Theory]
    [InlineData(-1L, 1024L, "metadataSize", "-1")]
    [InlineData(long.MinValue, 1024L, "metadataSize", "-9223372036854775808")]
    [InlineData(0L, 0L, "payloadSize", "0")]
    [InlineData(0L, -64L, "payloadSize", "-64")]
    [InlineData(long.MaxValue, 1024L, "metadataSize", "9223372036854775807")]
    [InlineData(0L, long.MaxValue, "payloadSize", "9223372036854775807")]
    public void BufferConfig_RejectsBadSizesNamingTheValue(long metadata, long payload, string parameter, string valueText)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new BufferConfig(metadata, payload));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(valueText, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("cam0")]
    [InlineData("A-Z_a-z.0-9")]
    [InlineData("..a")]
    [InlineData("a..b")]
    [InlineData("-")]
    [InlineData("_")]
    public void Name_Valid(string name)
    {
        Assert.True(ResourceNames.IsValid(name));
        ResourceNames.Validate(name);
    }

    [Fact]
    public void Name_200CharactersIsValid_201IsNot()
    {
        Assert.True(ResourceNames.IsValid(new string('x', 200)));
        Assert.False(ResourceNames.IsValid(new string('x', 201)));
        var ex = Assert.Throws<ArgumentException>(() => ResourceNames.Validate(new string('x', 201)));
        Assert.Contains("1-200", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/cam0")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a b")]
    [InlineData("caf\u00e9")]
    [InlineData("a\0b")]
    [InlineData("a*")]
    [InlineData("a\\b")]
    public void Name_InvalidIsRejectedNamingTheRule(string name)
    {
        Assert.False(ResourceNames.IsValid(name));
        var ex = Assert.Throws<ArgumentException>(() => ResourceNames.Validate(name));
        Assert.Equal("name", ex.ParamName);
        Assert.Contains("[A-Za-z0-9._-]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_NullIsRejected()
    {
        Assert.False(ResourceNames.IsValid(null));
        Assert.Throws<ArgumentNullException>(() => ResourceNames.Validate(null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void ReaderAndWriter_RejectInvalidNamesBeforeTouchingTheOs(string name)
    {
        var readerError = Assert.Throws<ArgumentException>(() => new Reader(name, new BufferConfig(0, 64)));
        Assert.Contains("[A-Za-z0-9._-]", readerError.Message, StringComparison.Ordinal);
        var writerError = Assert.Throws<ArgumentException>(() => new Writer(name));
        Assert.Contains("[A-Za-z0-9._-]", writerError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_Rejects201CharacterName()
    {
        Assert.Throws<ArgumentException>(() => new Reader(new string('n', 201), new BufferConfig(0, 64)));
    }

    [Fact]
    public void OsNames_FollowTheProtocol()
    {
        Assert.Equal("/cam0", ResourceNames.Segment("cam0"));
        Assert.Equal("/sem-w-cam0", ResourceNames.DataAvailableSemaphore("cam0"));
        Assert.Equal("/sem-r-cam0", ResourceNames.SpaceAvailableSemaphore("cam0"));
        Assert.Equal("/dev/shm/cam0", ResourceNames.SegmentFile("cam0"));
        Assert.Equal("/dev/shm/sem.sem-w-cam0", ResourceNames.SemaphoreFile("/sem-w-cam0"));
        Assert.EndsWith("/zerobuffer/cam0.lock", ResourceNames.LockFile("cam0"), StringComparison.Ordinal);
    }
}
