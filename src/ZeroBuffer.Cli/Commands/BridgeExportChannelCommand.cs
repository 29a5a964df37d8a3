using System.CommandLine;
using ZeroBuffer.Cli.Bridging;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Nats.Duplex;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer bridge export-channel CHANNEL --nats URL --subject S</c>: the server side of a duplex
/// channel over NATS (<see cref="NatsDuplexServerBridge"/>), next to the real duplex server: each
/// request on S.request goes to the local server of CHANNEL, and its response (or its error) back
/// to the caller on the other host.
/// </summary>
internal static class BridgeExportChannelCommand
{
    private const string Events = $$"""
        Events (--json, one object per line):
          {"event":"connecting","url":"U","attempt":k,"reason":"...","nextDelayMs":d}   no server answers yet: trying again after d ms
          {"event":"connected","url":"U","server":"S"}            connected (first, or again after a disconnection)
          {"event":"started","channel":"C","subject":"S","pid":1234}   requests on S.request are served by channel C's local server
          {"event":"progress","forwarded":n,"failed":f}           every --progress-ms while requests come: answered with a response, with an error
          {"event":"disconnected","url":"U","reason":"..."}       the connection dropped; callers' requests meanwhile time out on their side
          {"event":"reconnecting","url":"U","attempt":k,"nextDelayMs":d}   a reconnection attempt failed
          {"event":"done","forwarded":n,"failed":f,"disconnects":d}   stopped (Ctrl+C: exit 0; SIGTERM: exit 130)
        The local duplex server (zerobuffer serve, or any ZeroBuffer duplex server) may start before or after this
        command: a request that finds none is answered with an error the caller sees (BufferNotFoundException), and
        so is a handler's failure (its type and message) and a server that does not answer within --timeout-ms.
        Several hosts may export the same subject: each request goes to one of them (the NATS queue group).
        Requests and responses travel as one NATS message each: at most the server's max_payload less 1 KiB.
        {{NatsConnectionOptions.Help}}

        Examples:
          zerobuffer serve resize --reverse &                   # the real duplex server, on this host
          zerobuffer bridge export-channel resize --nats nats://hostb:4222 --subject site1.resize
          zerobuffer bridge import-channel site1.resize --nats nats://hosta:4222 --to cam0-resize   # on the callers' host

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var channel = new Argument<string>("CHANNEL") { Description = "The local duplex server's channel (1-188 characters from [A-Za-z0-9._-])." };
        var subject = new Option<string>("--subject") { Description = "Subject prefix S: requests come on S.request.", Required = true }.Checked();
        var timeoutMs = new Option<int>("--timeout-ms") { Description = "How long the local server may take to answer a request.", DefaultValueFactory = _ => 30_000 }.AtLeast(1);
        var maxConcurrency = new Option<int>("--max-concurrency") { Description = "Requests forwarded to the local server at once.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var connectTimeoutMs = new Option<int>("--connect-timeout-ms") { Description = "How long to wait for a free session of the local server.", DefaultValueFactory = _ => 5000 }.AtLeast(0);
        var queueGroup = new Option<string>("--queue-group") { Description = "NATS queue group of the hosts exporting the same subject.", DefaultValueFactory = _ => "zerobuffer-duplex" };
        var progressMs = new Option<int>("--progress-ms") { Description = "Interval of progress events/lines.", DefaultValueFactory = _ => 1000 }.AtLeast(1);
        var connection = new NatsConnectionOptions();
        var command = new Command("export-channel", "Serve the requests sent over NATS with a local duplex server (for 'bridge import-channel' on another host).")
        {
            channel, subject, timeoutMs, maxConcurrency, connectTimeoutMs, queueGroup, progressMs,
        };
        connection.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => ExecuteAsync(output, stop,
            parse.GetRequiredValue(channel),
            new NatsDuplexOptions
            {
                Subject = parse.GetRequiredValue(subject),
                RequestTimeout = TimeSpan.FromMilliseconds(parse.GetValue(timeoutMs)),
                MaxConcurrency = parse.GetValue(maxConcurrency),
                LocalConnectTimeout = TimeSpan.FromMilliseconds(parse.GetValue(connectTimeoutMs)),
                QueueGroup = parse.GetRequiredValue(queueGroup),
            },
            connection.Get(parse),
            TimeSpan.FromMilliseconds(parse.GetValue(progressMs))).GetAwaiter().GetResult()));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What export-channel can return: it runs until stopped; NATS may refuse the client.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: stopped with Ctrl+C")
        .With(ExitCodes.NotAuthorized, "the NATS server refused the credentials, or TLS failed")
        .Interrupted("SIGTERM (after the done event)");

    private static async Task<int> ExecuteAsync(Output output, Interruption stop, string channel, NatsDuplexOptions options, NatsConnectionSettings settings,
        TimeSpan progressInterval)
    {
        await using BridgeConnection connection = BridgeConnection.Create(settings, $"zerobuffer bridge export-channel {channel}", output);
        await using var bridge = new NatsDuplexServerBridge(connection.Connection, channel, options);
        try
        {
            await connection.ConnectAsync(stop.Token).ConfigureAwait(false);
            await bridge.StartAsync(stop.Token).ConfigureAwait(false);
            output.Emit(new ChannelExportStartedEvent(channel, options.Subject, Environment.ProcessId));
            (long Forwarded, long Failed) reported = (0, 0);
            var runsUntilStopped = new TaskCompletionSource();
            _ = await RunningBridge.WaitAsync(runsUntilStopped.Task, connection, progressInterval, () =>
            {
                (long Forwarded, long Failed) now = (bridge.RequestsForwarded, bridge.RequestsFailed);
                if (now != reported)
                {
                    output.Emit(new ChannelProgressEvent(now.Forwarded, now.Failed));
                    reported = now;
                }
            }, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsRequested)
        {
            // Stopped while connecting or starting.
        }

        output.Emit(new ChannelExportDoneEvent(bridge.RequestsForwarded, bridge.RequestsFailed, connection.Disconnects));
        return stop.OpenEndedExit();
    }
}
