using System.CommandLine;
using System.CommandLine.Parsing;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// The options of <c>write</c> and <c>publish</c> that say which frames to send
/// (<see cref="FrameSource"/>): declared once, so both commands take the same ones, with the same
/// checks and help.
/// </summary>
internal sealed class FrameSourceOptions
{
    /// <summary>What the help of both commands says of the frames, after their events.</summary>
    internal const string Help = """
        Pattern "sequence": byte i of the frame with sequence s is (byte)(i + s).
        --stdin lines: each line (without its line break; empty lines skipped) is a frame.
        --stdin length-prefixed: each frame is a u32 little-endian length followed by that many bytes.
        --file PATH...: one frame per file, in the order given (the whole file is the payload).
        With --stdin or --file, --count, --size, --sizes and --pattern are ignored.
        --rate R: at most R frames per second (paced against a clock, so slow sends do not add up);
          applies to generated, stdin and file frames; not with --delay-ms.
        Text mode prints "Wrote frame <sequence>, size: <size>" per frame and, with --hash, "Hash: <sha256 hex>".
        """;

    /// <summary>The highest --rate, frames per second (beyond it pacing means nothing).</summary>
    private const double MaxRate = 10_000_000;

    private readonly Option<long> _count = new Option<long>("--count") { Description = "Frames to send.", DefaultValueFactory = _ => 10 }.AtLeast(0);
    private readonly Option<int> _size = new Option<int>("--size") { Description = "Frame size in bytes.", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(1);

    private readonly Option<int[]?> _sizes = new("--sizes")
    {
        Description = "Comma-separated frame sizes, cycled (e.g. 100,1024,1); overrides --size.",
        CustomParser = ParseSizes,
    };

    private readonly Option<string> _pattern = new("--pattern")
    {
        Description = "Frame content: sequence (byte i = (byte)(i + seq)), zero, or random (seeded by --seed).",
        DefaultValueFactory = _ => "sequence",
    };

    private readonly Option<int> _seed = new Option<int>("--seed") { Description = "Seed of the random pattern (0 or more).", DefaultValueFactory = _ => 1 }.AtLeast(0);
    private readonly Option<double?> _rate = new("--rate") { Description = "Frames per second (pacing); default: as fast as the readers allow." };
    private readonly Option<int> _delayMs = new Option<int>("--delay-ms") { Description = "Pause between frames, in milliseconds.", DefaultValueFactory = _ => 0 }.AtLeast(0);

    private readonly Option<FileInfo[]> _files = new("--file")
    {
        Description = "Files to send, one frame per file (whole file = payload).",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<string?> _stdin = new("--stdin") { Description = "Take frames from stdin: lines or length-prefixed." };
    private readonly Option<string?> _metadata = new("--metadata") { Description = "Metadata to write first (UTF-8 text)." };
    private readonly Option<FileInfo?> _metadataFile = new("--metadata-file") { Description = "Metadata to write first (the file's bytes)." };
    private readonly Option<bool> _hash = new("--hash") { Description = "Report the SHA-256 of every frame's payload." };
    private readonly Option<bool> _exit = new("--exit") { Description = "Finish with an EXIT frame (the 4 ASCII bytes \"EXIT\"), which ends 'zerobuffer read' and 'subscribe'." };
    private readonly Option<bool> _hold;

    /// <param name="holds">What --hold keeps until stdin closes ("stay connected").</param>
    internal FrameSourceOptions(string holds)
    {
        _pattern.AcceptOnlyFromAmong("sequence", "zero", "random");
        _rate.Check(value => value is double r && !(r > 0 && r <= MaxRate) ? $"--rate must be greater than 0 and at most {MaxRate} (got {r})." : null);
        _files.AcceptExistingOnly();
        _stdin.AcceptOnlyFromAmong("lines", "length-prefixed");
        _hold = new Option<bool>("--hold") { Description = $"After the frames, {holds} until stdin is closed (or Ctrl+C)." };
    }

    /// <summary>Adds the options to <paramref name="command"/>, before its own (the help lists them first).</summary>
    internal void AddTo(Command command)
    {
        int at = 0;
        foreach (Option option in new Option[] { _count, _size, _sizes, _pattern, _seed, _rate, _delayMs, _files, _stdin, _metadata, _metadataFile, _hash, _exit, _hold })
        {
            command.Options.Insert(at++, option);
        }
    }

    /// <summary>The frames the parsed options ask for.</summary>
    internal FrameSource Get(ParseResult parse) => new(
        parse.GetValue(_count),
        parse.GetValue(_sizes) is { Length: > 0 } given ? given : [parse.GetValue(_size)], // absent --sizes reads as empty
        Enum.Parse<FramePatternKind>(parse.GetRequiredValue(_pattern), ignoreCase: true),
        parse.GetValue(_seed),
        parse.GetValue(_rate),
        parse.GetValue(_delayMs),
        parse.GetValue(_files) ?? [],
        parse.GetValue(_stdin),
        parse.GetValue(_metadata),
        parse.GetValue(_metadataFile),
        parse.GetValue(_hash),
        parse.GetValue(_exit),
        parse.GetValue(_hold));

    private static int[]? ParseSizes(ArgumentResult result)
    {
        var values = new List<int>();
        foreach (Token token in result.Tokens)
        {
            foreach (string part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!ByteSize.TryParseFrameSize(part, out int value) || value < 1)
                {
                    result.AddError($"--sizes: '{part}' is not a frame size (a whole number of bytes >= 1, optionally with K, M, G or KiB, MiB, GiB).");
                    return null;
                }

                values.Add(value);
            }
        }

        if (values.Count == 0)
        {
            result.AddError("--sizes needs at least one size.");
            return null;
        }

        return [.. values];
    }
}
