using System.Reflection;
using System.Text.Json;
using ZeroBuffer.Bench;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Tests.Cli;

/// <summary>Every event record serializes through the generated code (a missing registration would fail only when that event is first emitted).</summary>
public sealed class EventModelTests
{
    public static TheoryData<string> EventTypes()
    {
        var types = new TheoryData<string>();
        foreach (Type type in AllEventTypes())
        {
            types.Add(type.FullName!);
        }

        return types;
    }

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void EveryEvent_HasGeneratedSerialization(string typeName)
    {
        Type type = AllEventTypes().Single(t => t.FullName == typeName);
        JsonSerializerOptions options = type.Assembly == typeof(CliEvent).Assembly ? CliEventContext.Default.Options : BenchEventContext.Events;
        Assert.NotNull(options.GetTypeInfo(type));
    }

    [Fact]
    public void Event_IsTheFirstProperty_AndIgnoredOrOptionalFieldsStayOut()
    {
        string json = JsonSerializer.Serialize(new FrameReadEvent(7, 100, Gap: null, Sha256: null, File: null), CliEventContext.Default.Options);
        Assert.Equal("""{"event":"frame","sequence":7,"size":100}""", json); // a plain reader's frame has no gap

        json = JsonSerializer.Serialize(new FrameReadEvent(7, 100, Gap: 0, Sha256: null, File: null), CliEventContext.Default.Options);
        Assert.Equal("""{"event":"frame","sequence":7,"size":100,"gap":0}""", json); // a subscriber's always has one

        json = JsonSerializer.Serialize(new MetadataReceivedEvent(2, "ab", Text: null), CliEventContext.Default.Options);
        Assert.Equal("""{"event":"metadata","size":2,"sha256":"ab","text":null}""", json); // text is always there, null when binary

        json = JsonSerializer.Serialize(new ErrorEvent("Interrupted", "interrupted", "error: interrupted"), CliEventContext.Default.Options);
        Assert.Equal("""{"event":"error","kind":"Interrupted","message":"interrupted"}""", json);
    }

    private static IEnumerable<Type> AllEventTypes() =>
        new[] { typeof(CliEvent).Assembly, typeof(BenchEventContext).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(CliEvent)) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
