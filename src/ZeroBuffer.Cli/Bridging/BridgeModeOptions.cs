using System.CommandLine;
using System.CommandLine.Parsing;
using ZeroBuffer.Nats;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// <c>--mode core|jetstream</c> and the JetStream settings of <c>bridge export</c> and
/// <c>bridge import</c> (the library's <see cref="NatsJetStreamOptions"/>): declared once, so both
/// sides take the same ones. The consumer and its acknowledgement wait are the importer's only.
/// A JetStream setting given with core mode does nothing: the command warns of it.
/// </summary>
internal sealed class BridgeModeOptions
{
    /// <summary>What the help of both commands says of the modes.</summary>
    internal const string Help = """
        Modes: core (default): at most once, nothing stored; every frame that does not arrive is reported as a gap.
          jetstream: at least once, de-duplicated: the exporter releases a frame once the stream stored it, the
          importer acknowledges it once it is in the local ring; a restart of either side or of a server loses
          nothing committed. Both sides create the stream when it does not exist (--stream, default ZB_ and the
          subject with dots as underscores; --replicas 3 in a three-node cluster survives the loss of a node;
          --memory-storage keeps it in memory, lost with the server), and use an existing one as it is.
        """;

    private readonly Option<string> _mode = new("--mode")
    {
        Description = "core (at most once, gaps reported) or jetstream (at least once, de-duplicated).",
        DefaultValueFactory = _ => "core",
    };

    private readonly Option<string?> _stream = new("--stream") { Description = "JetStream stream name (default: ZB_ and the subject, dots as underscores).", HelpName = "NAME" };
    private readonly Option<int> _replicas = new Option<int>("--replicas") { Description = "Replicas of the stream when it is created (1-5).", DefaultValueFactory = _ => 1 }.Within(1, 5);
    private readonly Option<bool> _memoryStorage = new("--memory-storage") { Description = "Create the stream in memory instead of files (faster; lost with the server)." };

    private readonly Option<long> _streamMaxBytes = new Option<long>("--stream-max-bytes")
    {
        Description = "Size limit of the stream when it is created; the oldest frames go beyond it.",
        DefaultValueFactory = _ => 1L << 30,
    }.Sized().AtLeast(1);

    private readonly Option<string?>? _consumer;
    private readonly Option<int>? _ackWaitMs;

    /// <param name="importer">Whether the importer's options (its durable consumer) are part of the set.</param>
    internal BridgeModeOptions(bool importer)
    {
        _mode.AcceptOnlyFromAmong("core", "jetstream");
        if (importer)
        {
            _consumer = new Option<string?>("--consumer")
            {
                Description = "Durable consumer name (default: zb- and the buffer name); a restarted import with the same name resumes where it stopped.",
                HelpName = "NAME",
            };
            _ackWaitMs = new Option<int>("--ack-wait-ms")
            {
                Description = "How long the server waits for an acknowledgement before delivering a message again (after a disconnection).",
                DefaultValueFactory = _ => 30_000,
            }.AtLeast(1);
        }
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    internal void AddTo(Command command)
    {
        foreach (Option option in JetStreamOptions().Prepend(_mode))
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The JetStream settings given with core mode, which do nothing there: the command warns of
    /// each (a warning, not a usage error, so a bad value of one of them stays the only error reported).
    /// </summary>
    internal IEnumerable<string> IgnoredInCoreMode(ParseResult parse) =>
        Mode(parse) == BridgeMode.JetStream ? [] : JetStreamOptions().Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name);

    /// <summary>The mode the options ask for.</summary>
    internal BridgeMode Mode(ParseResult parse) => parse.GetValue(_mode) == "jetstream" ? BridgeMode.JetStream : BridgeMode.Core;

    /// <summary>The JetStream settings the options ask for (the library's defaults for the rest).</summary>
    internal NatsJetStreamOptions JetStream(ParseResult parse) => new()
    {
        StreamName = parse.GetValue(_stream),
        Replicas = parse.GetValue(_replicas),
        MemoryStorage = parse.GetValue(_memoryStorage),
        MaxBytes = parse.GetValue(_streamMaxBytes),
        ConsumerName = _consumer is null ? null : parse.GetValue(_consumer),
        AckWait = _ackWaitMs is null ? new NatsJetStreamOptions().AckWait : TimeSpan.FromMilliseconds(parse.GetValue(_ackWaitMs)),
    };

    /// <summary>How a mode is named in options, events and text (<c>core</c>, <c>jetstream</c>).</summary>
    internal static string NameOf(BridgeMode mode) => mode == BridgeMode.JetStream ? "jetstream" : "core";

    private IEnumerable<Option> JetStreamOptions()
    {
        yield return _stream;
        yield return _replicas;
        yield return _memoryStorage;
        yield return _streamMaxBytes;
        if (_consumer is not null && _ackWaitMs is not null)
        {
            yield return _consumer;
            yield return _ackWaitMs;
        }
    }
}
