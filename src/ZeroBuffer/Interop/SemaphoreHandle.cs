using Microsoft.Win32.SafeHandles;

namespace ZeroBuffer.Interop;

/// <summary>
/// A <c>sem_t*</c> from <c>sem_open</c>. Being a SafeHandle, every P/Invoke that takes it holds a
/// reference for the duration of the call, so disposing it on one thread while another thread
/// waits in <c>sem_timedwait</c> defers <c>sem_close</c> until that wait returns.
/// </summary>
internal sealed class SemaphoreHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SemaphoreHandle()
        : base(ownsHandle: true)
    {
    }

    internal SemaphoreHandle(nint existing)
        : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => LibC.SemClose(handle) == 0;
}
