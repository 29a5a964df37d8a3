using ZeroBuffer.Extensions.Hosting.Internal;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// A hosted reader: the buffer it creates when the host starts, and what it does when its writer
/// leaves or its handler fails. Configuration section: <c>ZeroBuffer:Readers:&lt;name&gt;</c>.
/// </summary>
public sealed class ZeroBufferReaderOptions : ZeroBufferOwnerOptions
{
    /// <summary>
    /// What happens when the writer closes the stream on purpose, after its last frame was handled.
    /// Default <see cref="PeerGoneBehavior.WaitForNext"/>: the buffer stays and the next writer's
    /// frames are handled as they come.
    /// </summary>
    public PeerGoneBehavior WhenWriterCloses { get; set; } = PeerGoneBehavior.WaitForNext;

    /// <summary>
    /// What happens when the writer crashes (or disconnects without closing), after every frame it
    /// committed was handled. Default <see cref="PeerGoneBehavior.WaitForNext"/>.
    /// </summary>
    public PeerGoneBehavior WhenWriterDies { get; set; } = PeerGoneBehavior.WaitForNext;

    /// <summary>
    /// What happens when the frame handler throws. Default <see cref="HandlerErrorBehavior.Continue"/>:
    /// the error is logged with the frame's sequence, the frame is released and the next one is handled.
    /// </summary>
    public HandlerErrorBehavior OnHandlerError { get; set; } = HandlerErrorBehavior.Continue;

    /// <summary>Maps every page of the ring when the buffer is created, so the first frames take no page faults (see <see cref="Reader.Prefault"/>).</summary>
    public bool Prefault { get; set; }

    /// <summary>Gives released frames' space back in batches (see <see cref="Reader.BatchReleases"/>); for readers that read continuously.</summary>
    public bool BatchReleases { get; set; }

    internal override EndpointKind Kind => EndpointKind.Reader;

    /// <inheritdoc/>
    internal override void Validate(string registrationName, OptionsProblems problems)
    {
        base.Validate(registrationName, problems);
        problems.RequireDefined(nameof(WhenWriterCloses), WhenWriterCloses);
        problems.RequireDefined(nameof(WhenWriterDies), WhenWriterDies);
        problems.RequireDefined(nameof(OnHandlerError), OnHandlerError);
    }
}
