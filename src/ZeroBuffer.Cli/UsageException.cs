namespace ZeroBuffer.Cli;

/// <summary>An argument combination the parser cannot catch (e.g. mutually exclusive options); exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
