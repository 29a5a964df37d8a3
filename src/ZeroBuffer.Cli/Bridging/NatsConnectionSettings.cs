using NATS.Client.Core;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>The connection a bridge command asked for (<see cref="NatsConnectionOptions"/>), and the NATS.Net options it makes.</summary>
/// <param name="Url">The server URL, or a comma-separated list.</param>
/// <param name="CredsFile">A user JWT and NKEY seed file, or null.</param>
/// <param name="User">With <paramref name="Password"/>, or null.</param>
/// <param name="Password">With <paramref name="User"/>, or null.</param>
/// <param name="Token">An authentication token, or null.</param>
/// <param name="TlsCa">The CA certificate file (PEM) to trust, or null for the system's.</param>
/// <param name="TlsCert">This client's certificate file (PEM), or null.</param>
/// <param name="TlsKey">This client's key file (PEM), or null.</param>
/// <param name="Backoff">The delays between connection attempts.</param>
internal sealed record NatsConnectionSettings(
    string Url, string? CredsFile, string? User, string? Password, string? Token, string? TlsCa, string? TlsCert, string? TlsKey, Backoff Backoff)
{
    /// <summary>The URLs as they may be shown (password and token masked).</summary>
    internal string DisplayUrl => NatsServerUrls.Masked(Url);

    /// <summary>
    /// The client's options: credentials in <c>AuthOpts</c> (NATS.Net reads <c>user:password@</c> from
    /// the URL itself, and these take precedence), certificates in <c>TlsOpts</c> (with a CA or a
    /// client certificate TLS is required, as with a <c>tls://</c> URL), the reconnection back-off,
    /// unlimited reconnection attempts, and the servers tried in the order given.
    /// </summary>
    /// <param name="clientName">The name the server shows for this connection (its monitoring, its logs).</param>
    internal NatsOpts ToNatsOpts(string clientName) => new()
    {
        Url = Url,
        Name = clientName,
        NoRandomize = true, // this host's server first, the others for failover
        AuthOpts = new NatsAuthOpts
        {
            CredsFile = CredsFile,
            Username = User,
            Password = Password,
            Token = Token,
        },
        TlsOpts = new NatsTlsOpts
        {
            CaFile = TlsCa,
            CertFile = TlsCert,
            KeyFile = TlsKey,
        },
        ReconnectWaitMin = Backoff.Min,
        ReconnectWaitMax = Backoff.Max,
        ReconnectJitter = Backoff.Jitter,
        MaxReconnectRetry = -1, // a bridge rides out any outage; the user stops it
        RetryOnInitialConnect = false, // the first connection's attempts are the bridge's own, each reported (NatsConnector)
    };
}
