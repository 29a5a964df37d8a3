using ZeroBuffer.Interop;

namespace ZeroBuffer;

/// <summary>An operating-system call failed with an errno the library cannot turn into a more specific error.</summary>
public sealed class SystemCallException : ZeroBufferException
{
    /// <summary>Creates the error.</summary>
    public SystemCallException(string? bufferName, string operation, int errno)
        : base(ZeroBufferErrorKind.SystemError, bufferName,
               $"{operation} failed{(bufferName is null ? "" : $" for buffer '{bufferName}'")}: {Interop.Errno.Describe(errno)}.")
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>The call that failed, e.g. <c>shm_open("/cam0")</c>.</summary>
    public string Operation { get; }

    /// <summary>The errno value.</summary>
    public int Errno { get; }
}
