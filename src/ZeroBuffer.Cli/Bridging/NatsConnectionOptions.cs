using System.CommandLine;
using System.CommandLine.Parsing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NATS.NKeys;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// How every <c>bridge</c> command reaches NATS: the server URLs, the credentials and TLS files,
/// and the back-off between connection attempts (<see cref="NatsConnectionSettings"/>). Declared
/// once, so the four commands take the same options with the same checks and help. Files are
/// checked when the command line is parsed (present, and of the right kind), so a wrong path is a
/// usage error (exit 2), not an endless retry.
/// </summary>
internal sealed class NatsConnectionOptions
{
    /// <summary>What the help of every bridge command says of the connection, after its events.</summary>
    internal const string Help = """
        Connection (as NATS users expect; passed to NATS.Net's NatsOpts):
          --nats URL[,URL...]: nats://HOST:PORT, tls://HOST:PORT (TLS required), ws:// or wss://; several URLs
            (a cluster's nodes) are tried in the order given: put this host's server first. user:password@ or
            token@ in a URL authenticates too (the options below take precedence).
          --creds FILE (a user JWT and its NKEY seed, as nsc writes them), or --user U --password P, or --token T.
          --tls-ca FILE: the CA (PEM) that signed the server's certificate, instead of the system's trust store;
          --tls-cert FILE --tls-key FILE: this client's certificate and key (PEM), for servers that verify clients.
          With no server at start, the command keeps trying: a "connecting" event per attempt with the next delay,
          doubling from --reconnect-min-ms to --reconnect-max-ms, plus up to --reconnect-jitter-ms at random.
          When the connection drops later, NATS.Net reconnects with the same back-off: "disconnected", then a
          "reconnecting" event per failed attempt, then "connected". A refusal of the credentials or of TLS ends
          the command with exit 7 (NotAuthorized): trying again would not help.
          A password or token on the command line is visible to other users of the host (ps): prefer --creds.
        """;

    private const string JwtBlock = "-----BEGIN NATS USER JWT-----";
    private const string SeedBlock = "-----BEGIN USER NKEY SEED-----";

    private readonly Option<string> _nats = new("--nats")
    {
        Description = "NATS server URL, or a comma-separated list of a cluster's (nats://, tls://).",
        HelpName = "URL",
        Required = true,
    };

    private readonly Option<FileInfo> _creds = new("--creds") { Description = "Credentials file: a user JWT and its NKEY seed.", HelpName = "FILE" };
    private readonly Option<string?> _user = new("--user") { Description = "User name (with --password)." };
    private readonly Option<string?> _password = new("--password") { Description = "Password (with --user)." };
    private readonly Option<string?> _token = new("--token") { Description = "Authentication token." };
    private readonly Option<FileInfo> _tlsCa = new("--tls-ca") { Description = "CA certificate (PEM) that signed the server's certificate.", HelpName = "FILE" };
    private readonly Option<FileInfo> _tlsCert = new("--tls-cert") { Description = "Client certificate (PEM), with --tls-key.", HelpName = "FILE" };
    private readonly Option<FileInfo> _tlsKey = new("--tls-key") { Description = "Client private key (PEM), with --tls-cert.", HelpName = "FILE" };

    private readonly Option<int> _reconnectMinMs = new Option<int>("--reconnect-min-ms")
    {
        Description = "First delay between connection attempts, in milliseconds (then doubling).",
        DefaultValueFactory = _ => 250,
    }.AtLeast(1);

    private readonly Option<int> _reconnectMaxMs = new Option<int>("--reconnect-max-ms")
    {
        Description = "Longest delay between connection attempts, in milliseconds.",
        DefaultValueFactory = _ => 5000,
    }.AtLeast(1);

    private readonly Option<int> _reconnectJitterMs = new Option<int>("--reconnect-jitter-ms")
    {
        Description = "Random extra delay per attempt, up to this many milliseconds.",
        DefaultValueFactory = _ => 100,
    }.AtLeast(0);

    internal NatsConnectionOptions()
    {
        _nats.Check(NatsServerUrls.Problem);
        _creds.AcceptExistingOnly();
        _creds.Check(file => file is null ? null : CredentialsProblem(file));
        foreach (Option<FileInfo> pem in new[] { _tlsCa, _tlsCert, _tlsKey })
        {
            pem.AcceptExistingOnly();
        }

        _tlsCa.Check(file => file is null ? null : CertificateAuthorityProblem(file));
    }

