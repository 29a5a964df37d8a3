using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Bench;

/// <summary>The serialization code of the bench's events (generated at compile time), next to the tool's.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(BenchStartedEvent))]
[JsonSerializable(typeof(BenchResultEvent))]
[JsonSerializable(typeof(BenchSummaryEvent))]
[JsonSerializable(typeof(PeerReadyEvent))]
[JsonSerializable(typeof(PeerSummaryEvent))]
internal sealed partial class BenchEventContext : JsonSerializerContext
{
    private static readonly Lazy<JsonSerializerOptions> Combined = new(() => new(CliEventContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, CliEventContext.Default),
    });

    /// <summary>
    /// The bench's events and the tool's (errors, warnings), for the one event writer. Built on
    /// first use: the generated <see cref="Default"/> is initialised in another part of this class,
    /// in an order static initialisers of partial classes do not promise.
    /// </summary>
    internal static JsonSerializerOptions Events => Combined.Value;
}
