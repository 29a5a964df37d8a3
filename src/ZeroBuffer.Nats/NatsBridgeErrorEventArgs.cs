namespace ZeroBuffer.Nats;

/// <summary>
/// Something went wrong that the bridge rides out: a publish it retries, a malformed message it
/// skips, metadata the local buffer cannot take. Errors that stop the bridge fault its
/// <c>Completion</c> instead.
/// </summary>
public sealed class NatsBridgeErrorEventArgs : EventArgs
{
    /// <summary>Creates the report.</summary>
    public NatsBridgeErrorEventArgs(string what, Exception? exception)
    {
        What = what;
        Exception = exception;
    }

    /// <summary>What happened, and what the bridge does about it.</summary>
    public string What { get; }

    /// <summary>The error, when there is one.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => Exception is null ? What : $"{What}: {Exception.Message}";
}
