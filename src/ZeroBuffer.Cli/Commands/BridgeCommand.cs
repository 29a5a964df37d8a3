using System.CommandLine;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer bridge</c>: the commands that carry buffers and duplex channels to other hosts over
/// NATS (the ZeroBuffer.Nats library; docs/bridge.md). It runs nothing itself: without one of its
/// commands it is a usage error.
/// </summary>
internal static class BridgeCommand
{
    private const string Help = """
        Each host keeps its own buffers and talks to its own NATS server (or cluster node); NATS carries the frames.
          export NAME      host A: creates buffer NAME (its writer is your producer) and publishes its frames
          import SUBJECT   host B: writes them into buffer --to NAME, which your reader there creates
          export-channel   host B: serves requests sent over NATS with the local duplex server of a channel
          import-channel   host A: a local channel whose requests are served by that server on host B
        Every bridge command reconnects by itself with back-off, reports connection changes as events, takes
        credentials (--creds, --user/--password, --token) and TLS files (--tls-ca, --tls-cert/--tls-key), and
        runs until its stream ends or Ctrl+C. See 'zerobuffer bridge <command> --help'.

        Examples:
          zerobuffer bridge export cam0 --nats nats://nats-a:4222 --subject site1.cam0                 # host A
          zerobuffer bridge import site1.cam0 --nats nats://nats-b:4222 --to cam0-remote               # host B
          zerobuffer bridge export-channel resize --nats nats://nats-b:4222 --subject site1.resize     # host B
          zerobuffer bridge import-channel site1.resize --nats nats://nats-a:4222 --to cam0-resize     # host A

        """;

    internal static CommandSpec Create(GlobalOptions global) => new(
        new Command("bridge", "Carry buffers and duplex channels to other hosts over NATS (export, import, export-channel, import-channel)."),
        Help,
        ExitCodeTable.Standard("success (each bridge command's --help lists the codes it can return)"))
    {
        Subcommands =
        [
            BridgeExportCommand.Create(global),
            BridgeImportCommand.Create(global),
            BridgeExportChannelCommand.Create(global),
            BridgeImportChannelCommand.Create(global),
        ],
    };
}
