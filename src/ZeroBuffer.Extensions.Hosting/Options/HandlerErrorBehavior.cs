namespace ZeroBuffer.Extensions.Hosting;

/// <summary>What a hosted reader does when its <see cref="IFrameHandler"/> throws.</summary>
public enum HandlerErrorBehavior
{
    /// <summary>Log the error (with the frame's sequence), release the frame, and handle the next one.</summary>
    Continue = 0,

    /// <summary>Log the error, stop reading (the endpoint reports Unhealthy) and stop the host.</summary>
    StopHost = 1,
}
