using System.CommandLine;
using ZeroBuffer.Cli.Bridging;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Duplex;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer bridge import-channel S --nats URL --to CHANNEL</c>: the client side of a duplex
/// channel over NATS (<see cref="NatsDuplexClientBridge"/>), where the callers are: a local duplex
/// server of CHANNEL whose handler sends each request to the <c>bridge export-channel</c> of
/// subject S on another host and answers with its reply.
/// </summary>
internal static class BridgeImportChannelCommand
{
    private const string Events = $$"""
        Events (--json, one object per line):
          {"event":"connecting","url":"U","attempt":k,"reason":"...","nextDelayMs":d}   no server answers yet: trying again after d ms
          {"event":"connected","url":"U","server":"S"}            connected (first, or again after a disconnection)
          {"event":"started","channel":"C","subject":"S","pid":1234,"payloadSize":P}   C_request created: local clients may connect
          {"event":"server-error","session":k,"sequence":s,"kind":"...","message":"..."}   a request failed (the remote handler's
                                                                  error, no answer within --timeout-ms, no export-channel on S); the caller got it
          {"event":"disconnected","url":"U","reason":"..."}       the connection dropped; requests wait for the reconnection, up to --timeout-ms
          {"event":"reconnecting","url":"U","attempt":k,"nextDelayMs":d}   a reconnection attempt failed
          {"event":"done","failed":f,"disconnects":d}             stopped (Ctrl+C: exit 0; SIGTERM: exit 130): every session closed, the buffers removed
        Local clients (zerobuffer call, or any ZeroBuffer duplex client) use channel C as any duplex channel: responses
        keep their correlation, and a failure on the other host fails that request at once with a DuplexHandlerException
        whose message says why (zerobuffer call: exit 27). Up to --max-concurrency requests are forwarded at once.
        Requests and responses travel as one NATS message each: at most the server's max_payload less 1 KiB.
        --access owner|group|everyone: who besides this user may open the request buffer (modes 0600, 0660, 0666).
        {{NatsConnectionOptions.Help}}

        Examples:
          zerobuffer bridge import-channel site1.resize --nats nats://hosta:4222 --to cam0-resize --timeout-ms 2000
          zerobuffer call cam0-resize --text hello             # answered by the server on the other host

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var subject = new Argument<string>("SUBJECT") { Description = "Subject prefix S of the 'bridge export-channel' to call (requests go to S.request)." }.Checked();
        var to = new Option<string>("--to") { Description = "The local channel to serve (1-188 characters from [A-Za-z0-9._-]).", Required = true, HelpName = "CHANNEL" };
        var timeoutMs = new Option<int>("--timeout-ms") { Description = "How long to wait for the other host's answer to a request.", DefaultValueFactory = _ => 30_000 }.AtLeast(1);
        var maxConcurrency = new Option<int>("--max-concurrency") { Description = "Requests forwarded at once.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var metadataSize = new Option<long>("--metadata-size") { Description = "Request buffer metadata bytes.", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(0);
        var payloadSize = new Option<long>("--payload-size") { Description = "Request ring bytes (at least 2 x (largest request + 24)).", DefaultValueFactory = _ => 1024 * 1024 }.Sized().AtLeast(1);
        var access = AccessOption.Create("the request buffer");
        var connection = new NatsConnectionOptions();
        var command = new Command("import-channel", "Serve a local duplex channel with the server that 'bridge export-channel' exports on another host.")
        {
            subject, to, timeoutMs, maxConcurrency, metadataSize, payloadSize, access,
        };
        connection.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => ExecuteAsync(output, stop,
            parse.GetRequiredValue(to),
            new BufferConfig(parse.GetValue(metadataSize), parse.GetValue(payloadSize)) { Access = AccessOption.Get(parse, access) },
            new NatsDuplexOptions
            {
                Subject = parse.GetRequiredValue(subject),
                RequestTimeout = TimeSpan.FromMilliseconds(parse.GetValue(timeoutMs)),
                MaxConcurrency = parse.GetValue(maxConcurrency),
            },
            connection.Get(parse)).GetAwaiter().GetResult()));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What import-channel can return: it runs until stopped; NATS may refuse the client, the local channel may be taken.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: stopped with Ctrl+C, every session closed and its buffers removed")
        .With(ExitCodes.Unexpected, "unexpected error, or every session ended by itself (its buffers could not be created anew)")
        .With(ExitCodes.NotAuthorized, "the NATS server refused the credentials, or TLS failed")
        .CreatingAsReader("the channel's request buffer")
        .With(ZeroBufferErrorKind.ReaderAlreadyConnected, "another server serves the channel")
        .Interrupted("SIGTERM (after the done event)");

    private static async Task<int> ExecuteAsync(Output output, Interruption stop, string channel, BufferConfig config, NatsDuplexOptions options,
        NatsConnectionSettings settings)
    {
        await using BridgeConnection connection = BridgeConnection.Create(settings, $"zerobuffer bridge import-channel {channel}", output);
        await using var bridge = new NatsDuplexClientBridge(connection.Connection, channel, config, options);
        long failed = 0;
        bool endedByItself = false;
        try
        {
            await connection.ConnectAsync(stop.Token).ConfigureAwait(false);
            await bridge.StartAsync(stop.Token).ConfigureAwait(false);
            IDuplexServer server = bridge.Server!;
            server.OnError += (_, e) =>
            {
                Interlocked.Increment(ref failed);
                output.Emit(new ServerErrorEvent(e.Session, e.RequestSequence, e.Exception is TimeoutException ? "Timeout" : ErrorReporter.Classify(e.Exception).Kind,
                    e.Exception.Message));
            };
            output.Emit(new ChannelImportStartedEvent(channel, options.Subject, Environment.ProcessId, config.PayloadBlockSize));
            endedByItself = await RunningBridge.WaitAsync(server.Completion, connection, BridgeNames.ConnectionCheckInterval, static () => { }, stop.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsRequested)
        {
            // Stopped while connecting or starting, or while serving: the normal end.
        }

        output.Emit(new ChannelImportDoneEvent(Interlocked.Read(ref failed), connection.Disconnects));
        return endedByItself ? ExitCodes.Unexpected : stop.OpenEndedExit();
    }
}
