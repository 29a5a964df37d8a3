using System.CommandLine;
using System.Text;
using System.Text.Unicode;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer call CHANNEL</c>: a duplex client: sends requests (a text, or patterned frames)
/// one at a time and reports each response with the sequence of the request it answers.
/// </summary>
internal static class CallCommand
{
    private const string Events = """
        Events (--json, one object per line):
          {"event":"connected","channel":"C","session":k,"pid":1234}
          {"event":"sent","sequence":s,"size":n}
          {"event":"response","sequence":s,"size":n,"sha256":"<hex>","text":"<UTF-8 text or null>"}
          {"event":"done","requests":N}
          {"event":"timeout"}       no response within --timeout-ms (exit 3)
          {"event":"no-server","channel":"C","message":"..."}   no server serves the channel (exit 3)
        A request the server's handler failed on ends the command with the server's message (exit 27,
        DuplexHandlerFailed). The client takes a free session of the channel (waiting up to
        --connect-timeout-ms while every session is taken, or the server renews one).
        Requests: --text T (UTF-8), or --size N bytes of the "sequence" pattern (byte i of request s is (byte)(i + s)).
        A response whose sequence differs from its request's is an error (exit 4).

        Examples:
          zerobuffer call invert --text hello
          zerobuffer call echo --size 65536 --count 100 --json

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var channel = new Argument<string>("CHANNEL") { Description = "Channel name (a server must be serving it)." };
        var text = new Option<string?>("--text") { Description = "Send this UTF-8 text as each request." };
        var size = new Option<int>("--size") { Description = "Request size in bytes (when no --text).", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(1);
        var count = new Option<long>("--count") { Description = "Requests to send, one at a time.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var timeoutMs = new Option<int>("--timeout-ms") { Description = "How long to wait for each response.", DefaultValueFactory = _ => 30_000 }.AtLeast(1);
        var connectTimeoutMs = new Option<int>("--connect-timeout-ms") { Description = "How long to wait for a free session of the channel.", DefaultValueFactory = _ => 1000 }.AtLeast(0);

        var waitStrategy = WaitStrategyOption.Create("the client (for responses and request space)");
        var command = new Command("call", "Connect to a duplex server, send requests and report the responses.")
        {
            channel, text, size, count, timeoutMs, connectTimeoutMs, waitStrategy,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop,
            parse.GetRequiredValue(channel), parse.GetValue(text), parse.GetValue(size), parse.GetValue(count),
            TimeSpan.FromMilliseconds(parse.GetValue(timeoutMs)), TimeSpan.FromMilliseconds(parse.GetValue(connectTimeoutMs)),
            WaitStrategyOption.Get(parse, waitStrategy))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What call can return: no server or no response, a wrong answer, and the errors of a duplex client.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: every request answered")
        .With(ExitCodes.Timeout, "no server serves the channel (within --connect-timeout-ms), or no response within --timeout-ms")
        .With(ExitCodes.VerificationFailed, "a response answers another request (its sequence differs)")
        .CreatingAsReader("the session's response buffer")
        .WritingFrames("the server")
        .With(ZeroBufferErrorKind.BufferFull, "no room for a request in time")
        .With(ZeroBufferErrorKind.WriterAlreadyConnected, "another client holds the session")
        .With(ZeroBufferErrorKind.WriterDead, "the server died after answering")
        .With(ZeroBufferErrorKind.WriterClosed, "the server stopped after answering")
        .With(ZeroBufferErrorKind.DuplexHandlerFailed, "the server could not answer a request (its message is the error's)")
        .Interrupted("Ctrl+C or SIGTERM before every request was answered");

    private static int Execute(Output output, Interruption stop, string channel, string? text, int size, long count, TimeSpan timeout,
        TimeSpan connectTimeout, WaitStrategy waitStrategy)
    {
        IDuplexClient client;
        try
        {
            client = new DuplexChannelFactory().CreateClient(channel, new DuplexClientOptions { WaitStrategy = waitStrategy, ConnectTimeout = connectTimeout });
        }
        catch (ZeroBufferException ex) when (ex is BufferNotFoundException or ReaderDeadException)
        {
            // Not a library failure to the user: there is simply nobody to call.
            output.Emit(new NoServerEvent(channel, ex.Message));
            return ExitCodes.Timeout;
        }

        using (client)
        {
            return Call(output, stop, client, channel, text, size, count, timeout);
        }
    }

    private static int Call(Output output, Interruption stop, IDuplexClient client, string channel, string? text, int size, long count, TimeSpan timeout)
    {
        output.Emit(new ClientConnectedEvent(channel, client.Session, Environment.ProcessId));

        byte[] request = text is null ? new byte[size] : Encoding.UTF8.GetBytes(text);
        for (long i = 0; i < count; i++)
        {
            stop.Token.ThrowIfCancellationRequested();
            Span<byte> buffer = client.AcquireRequestBuffer(request.Length, out ulong sequence);
            if (text is null)
            {
                FramePattern.Fill(buffer, sequence, FramePatternKind.Sequence, null);
            }
            else
            {
                request.CopyTo(buffer);
            }

            client.CommitRequest();
            output.Emit(new RequestSentEvent(sequence, request.Length));

            using Frame response = client.ReceiveResponse(timeout);
            if (!response.IsValid)
            {
                output.Emit(new ResponseTimeoutEvent(sequence, timeout));
                return ExitCodes.Timeout;
            }

            ReadOnlySpan<byte> payload = response.Span;
            output.Emit(new ResponseEvent(response.Sequence, payload.Length, Hashing.Sha256Hex(payload), Utf8.IsValid(payload) ? Encoding.UTF8.GetString(payload) : null));
            if (response.Sequence != sequence)
            {
                return ErrorReporter.Report(output, ExitCodes.VerificationFailed, ErrorReporter.VerificationKind,
                    $"response sequence {response.Sequence} does not answer request {sequence}");
            }
        }

        output.Emit(new CallDoneEvent(count));
        return ExitCodes.Success;
    }
}
