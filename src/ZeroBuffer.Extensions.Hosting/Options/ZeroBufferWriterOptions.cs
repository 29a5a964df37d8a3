using ZeroBuffer.Extensions.Hosting.Internal;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// A hosted writer: how it waits for its reader and writes. Configuration section:
/// <c>ZeroBuffer:Writers:&lt;name&gt;</c>.
/// </summary>
public sealed class ZeroBufferWriterOptions : ZeroBufferEndpointOptions
{
    /// <summary>
    /// How long a write waits for ring space before <see cref="BufferFullException"/> (see
    /// <see cref="Writer.WriteTimeout"/>). Default 5 s; <see cref="Timeout.InfiniteTimeSpan"/> allowed.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// What happens when the reader closes the buffer or dies. Default
    /// <see cref="PeerGoneBehavior.WaitForNext"/>: the writer is disposed and the endpoint connects
    /// again as soon as a reader creates the buffer anew.
    /// </summary>
    public PeerGoneBehavior WhenReaderGone { get; set; } = PeerGoneBehavior.WaitForNext;

    internal override EndpointKind Kind => EndpointKind.Writer;

    /// <inheritdoc/>
    internal override void Validate(string registrationName, OptionsProblems problems)
    {
        base.Validate(registrationName, problems);
        problems.RequirePositiveOrInfinite(nameof(WriteTimeout), WriteTimeout);
        problems.RequireDefined(nameof(WhenReaderGone), WhenReaderGone);
    }
}
