using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ZeroBuffer.Cli.Events;

/// <summary>
/// <c>layout</c>: every protocol layout constant under its C# name, and the resource name formats
/// (with <c>{name}</c> for the buffer name) followed by <c>maxNameLength</c>.
/// </summary>
internal sealed record LayoutEvent(string ProtocolVersion, JsonObject Constants, JsonObject Names) : CliEvent("layout")
{
    /// <summary>"protocol version V", then one "name value" line per constant and name format.</summary>
    internal override string HumanText
    {
        get
        {
            var text = new StringBuilder().Append("protocol version ").Append(ProtocolVersion);
            foreach ((string name, JsonNode? value) in Constants.Concat(Names))
            {
                text.Append('\n').Append(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {value?.GetValue<object>()}"));
            }

            return text.ToString();
        }
    }
}