    /// <summary>Adds the options, and the checks of how they combine, to <paramref name="command"/>.</summary>
    internal void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _nats, _creds, _user, _password, _token, _tlsCa, _tlsCert, _tlsKey, _reconnectMinMs, _reconnectMaxMs, _reconnectJitterMs })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(CheckCombination);
    }

    /// <summary>What the parsed options ask for.</summary>
    internal NatsConnectionSettings Get(ParseResult parse) => new(
        parse.GetRequiredValue(_nats),
        parse.GetValue(_creds)?.FullName,
        parse.GetValue(_user),
        parse.GetValue(_password),
        parse.GetValue(_token),
        parse.GetValue(_tlsCa)?.FullName,
        parse.GetValue(_tlsCert)?.FullName,
        parse.GetValue(_tlsKey)?.FullName,
        new Backoff(
            TimeSpan.FromMilliseconds(parse.GetValue(_reconnectMinMs)),
            TimeSpan.FromMilliseconds(parse.GetValue(_reconnectMaxMs)),
            TimeSpan.FromMilliseconds(parse.GetValue(_reconnectJitterMs))));

    private void CheckCombination(CommandResult result)
    {
        bool Given(Option option) => result.GetResult(option) is { Implicit: false };

        if (Given(_user) != Given(_password))
        {
            result.AddError("Give --user and --password together.");
        }

        int methods = (Given(_creds) ? 1 : 0) + (Given(_user) ? 1 : 0) + (Given(_token) ? 1 : 0);
        if (methods > 1)
        {
            result.AddError("Give at most one of --creds, --user/--password and --token.");
        }

        if (Given(_tlsCert) != Given(_tlsKey))
        {
            result.AddError("Give --tls-cert and --tls-key together.");
        }
        else if (Given(_tlsCert) && result.GetValue(_tlsCert) is FileInfo cert && result.GetValue(_tlsKey) is FileInfo key
            && cert.Exists && key.Exists && ClientCertificateProblem(cert, key) is string problem)
        {
            result.AddError(problem);
        }
    }

    /// <summary>
    /// A creds file as nsc writes it holds both blocks, and its seed is a user's NKEY seed; anything
    /// else would fail at every connection attempt. The seed is checked here because the client signs
    /// the server's nonce with it before sending anything: a seed that does not decode (a typo, a
    /// truncated line) fails there, on this side, and would be retried for ever. Whether the JWT is
    /// one the server accepts, and the seed its user's, only the server says (exit 7).
    /// </summary>
    private static string? CredentialsProblem(FileInfo file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file.FullName);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return $"--creds: '{file.FullName}' cannot be read: {error.Message}";
        }

        int jwtBlock = Array.FindIndex(lines, line => line.Trim().StartsWith(JwtBlock, StringComparison.Ordinal));
        int seedBlock = Array.FindIndex(lines, line => line.Trim().StartsWith(SeedBlock, StringComparison.Ordinal));
        if (jwtBlock < 0 || seedBlock < 0)
        {
            return $"--creds: '{file.FullName}' is not a NATS credentials file (it needs a user JWT block and a user NKEY seed block).";
        }

        // NATS.Net takes the line after the block's first line as it is (not trimmed).
        string seed = seedBlock + 1 < lines.Length ? lines[seedBlock + 1] : "";
        if (seed.Length == 0)
        {
            return $"--creds: '{file.FullName}' has no NKEY seed on the line after its '{SeedBlock}' line.";
        }

        try
        {
            using KeyPair pair = KeyPair.FromSeed(seed);
            return pair.Prefix == PrefixByte.User
                ? null
                : $"--creds: '{file.FullName}' holds an NKEY seed of kind {pair.Prefix}, not a user's seed (SU...).";
        }
        catch (Exception error) when (error is NKeysException or ArgumentException or FormatException or IndexOutOfRangeException)
        {
            return $"--creds: '{file.FullName}' holds no valid user NKEY seed after its '{SeedBlock}' line: {error.Message}";
        }
    }

    private static string? CertificateAuthorityProblem(FileInfo file)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(file.FullName);
            int count = certificates.Count;
            foreach (X509Certificate2 certificate in certificates)
            {
                certificate.Dispose();
            }

            return count > 0 ? null : $"--tls-ca: '{file.FullName}' holds no PEM certificate.";
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"--tls-ca: '{file.FullName}' is not a PEM certificate file: {error.Message}";
        }
    }

    private static string? ClientCertificateProblem(FileInfo cert, FileInfo key)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(cert.FullName, key.FullName);
            return null;
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return $"--tls-cert/--tls-key: '{cert.FullName}' and '{key.FullName}' are not a PEM certificate and its private key: {error.Message}";
        }
    }
}
