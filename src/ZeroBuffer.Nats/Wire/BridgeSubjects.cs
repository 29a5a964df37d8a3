namespace ZeroBuffer.Nats;

/// <summary>
/// The subjects of a bridge whose prefix is <c>P</c> (docs/bridge.md, "Wire format"): frame chunks
/// on <c>P.frame</c>, the buffer's metadata on <c>P.meta</c>, the end of a writer's stream on
/// <c>P.end</c>, and metadata requests (core NATS request-reply, never stored) on <c>P.meta.get</c>.
/// </summary>
public static class BridgeSubjects
{
    /// <summary>The longest prefix: 200 characters, so every subject stays short.</summary>
    public const int MaxPrefixLength = 200;

    /// <summary>The subject of frame chunks.</summary>
    public static string Frames(string prefix) => Checked(prefix) + ".frame";

    /// <summary>The subject of metadata messages.</summary>
    public static string Metadata(string prefix) => Checked(prefix) + ".meta";

    /// <summary>The subject of end-of-stream messages.</summary>
    public static string End(string prefix) => Checked(prefix) + ".end";

    /// <summary>The subject an importer asks the exporter's metadata on (request-reply).</summary>
    public static string MetadataRequest(string prefix) => Checked(prefix) + ".meta.get";

    /// <summary>What an importer subscribes to in core mode: the three subjects above, and nothing deeper.</summary>
    internal static string All(string prefix) => Checked(prefix) + ".*";

    /// <summary>
    /// Checks a prefix: 1-200 characters, tokens of <c>[A-Za-z0-9_-]</c> separated by single dots
    /// (no wildcard, no space, no empty token).
    /// </summary>
    /// <exception cref="ArgumentException">The prefix breaks the rule; the message states it.</exception>
    public static void Validate(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string? problem = Problem(prefix);
        if (problem is not null)
        {
            throw new ArgumentException(
                $"Invalid NATS subject prefix '{prefix}': {problem}. A prefix has 1-{MaxPrefixLength} characters: tokens of [A-Za-z0-9_-] separated by single dots (for example 'site1.cam0').",
                nameof(prefix));
        }
    }

    private static string? Problem(string prefix)
    {
        if (prefix.Length == 0)
        {
            return "it is empty";
        }

        if (prefix.Length > MaxPrefixLength)
        {
            return $"it has {prefix.Length} characters";
        }

        bool tokenStart = true;
        foreach (char c in prefix)
        {
            if (c == '.')
            {
                if (tokenStart)
                {
                    return "it has an empty token";
                }

                tokenStart = true;
                continue;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                return c is '*' or '>' ? $"'{c}' is a wildcard" : $"'{c}' is not allowed";
            }

            tokenStart = false;
        }

        return tokenStart ? "it has an empty token" : null;
    }

    private static string Checked(string prefix)
    {
        Validate(prefix);
        return prefix;
    }
}
