using System.CommandLine;
using ZeroBuffer.Cli.Commands;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// The options of <c>read</c> and <c>subscribe</c> (<see cref="ReceiveSettings"/>): declared once,
/// so both commands take the same ones, with the same checks and help.
/// </summary>
internal sealed class ReceiveOptions
{
    /// <summary>What the help of both commands says of the outputs and the end, after their events.</summary>
    internal const string Help = """
        --output raw|length-prefixed: stdout carries only the frame payloads (raw: concatenated; length-prefixed:
          each preceded by its u32 little-endian length, the format "write --stdin length-prefixed" reads);
          the status lines go to stderr and --json is refused.
        --output-dir DIR: each frame is saved as DIR/frame-<sequence, 8 digits>.bin (metadata as DIR/metadata.bin);
          events as usual, frame events carry "file":"<path>". With a new writer connection (sequence 1 again)
          later files overwrite earlier ones of the same sequence.
        --access owner|group|everyone: who besides this user may open the buffer (modes 0600, 0660, 0666).
        The buffer is removed when the command ends (also on Ctrl+C). Without --count, Ctrl+C is the normal end
        (the done event, exit 0); with --count, or on SIGTERM, the read is interrupted (exit 130).
        """;

    private readonly Option<long> _metadataSize = new Option<long>("--metadata-size")
    {
        Description = "Bytes reserved for metadata (its 8-byte length prefix included).",
        DefaultValueFactory = _ => 1024,
    }.Sized().AtLeast(0);

    private readonly Option<long> _payloadSize = new Option<long>("--payload-size")
    {
        Description = "Ring size in bytes (at least 2 x (largest frame + 24)).",
        DefaultValueFactory = _ => 1024 * 1024,
    }.Sized().AtLeast(1);

    private readonly Option<long> _count;

    private readonly Option<int?> _timeoutMs = new Option<int?>("--timeout-ms")
    {
        Description = "Give up (exit 3) when no frame arrives for this many milliseconds. Default: wait forever.",
    }.AtLeast(0);

    private readonly Option<bool> _hash = new("--hash") { Description = "Report the SHA-256 of every frame's payload." };

    private readonly Option<int> _delayMs = new Option<int>("--delay-ms")
    {
        Description = "Hold each frame this many milliseconds before releasing it (a slow reader).",
        DefaultValueFactory = _ => 0,
    }.AtLeast(0);

    private readonly Option<bool> _keepGoing;
    private readonly Option<string?> _output = new("--output") { Description = "Write frame payloads to stdout: raw or length-prefixed (status goes to stderr)." };
    private readonly Option<DirectoryInfo?> _outputDir = new("--output-dir") { Description = "Save each frame as DIR/frame-<sequence>.bin (created when missing)." };
    private readonly Option<string> _access;

    /// <param name="writer">Who writes, in the help ("writer").</param>
    internal ReceiveOptions(string writer)
    {
        _count = new Option<long>("--count")
        {
            Description = $"Frames to read before finishing; 0 = until an EXIT frame or the {writer} is gone.",
            DefaultValueFactory = _ => 0,
        }.AtLeast(0);
        _keepGoing = new Option<bool>("--keep-going") { Description = $"When the {writer} leaves or dies, report it and wait for a new {writer} instead of exiting." };
        _output.AcceptOnlyFromAmong("raw", "length-prefixed");
        _access = AccessOption.Create("the buffer");
    }

    /// <summary>Adds the options to <paramref name="command"/>, at <paramref name="position"/> among its own (where the help lists them).</summary>
    internal void AddTo(Command command, int position = 0)
    {
        int at = position;
        foreach (Option option in new Option[] { _metadataSize, _payloadSize, _count, _timeoutMs, _hash, _delayMs, _keepGoing, _output, _outputDir, _access })
        {
            command.Options.Insert(at++, option);
        }
    }

    /// <summary>What the parsed options ask for.</summary>
    internal ReceiveSettings Get(ParseResult parse) => new(
        parse.GetValue(_metadataSize),
        parse.GetValue(_payloadSize),
        parse.GetValue(_count),
        parse.GetValue(_timeoutMs) is int t ? TimeSpan.FromMilliseconds(t) : null,
        parse.GetValue(_hash),
        parse.GetValue(_delayMs),
        parse.GetValue(_keepGoing),
        parse.GetValue(_output),
        parse.GetValue(_outputDir),
        AccessOption.Get(parse, _access));
}
