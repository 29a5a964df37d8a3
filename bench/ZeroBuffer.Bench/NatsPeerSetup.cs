using System.Text.Json;
using NATS.Client.Core;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Bench;

/// <summary>What every NATS peer does alike: its connection, the chunk plan, the subjects, its summary's extra figures.</summary>
internal static class NatsPeerSetup
{
    /// <summary>A connection to the run's server, with NATS.Net's defaults (the bridge is measured as users deploy it), opened.</summary>
    internal static async Task<NatsConnection> ConnectAsync(PeerSettings settings, CancellationToken cancellationToken)
    {
        string url = settings.NatsUrl is { Length: > 0 } given ? given : throw new UsageException("--nats: the NATS peers need the server's URL");
        var connection = new NatsConnection(new NatsOpts { Url = url, Name = "zb-bench-" + settings.Role });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The bridge's chunk plan for this server (max_payload − 1 KiB): the exporter cuts frames by it, and so does the bare publisher.</summary>
    internal static ChunkPlan ChunkPlanOf(INatsConnection connection) =>
        ChunkPlan.For(connection.ServerInfo?.MaxPayload is int maxPayload and > 0 ? maxPayload : 1 << 20, maxChunkSize: null);

    /// <summary>The subject of the bare rows' data.</summary>
    internal static string DataSubject(string name) => name + ".data";

    /// <summary>The bare JetStream rows' stream (the bridge names its own).</summary>
    internal static string BareStream(string name) => "ZB_BARE_" + name;

    /// <summary>The sender's extra summary figures: how it cut the frames.</summary>
    internal static Action<Utf8JsonWriter> Chunking(INatsConnection connection, int frameSize) => w =>
    {
        ChunkPlan plan = ChunkPlanOf(connection);
        w.WriteNumber("maxPayload"u8, connection.ServerInfo?.MaxPayload ?? 0);
        w.WriteNumber("chunkSize"u8, Math.Min(plan.ChunkSize, frameSize));
        w.WriteNumber("chunks"u8, plan.CountFor(frameSize));
    };
}
