using System.CommandLine;
using ZeroBuffer.Nats;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>The subject prefix of a bridge, checked by the parser with the library's own rule (<see cref="BridgeSubjects.Validate"/>).</summary>
internal static class SubjectPrefix
{
    /// <summary>Makes <paramref name="argument"/> accept only valid prefixes; a bad one is a usage error stating the rule.</summary>
    internal static Argument<string> Checked(this Argument<string> argument)
    {
        argument.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && Problem(result.Tokens[^1].Value) is string problem)
            {
                result.AddError(problem);
            }
        });
        return argument;
    }

    /// <summary>Makes <paramref name="option"/> accept only valid prefixes; a bad one is a usage error stating the rule.</summary>
    internal static Option<string> Checked(this Option<string> option) => option.Check(Problem);

    private static string? Problem(string prefix)
    {
        try
        {
            BridgeSubjects.Validate(prefix);
            return null;
        }
        catch (ArgumentException invalid)
        {
            return invalid.Message.Split(" (Parameter", 2)[0]; // the rule, without the parameter's name
        }
    }
}
