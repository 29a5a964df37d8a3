using System.Text;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// Which frames <c>write</c> and <c>publish</c> send, and how (<see cref="FrameSourceOptions"/>):
/// generated (<see cref="Count"/> frames of <see cref="Sizes"/>, cycled, filled with
/// <see cref="Pattern"/>), one per file, or from stdin (<c>lines</c> or <c>length-prefixed</c>);
/// the metadata first; paced by <see cref="Rate"/> or <see cref="DelayMs"/>; an EXIT frame last
/// (<see cref="Exit"/>); then, with <see cref="Hold"/>, staying on until stdin closes.
/// </summary>
internal sealed record FrameSource(
    long Count, int[] Sizes, FramePatternKind Pattern, int Seed, double? Rate, int DelayMs, FileInfo[] Files, string? Stdin,
    string? Metadata, FileInfo? MetadataFile, bool Hash, bool Exit, bool Hold)
{
    /// <summary>Refuses options that exclude each other (a usage error, before anything is connected).</summary>
    internal void Validate()
    {
        if (Metadata is not null && MetadataFile is not null)
        {
            throw new UsageException("--metadata and --metadata-file are mutually exclusive.");
        }

        if (Files.Length > 0 && Stdin is not null)
        {
            throw new UsageException("--file and --stdin are mutually exclusive.");
        }

        if (Rate is not null && DelayMs > 0)
        {
            throw new UsageException("--rate and --delay-ms are mutually exclusive.");
        }

        if (Hold && Stdin is not null)
        {
            throw new UsageException("--hold waits for stdin to close, so it cannot be combined with --stdin.");
        }
    }

    /// <summary>The metadata to write first (<c>--metadata</c> as UTF-8, or <c>--metadata-file</c>'s bytes); null when none.</summary>
    internal byte[]? ReadMetadata() =>
        Metadata is not null ? Encoding.UTF8.GetBytes(Metadata)
        : MetadataFile is not null ? File.ReadAllBytes(MetadataFile.FullName)
        : null;
}
