using System.CommandLine;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer serve CHANNEL</c>: runs a duplex server (an immutable server whose handler echoes,
/// reverses or XORs each request, or fails every Nth) until Ctrl+C/SIGTERM, serving clients one after another
/// and several at once, each in its own session, so a server can live in its own process.
/// </summary>
internal static class ServeCommand
{
    private const string Events = """
        Events (--json, one object per line):
          {"event":"ready","channel":"C","pid":1234,"mode":"SingleThread","payloadSize":P}   C_request created; a client may connect
          {"event":"request","sequence":s,"size":n}       per request, with --log-requests (before the handler's delay)
          {"event":"server-error","session":k,"sequence":s,"kind":"...","message":"..."}   a handler or response-write failure,
                                                           answered with an error response; or a client session that ended badly
          {"event":"done","requests":N}                    stopped: every session closed, the buffers removed (Ctrl+C: exit 0; SIGTERM: exit 130)
        The transform: --echo (default) returns the request, --reverse its bytes reversed, --xor K each byte XOR K;
        --fail-every N makes every Nth request fail (the handler throws; the client gets the error at once).
        The server runs until Ctrl+C or SIGTERM, serving clients one after another and up to --max-sessions at
        once, each in its own session: session 0 is C_request/C_response, session k is C_request.k/C_response.k.

        Examples:
          zerobuffer serve invert --xor 255
          zerobuffer serve echo --mode pool --max-concurrency 4 --json

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var channel = new Argument<string>("CHANNEL") { Description = "Channel name: 1-188 characters from [A-Za-z0-9._-]." };
        var echo = new Option<bool>("--echo") { Description = "Answer each request with its own bytes (the default)." };
        var reverse = new Option<bool>("--reverse") { Description = "Answer with the request's bytes in reverse order." };
        var xor = new Option<int?>("--xor") { Description = "Answer with each request byte XOR K (0-255).", HelpName = "K" };
        xor.Check(value => value is int k && (k < 0 || k > 255) ? $"--xor must be 0-255 (got {k})." : null);
        var mode = new Option<string>("--mode") { Description = "single: one thread, in order; pool: handlers on the thread pool.", DefaultValueFactory = _ => "single" };
        mode.AcceptOnlyFromAmong("single", "pool");
        var maxConcurrency = new Option<int>("--max-concurrency") { Description = "pool mode: most handlers at once.", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var metadataSize = new Option<long>("--metadata-size") { Description = "Request buffer metadata bytes.", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(0);
        var payloadSize = new Option<long>("--payload-size") { Description = "Request ring bytes (at least 2 x (largest request + 24)).", DefaultValueFactory = _ => 1024 * 1024 }.Sized().AtLeast(1);
        var connectTimeoutMs = new Option<int>("--connect-timeout-ms") { Description = "After the first request, how long to wait for the client's response buffer.", DefaultValueFactory = _ => 5000 }.AtLeast(0);
        var delayMs = new Option<int>("--delay-ms") { Description = "Handler delay per request, in milliseconds (a slow server).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var logRequests = new Option<bool>("--log-requests") { Description = "Report every request as it arrives." };
        var maxSessions = new Option<int>("--max-sessions") { Description = "Most clients served at once (1-100), each in its own session.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        maxSessions.Check(value => value > 100 ? $"--max-sessions must be 1-100 (got {value})." : null);
        var failEvery = new Option<int?>("--fail-every") { Description = "Fault injection: every Nth request fails (the handler throws).", HelpName = "N" }.AtLeast(1);

        var waitStrategy = WaitStrategyOption.Create("the server (for requests and response space)");
        var access = AccessOption.Create("the request buffer (a client shares its response buffer the same way)");
        var command = new Command("serve", "Run a duplex server (echo, reverse or XOR) until Ctrl+C.")
        {
            channel, echo, reverse, xor, mode, maxConcurrency, maxSessions, metadataSize, payloadSize, connectTimeoutMs, delayMs, logRequests, failEvery,
            waitStrategy, access,
        };
        command.Validators.Add(r =>
        {
            // Whether --xor was given, not its value: a value that is not a number is the parser's error to report.
            int transforms = (r.GetValue(echo) ? 1 : 0) + (r.GetValue(reverse) ? 1 : 0) + (r.GetResult(xor) is { Implicit: false } ? 1 : 0);
            if (transforms > 1)
            {
                r.AddError("Give at most one of --echo, --reverse and --xor.");
            }
        });
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetRequiredValue(channel),
            parse.GetValue(reverse) ? Transform.Reverse : parse.GetValue(xor) is null ? Transform.Echo : Transform.Xor,
            (byte)(parse.GetValue(xor) ?? 0),
            parse.GetRequiredValue(mode) == "pool" ? ProcessingMode.ThreadPool : ProcessingMode.SingleThread,
            parse.GetValue(maxConcurrency),
            new BufferConfig(parse.GetValue(metadataSize), parse.GetValue(payloadSize)) { Access = AccessOption.Get(parse, access) },
            TimeSpan.FromMilliseconds(parse.GetValue(connectTimeoutMs)),
            parse.GetValue(delayMs),
            parse.GetValue(logRequests),
            WaitStrategyOption.Get(parse, waitStrategy),
            parse.GetValue(maxSessions),
            parse.GetValue(failEvery)))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What serve can return: it runs until stopped; creating the channel's request buffer can fail.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: stopped with Ctrl+C, every session closed and its buffers removed")
        .With(ExitCodes.Unexpected, "unexpected error, or every session ended by itself (its buffers could not be created anew)")
        .CreatingAsReader("the channel's request buffer")
        .With(ZeroBufferErrorKind.ReaderAlreadyConnected, "another server serves the channel")
        .Interrupted("SIGTERM (after the done event: every session closed, the buffers removed)");

    private enum Transform
    {
        Echo,
        Reverse,
        Xor,
    }

    private sealed record Settings(string Channel, Transform Transform, byte Key, ProcessingMode Mode, int MaxConcurrency,
        BufferConfig Config, TimeSpan ConnectTimeout, int DelayMs, bool LogRequests, WaitStrategy WaitStrategy, int MaxSessions, int? FailEvery);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        var options = new DuplexServerOptions
        {
            Mode = settings.Mode,
            MaxConcurrency = settings.MaxConcurrency,
            ConnectTimeout = settings.ConnectTimeout,
            WaitStrategy = settings.WaitStrategy,
            MaxSessions = settings.MaxSessions,
        };
        long requests = 0;
        using IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(settings.Channel, settings.Config, options);
        server.OnError += (_, e) => output.Emit(new ServerErrorEvent(e.Session, e.RequestSequence,
            e.Exception is TimeoutException ? "Timeout" : ErrorReporter.Classify(e.Exception).Kind, e.Exception.Message));
        server.Start((request, response) =>
        {
            long served = Interlocked.Increment(ref requests);
            if (settings.LogRequests)
            {
                output.Emit(new RequestReceivedEvent(request.Sequence, request.Size));
            }

            if (settings.DelayMs > 0)
            {
                stop.Token.WaitHandle.WaitOne(settings.DelayMs); // the slow-server scenario
            }

            if (settings.FailEvery is int every && served % every == 0)
            {
                throw new InvalidDataException($"request {request.Sequence} failed on purpose (--fail-every {every})");
            }

            Span<byte> target = response.GetBuffer(request.Size);
            ReadOnlySpan<byte> source = request.Span;
            switch (settings.Transform)
            {
                case Transform.Echo:
                    source.CopyTo(target);
                    break;
                case Transform.Reverse:
                    source.CopyTo(target);
                    target.Reverse();
                    break;
                default:
                    for (int i = 0; i < source.Length; i++)
                    {
                        target[i] = (byte)(source[i] ^ settings.Key);
                    }

                    break;
            }

            response.Commit();
        });
        output.Emit(new ServerReadyEvent(server.ChannelName, Environment.ProcessId, server.Mode.ToString(), settings.Config.PayloadBlockSize));

        try
        {
            server.Completion.Wait(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Serving runs until stopped: the stop is its end.
            server.Stop();
            output.Emit(new ServerDoneEvent(Interlocked.Read(ref requests)));
            return stop.OpenEndedExit();
        }

        output.Emit(new ServerDoneEvent(Interlocked.Read(ref requests))); // every session ended by itself (their buffers could not be created anew)
        return ExitCodes.Unexpected;
    }
}
