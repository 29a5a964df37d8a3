using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

namespace ZeroBuffer.Extensions.Hosting.Tests;

/// <summary>Invalid configuration fails the host's start with an error that names the key and the value, and creates nothing.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("Readers", "PayloadSize", "0")]
    [InlineData("Readers", "PayloadSize", "-4096")]
    [InlineData("Readers", "MetadataSize", "-1")]
    [InlineData("Readers", "WaitStrategy", "warp-speed")]
    [InlineData("Readers", "DegradedUtilization", "1.5")]
    [InlineData("Readers", "BufferName", "no/slashes")]
    [InlineData("Readers", "Access", "7")]
    [InlineData("Writers", "WriteTimeout", "00:00:00")]
    [InlineData("Writers", "WaitStrategy", "spin-then-block:5s")]
    [InlineData("DuplexServers", "MaxSessions", "0")]
    [InlineData("DuplexServers", "MaxConcurrency", "-2")]
    [InlineData("DuplexServers", "PayloadSize", "0")]
    public async Task InvalidValueFailsTheStartNamingIt(string kind, string key, string value)
    {
        string name = Names.Unique("bad");
        TestHost host = TestHost.Build(
            new Dictionary<string, string?> { [$"ZeroBuffer:{kind}:{name}:{key}"] = value },
            services =>
            {
                ZeroBufferBuilder zeroBuffer = services.AddZeroBuffer();
                _ = kind switch
                {
                    "Readers" => zeroBuffer.AddReader<RecordingHandler>(name),
                    "Writers" => zeroBuffer.AddWriter(name),
                    _ => zeroBuffer.AddDuplexServer<Echo>(name),
                };
            });
        await using (host)
        {
            OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
            Assert.Equal(name, error.OptionsName);
            string failure = Assert.Single(error.Failures);
            Assert.StartsWith($"ZeroBuffer:{kind}:{name}:{key}: ", failure, StringComparison.Ordinal);
            Assert.Contains(value, failure, StringComparison.Ordinal);
        }

        Assert.Empty(Names.Leftovers(name));
    }

    [Fact]
    public async Task CodeConfigurationIsValidatedToo()
    {
        string name = Names.Unique("code");
        await using TestHost host = TestHost.Build([], services => services.AddZeroBuffer().AddReader<RecordingHandler>(name, o => o.PayloadSize = 0));
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains($"ZeroBuffer:Readers:{name}:PayloadSize: Payload size must be > 0 (got 0).", error.Failures);
    }

    [Fact]
    public async Task ValueTheBinderCannotConvertFailsTheStartNamingItsKey()
    {
        string name = Names.Unique("enum");
        await using TestHost host = TestHost.Build(
            new Dictionary<string, string?> { [$"ZeroBuffer:Readers:{name}:Access"] = "Nobody" },
            services => services.AddZeroBuffer().AddReader<RecordingHandler>(name));
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(host.StartAsync);
        Assert.Contains($"ZeroBuffer:Readers:{name}:Access", error.Message, StringComparison.Ordinal);
        Assert.Empty(Names.Leftovers(name));
    }

    [Fact]
    public void EndpointNamesAreUnique()
    {
        var services = new ServiceCollection();
        _ = services.AddZeroBuffer().AddWriter("twice");
        ArgumentException error = Assert.Throws<ArgumentException>(() => services.AddZeroBuffer().AddReader<RecordingHandler>("twice"));
        Assert.Contains("'twice' is already registered", error.Message, StringComparison.Ordinal);
    }
}
