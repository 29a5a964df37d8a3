using System.Buffers.Binary;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>Where the payloads of <c>read</c> and <c>subscribe</c> go besides the report: stdout (raw or length-prefixed), files, or nowhere.</summary>
internal sealed class FrameSink : IDisposable
{
    private readonly string? _format;
    private readonly DirectoryInfo? _directory;
    private readonly Stream? _stdout;

    private FrameSink(string? format, DirectoryInfo? directory)
    {
        _format = format;
        _directory = directory;
        _stdout = format is null ? null : Console.OpenStandardOutput();
    }

    /// <summary>Whether stdout carries the payloads (then the report is on stderr, and frame events are left out).</summary>
    internal bool ToStdout => _stdout is not null;

    /// <summary>
    /// The sink <c>--output</c> / <c>--output-dir</c> ask for (the directory created when missing);
    /// with stdout for payloads, the report moves to stderr.
    /// </summary>
    internal static FrameSink Open(ReceiveSettings settings, Output output)
    {
        if (settings.OutputFormat is not null && output.Json)
        {
            throw new UsageException("--output writes frames to stdout, so it cannot be combined with --json.");
        }

        if (settings.OutputFormat is not null && settings.OutputDir is not null)
        {
            throw new UsageException("--output and --output-dir are mutually exclusive.");
        }

        settings.OutputDir?.Create();
        var sink = new FrameSink(settings.OutputFormat, settings.OutputDir);
        if (sink.ToStdout)
        {
            output.ReportOnStderr(); // stdout carries the frames
        }

        return sink;
    }

    /// <summary>Writes the payload; returns the file written, if any.</summary>
    internal string? Write(ulong sequence, ReadOnlySpan<byte> payload)
    {
        if (_stdout is not null)
        {
            if (_format == "length-prefixed")
            {
                Span<byte> prefix = stackalloc byte[sizeof(uint)];
                BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)payload.Length);
                _stdout.Write(prefix);
            }

            _stdout.Write(payload);
            _stdout.Flush();
            return null;
        }

        if (_directory is null)
        {
            return null;
        }

        string path = Path.Combine(_directory.FullName, $"frame-{sequence:D8}.bin");
        using (FileStream file = File.Create(path))
        {
            file.Write(payload);
        }

        return path;
    }

    /// <summary>Saves the metadata as DIR/metadata.bin with --output-dir.</summary>
    internal void WriteMetadata(ReadOnlySpan<byte> metadata)
    {
        if (_directory is not null)
        {
            using FileStream file = File.Create(Path.Combine(_directory.FullName, "metadata.bin"));
            file.Write(metadata);
        }
    }

    public void Dispose() => _stdout?.Dispose();
}
