namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// The value of <c>--nats</c>, checked as NATS users write it: one server URL or a comma-separated
/// list of a cluster's, each <c>nats://</c>, <c>tls://</c>, <c>ws://</c> or <c>wss://</c> (or a
/// bare <c>HOST[:PORT]</c>, which NATS.Net takes as <c>nats://</c>), optionally with
/// <c>user:password@</c> or <c>token@</c>. A URL the client would choke on is a usage error here,
/// before anything connects or is created.
/// </summary>
internal static class NatsServerUrls
{
    private static readonly string[] Schemes = ["nats", "tls", "ws", "wss"];

    /// <summary>What is wrong with <paramref name="value"/>, or null when every URL in it is a server URL.</summary>
    internal static string? Problem(string value)
    {
        string[] urls = value.Split(',', StringSplitOptions.TrimEntries);
        foreach (string url in urls)
        {
            string? problem = ProblemOf(url);
            if (problem is not null)
            {
                return $"--nats: '{url}' is not a NATS server URL ({problem}). Give nats://HOST:PORT or tls://HOST:PORT, or several separated by commas.";
            }
        }

        return null;
    }

    /// <summary>The URLs with any password or token masked, for reports (the client's own reports mask them the same way).</summary>
    internal static string Masked(string value) => string.Join(',', value.Split(',', StringSplitOptions.TrimEntries).Select(MaskedOne));

    private static string? ProblemOf(string url)
    {
        if (url.Length == 0)
        {
            return "empty";
        }

        string absolute = url.Contains("://", StringComparison.Ordinal) ? url : "nats://" + url;
        if (!Uri.TryCreate(absolute, UriKind.Absolute, out Uri? uri))
        {
            return "not a URL: check the host and the port";
        }

        if (!Schemes.Contains(uri.Scheme))
        {
            return $"the scheme is '{uri.Scheme}', not nats, tls, ws or wss";
        }

        if (uri.Host.Length == 0)
        {
            return "no host";
        }

        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return "a server URL has no path, query or fragment";
        }

        return null;
    }

    private static string MaskedOne(string url)
    {
        int at = url.LastIndexOf('@');
        if (at < 0)
        {
            return url;
        }

        int start = url.IndexOf("://", StringComparison.Ordinal) is int scheme and >= 0 ? scheme + 3 : 0;
        string userInfo = url[start..at];
        int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        string shown = colon >= 0 ? userInfo[..colon] + ":***" : "***";
        return url[..start] + shown + url[at..];
    }
}
