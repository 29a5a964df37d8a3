using ZeroBuffer.Cli.Events;
using ZeroBuffer.Nats;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>How the bridge's enumerations read in events and text, and what the bridge commands share besides.</summary>
internal static class BridgeNames
{
    /// <summary>How long a stopping bridge may take to finish its frame and publish its end before it is given up.</summary>
    internal static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    /// <summary>How often a command with no progress to report looks whether its client gave up reconnecting.</summary>
    internal static readonly TimeSpan ConnectionCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>A warning for each JetStream option given with core mode (<see cref="BridgeModeOptions.IgnoredInCoreMode"/>).</summary>
    internal static void WarnIgnored(Output output, IReadOnlyList<string> options)
    {
        foreach (string option in options)
        {
            output.Emit(new WarningEvent($"{option} applies to --mode jetstream; ignored in core mode."));
        }
    }

    /// <summary><c>closed</c>, <c>died</c>, <c>stopped</c>: the wire's own names (<c>Zb-Reason</c>).</summary>
    internal static string Of(EndReason reason) => reason switch
    {
        EndReason.Closed => "closed",
        EndReason.Died => "died",
        _ => "stopped",
    };

    /// <summary><c>lost</c>, <c>missed-before-join</c>, <c>rejected</c>.</summary>
    internal static string Of(GapKind kind) => kind switch
    {
        GapKind.Lost => "lost",
        GapKind.MissedBeforeJoin => "missed-before-join",
        _ => "rejected",
    };
}
