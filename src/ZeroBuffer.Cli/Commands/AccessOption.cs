using System.CommandLine;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>--access owner|group|everyone</c> of the commands that create a buffer (<c>read</c>,
/// <c>relay</c>, <c>serve</c>, <c>call</c>): who besides the creating user may open it
/// (<see cref="BufferAccess"/>; modes 0600, 0660, 0666). Default owner.
/// </summary>
internal static class AccessOption
{
    private static readonly string[] Names = ["owner", "group", "everyone"];

    internal static Option<string> Create(string creates)
    {
        var option = new Option<string>("--access")
        {
            Description = $"Who may open {creates} besides this user: owner (mode 0600, the default), group (0660) or everyone (0666).",
            DefaultValueFactory = _ => "owner",
        };
        option.AcceptOnlyFromAmong(Names);
        return option;
    }

    /// <summary>The access the option names.</summary>
    internal static BufferAccess Get(ParseResult parse, Option<string> option) => parse.GetValue(option) switch
    {
        "group" => BufferAccess.Group,
        "everyone" => BufferAccess.Everyone,
        _ => BufferAccess.Owner,
    };
}
