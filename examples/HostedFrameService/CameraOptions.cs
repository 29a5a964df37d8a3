namespace HostedFrameService;

/// <summary>The synthetic camera's picture (configuration section <c>Camera</c>).</summary>
internal sealed class CameraOptions
{
    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    public int Fps { get; set; } = 30;
}
