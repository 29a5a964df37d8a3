using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary>
/// A value that writes its own JSON properties: the bench's result rows, targets and peer
/// summaries, whose properties depend on what was measured. Marked with
/// <c>[JsonConverter(typeof(SelfWrittenJsonConverter&lt;T&gt;))]</c>, it serializes through the
/// one event writer like every record.
/// </summary>
internal interface ISelfWrittenJson
{
    /// <summary>Writes the properties (not the braces) of the object.</summary>
    void WriteJson(Utf8JsonWriter writer);
}

/// <summary>Writes an <see cref="ISelfWrittenJson"/> as one object; an event's <c>"event"</c> comes first.</summary>
internal sealed class SelfWrittenJsonConverter<T> : JsonConverter<T>
    where T : ISelfWrittenJson
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Events are written, never read back.");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value is CliEvent e)
        {
            writer.WriteString("event"u8, e.Event);
        }

        value.WriteJson(writer);
        writer.WriteEndObject();
    }
}
