using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZeroBuffer.Extensions.Hosting.Health;

/// <summary>
/// The health rules shared by readers and writers (docs/operations.md, "Hosting and health
/// checks"): a dead peer or a failed endpoint is a failure; no peer yet, a peer that closed, or a
/// ring at or above the utilisation threshold is Degraded; a live peer with room in the ring is Healthy.
/// </summary>
internal static class EndpointHealth
{
    /// <summary>The result of an endpoint that is not running: a failure, with the error that ended it.</summary>
    internal static HealthCheckResult NotRunning(string role, string name, EndpointPhase phase, Exception? failure, HealthStatus failureStatus)
    {
        string description = phase switch
        {
            EndpointPhase.Failed => $"{role} '{name}' failed: {failure?.Message}",
            EndpointPhase.Stopped => $"{role} '{name}' has stopped.",
            _ => $"{role} '{name}' has not started.",
        };
        return new HealthCheckResult(failureStatus, description, failure, Data(role, phase));
    }

    /// <summary>The result of a running reader or writer; <paramref name="extra"/> is added to its data.</summary>
    internal static HealthCheckResult Evaluate(in PeerView view, HealthStatus failureStatus, params ReadOnlySpan<KeyValuePair<string, object>> extra)
    {
        Dictionary<string, object> data = Data(view.Role, EndpointPhase.Running);
        foreach ((string key, object value) in extra)
        {
            data[key] = value;
        }

        data["buffer"] = view.BufferName;
        data["peer"] = view.Peer.ToString().ToLowerInvariant();
        data["frames"] = view.Frames;
        data["peerPid"] = view.PeerPid;
        double utilization = 0;
        if (view.Status is BufferStatus status)
        {
            utilization = status.Utilization;
            data["utilization"] = utilization;
            data["payloadSize"] = status.PayloadSize;
            data["payloadFreeBytes"] = status.PayloadFreeBytes;
        }

        string who = $"{view.Role} '{view.Name}'";
        return view.Peer switch
        {
            PeerPresence.Died => new HealthCheckResult(failureStatus, $"{who}: its {view.PeerRole} died.", null, data),
            PeerPresence.None => HealthCheckResult.Degraded($"{who}: no {view.PeerRole} has connected yet.", null, data),
            PeerPresence.Closed => HealthCheckResult.Degraded($"{who}: its {view.PeerRole} closed; waiting for the next one.", null, data),
            _ when utilization >= view.Threshold => HealthCheckResult.Degraded(
                $"{who}: the ring is {utilization:P0} full (threshold {view.Threshold:P0}): the reader is falling behind.", null, data),
            _ => HealthCheckResult.Healthy($"{who}: {view.PeerRole} connected, ring {utilization:P0} full.", data),
        };
    }

    /// <summary>The data every result carries.</summary>
    internal static Dictionary<string, object> Data(string role, EndpointPhase phase) => new(StringComparer.Ordinal)
    {
        ["role"] = role.ToLowerInvariant(),
        ["state"] = phase.ToString().ToLowerInvariant(),
    };
}
