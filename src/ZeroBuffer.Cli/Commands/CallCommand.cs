using System.CommandLine;
using System.Text;
using System.Text.Unicode;
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

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
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
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: true, withVerification: true));
    }

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
            if (output.Json)
            {
                using Output.JsonEvent e = output.Event("no-server");
                e.Writer.WriteString("channel"u8, channel);
                e.Writer.WriteString("message"u8, ex.Message);
            }

            Output.ErrorLine($"error: {ex.Message}");
            return ExitCodes.Timeout;
        }

        using (client)
        {
            return Call(output, stop, client, channel, text, size, count, timeout);
        }
    }

    private static int Call(Output output, Interruption stop, IDuplexClient client, string channel, string? text, int size, long count, TimeSpan timeout)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("connected");
            e.Writer.WriteString("channel"u8, channel);
            e.Writer.WriteNumber("session"u8, client.Session);
            e.Writer.WriteNumber("pid"u8, Environment.ProcessId);
        }
        else
        {
            output.Line($"Connected to channel '{channel}' (session {client.Session}); PID {Environment.ProcessId}.");
        }

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
            Report(output, "sent", sequence, request.Length);

            using Frame response = client.ReceiveResponse(timeout);
            if (!response.IsValid)
            {
                if (output.Json)
                {
                    using Output.JsonEvent e = output.Event("timeout");
                }
                else
                {
                    Output.ErrorLine($"timeout: no response to request {sequence} within {timeout.TotalMilliseconds:0} ms");
                }

                return ExitCodes.Timeout;
            }

            ReportResponse(output, response);
            if (response.Sequence != sequence)
            {
                Output.ErrorLine($"error: response sequence {response.Sequence} does not answer request {sequence}");
                return ExitCodes.VerificationFailed;
            }
        }

        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("done");
            e.Writer.WriteNumber("requests"u8, count);
        }
        else
        {
            output.Line($"Done: {count} requests answered.");
        }

        return ExitCodes.Success;
    }

    private static void Report(Output output, string name, ulong sequence, int size)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event(name);
            e.Writer.WriteNumber("sequence"u8, sequence);
            e.Writer.WriteNumber("size"u8, size);
        }
        else
        {
            output.Line($"Sent request {sequence}, size: {size}");
        }
    }

    private static void ReportResponse(Output output, Frame response)
    {
        ReadOnlySpan<byte> payload = response.Span;
        string sha256 = Hashing.Sha256Hex(payload);
        string? text = Utf8.IsValid(payload) ? Encoding.UTF8.GetString(payload) : null;
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("response");
            e.Writer.WriteNumber("sequence"u8, response.Sequence);
            e.Writer.WriteNumber("size"u8, payload.Length);
            e.Writer.WriteString("sha256"u8, sha256);
            if (text is null)
            {
                e.Writer.WriteNull("text"u8);
            }
            else
            {
                e.Writer.WriteString("text"u8, text);
            }
        }
        else
        {
            output.Line($"Response {response.Sequence}, size: {payload.Length}" + (text is null ? $", SHA-256 {sha256}" : $": {text}"));
        }
    }
}
