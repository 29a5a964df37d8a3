using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary>
/// One thing a command reports. <see cref="Output"/> renders it: with <c>--json</c> as one JSON
/// line (<c>"event"</c> first, then the record's public properties in declaration order,
/// camelCase), otherwise as its <see cref="HumanText"/>. Commands build these records and never
/// format output themselves, so the JSON and the text of an event cannot drift apart.
/// </summary>
/// <param name="Event">The event's name, the value of <c>"event"</c> (e.g. <c>ready</c>, <c>frame</c>, <c>done</c>).</param>
internal abstract record CliEvent([property: JsonPropertyOrder(-1)] string Event)
{
    /// <summary>The human-readable line(s) without <c>--json</c>; null when the event has none (a table or live view shows it).</summary>
    internal abstract string? HumanText { get; }

    /// <summary>Where <see cref="HumanText"/> goes.</summary>
    internal virtual TextTarget Target => TextTarget.Report;
}
