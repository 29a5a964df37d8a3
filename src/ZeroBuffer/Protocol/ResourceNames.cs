namespace ZeroBuffer.Protocol;

/// <summary>
/// The OS names of one buffer's resources (protocol-v1 §1) and the rule for buffer names.
/// The only place these formats are spelled out.
/// </summary>
public static class ResourceNames
{
    /// <summary>Longest accepted buffer name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The naming rule, as stated in errors.</summary>
    public const string NameRule = "1-200 characters from [A-Za-z0-9._-], not \".\" or \"..\"";

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule when <paramref name="name"/> breaks it.</summary>
    public static void Validate(string name, string parameterName = "name")
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (!IsValid(name))
        {
            throw new ArgumentException($"Invalid buffer name '{name}': a name must be {NameRule}.", parameterName);
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid buffer name.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name is "." or "..")
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>shm_open</c> name: <c>/N</c> (the file <c>/dev/shm/N</c>).</summary>
    public static string Segment(string name) => "/" + name;

    /// <summary>"Data available" semaphore, posted once per frame by the writer: <c>/sem-w-N</c>.</summary>
    public static string DataAvailableSemaphore(string name) => "/sem-w-" + name;

    /// <summary>"Space available" semaphore, posted on frame release by the reader: <c>/sem-r-N</c>.</summary>
    public static string SpaceAvailableSemaphore(string name) => "/sem-r-" + name;

    /// <summary>Where POSIX shared memory objects appear as files.</summary>
    public const string ShmDirectory = "/dev/shm";

    /// <summary>The file a segment appears as.</summary>
    public static string SegmentFile(string name) => Path.Combine(ShmDirectory, name);

    /// <summary>The file a named semaphore appears as (glibc prefixes <c>sem.</c>).</summary>
    public static string SemaphoreFile(string semaphoreName) => Path.Combine(ShmDirectory, "sem." + semaphoreName.TrimStart('/'));

    /// <summary><c>$TMPDIR/zerobuffer</c> (or <c>/tmp/zerobuffer</c>): the lock directory shared with the C++ and Python implementations.</summary>
    public static string LockDirectory
    {
        get
        {
            string? tmp = Environment.GetEnvironmentVariable("TMPDIR");
            return Path.Combine(string.IsNullOrEmpty(tmp) ? "/tmp" : tmp, "zerobuffer");
        }
    }

    /// <summary>The reader's lock file: <c>&lt;lock directory&gt;/N.lock</c>.</summary>
    public static string LockFile(string name) => Path.Combine(LockDirectory, name + ".lock");

    /// <summary><c>$TMPDIR/zerobuffer/locks</c>: where upstream C# readers keep their lock files.</summary>
    public static string UpstreamLockDirectory => Path.Combine(LockDirectory, "locks");

    /// <summary>Upstream C#'s reader lock file, which our readers hold too: <c>&lt;lock directory&gt;/locks/N.lock</c>.</summary>
    public static string UpstreamLockFile(string name) => Path.Combine(UpstreamLockDirectory, name + ".lock");

    /// <summary>
    /// The file name prefix of the name locks in <c>/dev/shm</c>. <c>@</c> cannot occur in a buffer
    /// name, so a name lock can never be taken for a segment.
    /// </summary>
    public const string NameLockFilePrefix = "zerobuffer-lock@";

    /// <summary>
    /// The name lock: <c>/dev/shm/zerobuffer-lock@N</c>, held while the name is created or cleaned,
    /// in <c>/dev/shm</c> so that creators and cleaners exclude each other across containers.
    /// </summary>
    public static string NameLockFile(string name) => Path.Combine(ShmDirectory, NameLockFilePrefix + name);

    /// <summary>The lock file extension.</summary>
    public const string LockFileExtension = ".lock";
}
