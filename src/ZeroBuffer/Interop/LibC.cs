using System.Runtime.InteropServices;

namespace ZeroBuffer.Interop;

/// <summary>
/// Source-generated bindings to the C library calls the protocol needs (POSIX shared memory,
/// named semaphores, <c>flock</c>, <c>kill</c>). Every call that can fail sets errno, read with
/// <see cref="Marshal.GetLastPInvokeError"/>; callers map it through <see cref="Errno"/>.
/// </summary>
/// <remarks>
/// Flag values are the Linux ones (identical on x86-64 and arm64). The library is Linux-only;
/// <see cref="Platform.EnsureSupported"/> guards the public entry points.
/// </remarks>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    internal const int O_RDONLY = 0x0;
    internal const int O_RDWR = 0x2;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_NONBLOCK = 0x800;

    /// <summary>Differs by architecture: 0x20000 on x86-64, 0x8000 on arm64 (the generic value).</summary>
    internal static readonly int O_NOFOLLOW =
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 0x20000 : 0x8000;

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x1;
    internal const int MAP_POPULATE = 0x8000;

    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;

    internal const int SEEK_END = 2;
    internal const int CLOCK_REALTIME = 0;
    internal const int CLOCK_MONOTONIC = 1;

    /// <summary><c>struct timespec</c> on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Library, EntryPoint = "shm_open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ShmOpen(string name, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "shm_unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ShmUnlink(string name);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int FTruncate(int fd, long length);

    /// <summary>Returns an errno value directly (0 on success); does not set errno.</summary>
    [LibraryImport(Library, EntryPoint = "posix_fallocate")]
    internal static partial int PosixFallocate(int fd, long offset, long length);

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport(Library, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int FChmod(int fd, uint mode);

    [LibraryImport(Library, EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Chmod(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
    internal static partial int FStat(int fd, byte* statBuffer);

    [LibraryImport(Library, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Stat(string path, byte* statBuffer);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint MMap(nint address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary>Linux 5.14+: fault in every page of a range, writable, without changing its contents.</summary>
    internal const int MADV_POPULATE_WRITE = 23;

    [LibraryImport(Library, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int MAdvise(nint address, nuint length, int advice);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int MUnmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>Open-file-description byte-range locks (Linux 3.15+): owned by the open file, not the process.</summary>
    internal const int F_OFD_GETLK = 36;
    internal const int F_OFD_SETLK = 37;
    internal const short F_WRLCK = 1;
    internal const short F_UNLCK = 2;
    internal const short SEEK_SET = 0;

    /// <summary><c>struct flock</c> on 64-bit Linux (32 bytes: two shorts, padding, two off_t, a pid_t, padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FileLockRange
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid; // must be 0 for OFD locks
    }

    /// <summary><c>fcntl(fd, cmd, struct flock*)</c>: the lock commands only (the variadic third argument is a pointer).</summary>
    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlLock(int fd, int command, FileLockRange* range);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    internal static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_BASIC_STATS = 0x7FF;

    /// <summary>Offsets in <c>struct statx</c>, whose layout is the same on every architecture (unlike <c>struct stat</c>).</summary>
    internal const int StatxUidOffset = 20;
    internal const int StatxModeOffset = 28;
    internal const int StatxSize = 256;

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int directoryFd, string path, int flags, uint mask, byte* statxBuffer);

    [LibraryImport(Library, EntryPoint = "sem_open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint SemOpenCreate(string name, int flags, uint mode, uint initialValue);

    [LibraryImport(Library, EntryPoint = "sem_open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint SemOpenExisting(string name, int flags);

    [LibraryImport(Library, EntryPoint = "sem_close", SetLastError = true)]
    internal static partial int SemClose(nint semaphore);

    [LibraryImport(Library, EntryPoint = "sem_unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SemUnlink(string name);

    [LibraryImport(Library, EntryPoint = "sem_post", SetLastError = true)]
    internal static partial int SemPost(SemaphoreHandle semaphore);

    // The three raw semaphore calls below run once per frame (a post), or once per token drained,
    // and never block: glibc's sem_post is an atomic add, plus a FUTEX_WAKE system call only when a
    // waiter sleeps; sem_trywait and sem_getvalue are an atomic and a load. So they skip the GC
    // transition (SuppressGCTransition): it would cost more than the call itself.

    /// <summary>sem_post on the raw pointer, without errno marshalling: the per-frame wake-up (see NamedSemaphore.Post).</summary>
    [LibraryImport(Library, EntryPoint = "sem_post")]
    [SuppressGCTransition]
    internal static partial int SemPostRaw(nint semaphore);

    /// <summary>sem_trywait on the raw pointer, without errno marshalling: bulk token drains (see NamedSemaphore.Drain).</summary>
    [LibraryImport(Library, EntryPoint = "sem_trywait")]
    [SuppressGCTransition]
    internal static partial int SemTryWaitRaw(nint semaphore);

    [LibraryImport(Library, EntryPoint = "sem_getvalue")]
    [SuppressGCTransition]
    internal static partial int SemGetValueRaw(nint semaphore, int* value);

    [LibraryImport(Library, EntryPoint = "sem_init", SetLastError = true)]
    internal static partial int SemInit(nint semaphore, int shared, uint value);

    [LibraryImport(Library, EntryPoint = "sem_destroy")]
    internal static partial int SemDestroy(nint semaphore);

    [LibraryImport(Library, EntryPoint = "sem_trywait", SetLastError = true)]
    internal static partial int SemTryWait(SemaphoreHandle semaphore);

    [LibraryImport(Library, EntryPoint = "sem_timedwait", SetLastError = true)]
    internal static partial int SemTimedWait(SemaphoreHandle semaphore, Timespec* absoluteTimeout);

    /// <summary>glibc 2.30+: like <c>sem_timedwait</c> but against the given clock.</summary>
    [LibraryImport(Library, EntryPoint = "sem_clockwait", SetLastError = true)]
    internal static partial int SemClockWait(SemaphoreHandle semaphore, int clock, Timespec* absoluteTimeout);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true)]
    internal static partial int OpenUtf8(byte* path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "sem_wait", SetLastError = true)]
    internal static partial int SemWait(SemaphoreHandle semaphore);

    [LibraryImport(Library, EntryPoint = "sem_getvalue", SetLastError = true)]
    internal static partial int SemGetValue(SemaphoreHandle semaphore, int* value);

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int ClockGetTime(int clock, Timespec* time);

    /// <summary><c>syscall(2)</c> with up to five word-sized arguments (the futex calls glibc has no wrapper for).</summary>
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5);

    /// <summary><c>struct futex_waitv</c> (Linux 5.16+): the expected value, the word's address, <c>FUTEX2_*</c> flags.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FutexWaitV
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;
    }

    /// <summary>A 32-bit futex word, shared between processes (the default: no <see cref="FUTEX2_PRIVATE"/>).</summary>
    internal const uint FUTEX2_SIZE_U32 = 0x02;

    /// <summary>A futex word private to this process (a cheaper kernel key).</summary>
    internal const uint FUTEX2_PRIVATE = 128;

    /// <summary><c>futex(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)</c>.</summary>
    internal const int FUTEX_WAKE_PRIVATE = 1 | 128;

    /// <summary>The <c>futex_waitv</c> system call: the same number on every architecture (new calls are unified).</summary>
    internal const long SYS_futex_waitv = 449;

    /// <summary>The <c>futex</c> system call's number on this architecture; -1 where unknown.</summary>
    internal static long SysFutex => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };
}
