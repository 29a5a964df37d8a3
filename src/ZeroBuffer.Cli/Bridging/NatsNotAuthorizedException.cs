namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// The NATS server refused this client for good: its credentials, or the TLS handshake (exit 7,
/// <see cref="ExitCodes.NotAuthorized"/>). Unlike a server that does not answer, trying again
/// would not help.
/// </summary>
internal sealed class NatsNotAuthorizedException : Exception
{
    public NatsNotAuthorizedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public NatsNotAuthorizedException(string message)
        : base(message)
    {
    }

    public NatsNotAuthorizedException()
    {
    }
}
