using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer layout</c>: prints every <see cref="ZeroBufferLayout"/> constant and the OS name
/// formats of a buffer's resources, so an implementation in another language can compare its own
/// layout with this one (the Python SDK's interop tests do).
/// </summary>
internal static class LayoutCommand
{
    /// <summary>The placeholder printed where a buffer name goes in the name formats.</summary>
    internal const string NamePlaceholder = "{name}";

    private const string Events = """
        Events (--json, one object per line):
          {"event":"layout","protocolVersion":"1.0.0","constants":{"OiebSize":128,...},"names":{"segment":"/{name}",...}}
            constants: every ZeroBufferLayout constant under its C# name;
            names: the resource name formats with {name} for the buffer name (segment, segmentFile,
            dataAvailableSemaphore, spaceAvailableSemaphore, dataAvailableSemaphoreFile,
            spaceAvailableSemaphoreFile, lockDirectory, lockFile), lockFileExtension, maxNameLength, nameRule.
        Text mode prints one "name value" line per constant and name format.

        Examples:
          zerobuffer layout
          zerobuffer layout --json | jq .constants.PayloadFreeBytesOffset

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var command = new Command("layout", "Print the protocol's layout constants and resource name formats.");
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(output)));
        return new CommandSpec(command, Events, ExitCodeTable.Standard());
    }

    /// <summary>Every public constant of <see cref="ZeroBufferLayout"/>, in declaration order.</summary>
    internal static IReadOnlyList<(string Name, object Value)> Constants() =>
        [.. typeof(ZeroBufferLayout).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, f.GetRawConstantValue()!))];

    /// <summary>The resource name formats, with <see cref="NamePlaceholder"/> for the buffer name.</summary>
    internal static IReadOnlyList<(string Name, string Value)> NameFormats() =>
    [
        ("segment", ResourceNames.Segment(NamePlaceholder)),
        ("segmentFile", ResourceNames.SegmentFile(NamePlaceholder)),
        ("dataAvailableSemaphore", ResourceNames.DataAvailableSemaphore(NamePlaceholder)),
        ("spaceAvailableSemaphore", ResourceNames.SpaceAvailableSemaphore(NamePlaceholder)),
        ("dataAvailableSemaphoreFile", ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(NamePlaceholder))),
        ("spaceAvailableSemaphoreFile", ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(NamePlaceholder))),
        ("lockDirectory", ResourceNames.LockDirectory),
        ("lockFile", ResourceNames.LockFile(NamePlaceholder)),
        ("lockFileExtension", ResourceNames.LockFileExtension),
        ("nameRule", ResourceNames.NameRule),
    ];

    private static int Execute(Output output)
    {
        var constants = new JsonObject();
        foreach ((string name, object value) in Constants())
        {
            constants[name] = value switch
            {
                ulong u => JsonValue.Create(u),
                long l => JsonValue.Create(l),
                _ => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            };
        }

        var names = new JsonObject();
        foreach ((string name, string value) in NameFormats())
        {
            names[name] = value;
        }

        names["maxNameLength"] = ResourceNames.MaxNameLength;
        output.Emit(new LayoutEvent(
            string.Create(CultureInfo.InvariantCulture, $"{ZeroBufferLayout.VersionMajor}.{ZeroBufferLayout.VersionMinor}.{ZeroBufferLayout.VersionPatch}"),
            constants,
            names));
        return ExitCodes.Success;
    }
}
