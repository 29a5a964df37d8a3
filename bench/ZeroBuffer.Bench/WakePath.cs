namespace ZeroBuffer.Bench;

/// <summary>
/// How a read found its frame (see <see cref="WakePathRecorder"/>); the byte values travel in a
/// paced ping-pong's reply (<see cref="HopStamps.EchoWakePathOffset"/>).
/// </summary>
internal enum WakePath : byte
{
    /// <summary>Not known: the strategy cannot be watched (blocking), or the row carries no stamps.</summary>
    Unknown = 0,

    /// <summary>The frame was already committed when the read started: no wait at all.</summary>
    Ready = 1,

    /// <summary>The read polled (spun or yielded) and found the frame within the strategy's budget.</summary>
    Spin = 2,

    /// <summary>The strategy gave up polling and the read went to sleep on the buffer's semaphore: a kernel wake-up.</summary>
    Slept = 3,
}
