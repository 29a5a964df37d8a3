using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>
/// A POSIX shared-memory object mapped read-write into this process. The file descriptor stays
/// open until <see cref="Dispose"/>: the liveness locks of docs/protocol.md §2.4 live on it.
/// </summary>
internal sealed unsafe class SharedMemorySegment : IDisposable
{
    private nint _address;
    private int _fd;

    private SharedMemorySegment(string osName, int fd, nint address, long length)
    {
        OsName = osName;
        _fd = fd;
        _address = address;
        Length = length;
    }

    /// <summary>The open descriptor (read-write): the one the reader's or writer's lock is taken through.</summary>
    internal int Descriptor => _fd;

    /// <summary>The <c>shm_open</c> name, e.g. <c>/cam0</c>.</summary>
    internal string OsName { get; }

    /// <summary>Mapped length in bytes.</summary>
    internal long Length { get; }

    /// <summary>Start of the mapping.</summary>
    internal byte* Pointer => (byte*)_address;

    /// <summary>
    /// Creates the object exclusively (EEXIST → null), reserves <paramref name="length"/> bytes of
    /// memory for it and maps it. The memory is reserved with <c>posix_fallocate</c>: on tmpfs a
    /// plain <c>ftruncate</c> succeeds beyond the size of <c>/dev/shm</c> and the first write past
    /// it kills the process with SIGBUS; reserving turns that into ENOSPC here.
    /// </summary>
    internal static SharedMemorySegment? CreateExclusive(string osName, long length, uint mode, string bufferName)
    {
        int fd = LibC.ShmOpen(osName, LibC.O_CREAT | LibC.O_EXCL | LibC.O_RDWR | LibC.O_CLOEXEC, mode);
        if (fd < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EEXIST)
            {
                return null;
            }

            throw new SystemCallException(bufferName, $"shm_open(\"{osName}\", O_CREAT|O_EXCL)", errno);
        }

        try
        {
            // The requested mode whatever the umask (a shared buffer must be shared as asked).
            _ = LibC.FChmod(fd, mode);
            if (LibC.FTruncate(fd, length) != 0)
            {
                throw new SystemCallException(bufferName, $"ftruncate(\"{osName}\", {length})", Errno.Last);
            }

            int reserve = LibC.PosixFallocate(fd, 0, length);
            if (reserve != 0 && reserve != Errno.EINVAL)
            {
                throw new SystemCallException(bufferName, $"posix_fallocate(\"{osName}\", {length})", reserve);
            }

            return new SharedMemorySegment(osName, fd, Map(fd, length, osName, bufferName), length);
        }
        catch
        {
            _ = LibC.ShmUnlink(osName);
            _ = LibC.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// Opens and maps an existing object; null when it does not exist.
    /// <see cref="BufferAccessDeniedException"/> when it belongs to another user and its mode excludes us.
    /// </summary>
    internal static SharedMemorySegment? OpenExisting(string osName, string bufferName)
    {
        int fd = LibC.ShmOpen(osName, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.ENOENT)
            {
                return null;
            }

            if (errno == Errno.EACCES)
            {
                throw AccessDenied.For(bufferName, ShmFile(osName));
            }

            throw new SystemCallException(bufferName, $"shm_open(\"{osName}\")", errno);
        }

        try
        {
            long length = LibC.LSeek(fd, 0, LibC.SEEK_END);
            if (length < 0)
            {
                throw new SystemCallException(bufferName, $"lseek(\"{osName}\")", Errno.Last);
            }

            // An object of length 0 is one whose creator has not sized it yet (or died doing so).
            return length == 0
                ? new SharedMemorySegment(osName, fd, 0, 0)
                : new SharedMemorySegment(osName, fd, Map(fd, length, osName, bufferName), length);
        }
        catch
        {
            _ = LibC.Close(fd);
            throw;
        }
    }

    /// <summary>The file an object appears as: <c>/dev/shm/N</c> for <c>/N</c>.</summary>
    internal static string ShmFile(string osName) => "/dev/shm/" + osName.TrimStart('/');

    /// <summary>Removes the name; mappings stay valid until unmapped. False when it did not exist.</summary>
    internal static bool Unlink(string osName) => LibC.ShmUnlink(osName) == 0;

    private static nint Map(int fd, long length, string osName, string bufferName)
    {
        nint address = LibC.MMap(0, (nuint)length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (address == -1)
        {
            throw new SystemCallException(bufferName, $"mmap(\"{osName}\", {length})", Errno.Last);
        }

        return address;
    }

    /// <summary>
    /// Maps every page of the segment into this process now, writable, so the first pass over a
    /// fresh ring takes no page faults (which cost milliseconds for a large ring). Contents are
    /// not changed. Kernels before 5.14 lack MADV_POPULATE_WRITE: pages are then read once each,
    /// which maps them (a first write may still take a cheap minor fault).
    /// </summary>
    internal void Populate(string bufferName)
    {
        if (_address == 0 || Length == 0)
        {
            return;
        }

        if (LibC.MAdvise(_address, (nuint)Length, LibC.MADV_POPULATE_WRITE) == 0)
        {
            return;
        }

        int errno = Errno.Last;
        if (errno != Errno.EINVAL)
        {
            throw new SystemCallException(bufferName, $"madvise(\"{OsName}\", MADV_POPULATE_WRITE)", errno);
        }

        byte* p = Pointer;
        long pageSize = Environment.SystemPageSize;
        for (long offset = 0; offset < Length; offset += pageSize)
        {
            _ = Volatile.Read(ref p[offset]);
        }
    }

    /// <summary>Unmaps and closes the descriptor, which drops any lock taken through it.</summary>
    public void Dispose()
    {
        Unmap();
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = LibC.Close(fd);
        }
    }

    /// <summary>
    /// Closes the descriptor (dropping the locks taken through it) but keeps the mapping: for a
    /// writer whose zero-copy frame is still being filled on another thread (see <see cref="Writer.Dispose"/>).
    /// </summary>
    internal void CloseDescriptorKeepMapping()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = LibC.Close(fd);
        }
    }

    private void Unmap()
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
        {
            _ = LibC.MUnmap(address, (nuint)Length);
        }
    }
}
