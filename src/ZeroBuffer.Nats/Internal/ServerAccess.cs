using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Start-up steps shared by the exporter and the importer: reaching the server, and finding or
/// creating the bridge's stream, each failure turned into the bridge's typed errors.
/// </summary>
internal static class ServerAccess
{
    /// <summary>JetStream's "stream not found".</summary>
    private const int StreamNotFound = 10059;

    /// <summary>Connects (if the connection is not open yet) and returns the server's max_payload.</summary>
    /// <exception cref="NatsServerUnavailableException">No server could be reached.</exception>
    internal static async Task<long> ConnectAsync(INatsConnection connection, string bufferName, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NatsException error)
        {
            throw new NatsServerUnavailableException(bufferName,
                $"The NATS bridge of buffer '{bufferName}' could not reach a NATS server at {connection.Opts.Url}: {error.Message}", error);
        }

        return connection.ServerInfo?.MaxPayload is int maxPayload and > 0 ? maxPayload : 1 << 20;
    }

    /// <summary>How many JetStream API requests in a row may go unanswered before the bridge gives up.</summary>
    private const int MaxUnansweredRequests = 5;

    /// <summary>The bridge's stream: found as it is, or created.</summary>
    /// <exception cref="NatsJetStreamException">No JetStream, or the server refused the stream.</exception>
    internal static async Task<INatsJSStream> EnsureStreamAsync(NatsJSContext js, string prefix, NatsJetStreamOptions options, string bufferName, CancellationToken cancellationToken)
    {
        string name = options.EffectiveStreamName(prefix);
        try
        {
            int attempt = 0;
            int unanswered = 0;
            while (true)
            {
                try
                {
                    try
                    {
                        return await js.GetStreamAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (NatsJSApiException missing) when (missing.Error.ErrCode == StreamNotFound && attempt == 0)
                    {
                    }

                    try
                    {
                        return await js.CreateStreamAsync(StreamConfigFor(name, prefix, options), cancellationToken).ConfigureAwait(false);
                    }
                    catch (NatsJSApiException raced) when (attempt == 0 && raced.Error.ErrCode != StreamNotFound)
                    {
                        // The other bridge created it at the same moment: take the one that exists.
                    }

                    attempt++;
                }
                catch (NatsJSApiNoResponseException) when (++unanswered < MaxUnansweredRequests)
                {
                    // A busy server (one just started or restarted, on a loaded machine) answered after
                    // the client's request timeout: ask again; both requests are idempotent.
                }
            }
        }
        catch (NatsNoRespondersException error)
        {
            throw NoJetStream(js, bufferName, error);
        }
        catch (NatsJSApiException error) when (error.Error.Code == 503)
        {
            throw NoJetStream(js, bufferName, error);
        }
        catch (NatsJSApiException error)
        {
            throw new NatsJetStreamException(bufferName,
                $"The NATS server refused stream '{name}' of the bridge of buffer '{bufferName}': {error.Error.Description} (code {error.Error.Code}, error {error.Error.ErrCode}).", error);
        }
        catch (NatsJSException error)
        {
            throw new NatsJetStreamException(bufferName, $"JetStream failed for stream '{name}' of the bridge of buffer '{bufferName}': {error.Message}", error);
        }
    }

    internal static NatsJetStreamException NoJetStream(NatsJSContext js, string bufferName, Exception error) =>
        new(bufferName,
            $"The NATS server at {js.Connection.Opts.Url} has no JetStream (start nats-server with -js, or give it a jetstream block), so the bridge of buffer '{bufferName}' cannot run in JetStream mode.", error);

    private static StreamConfig StreamConfigFor(string name, string prefix, NatsJetStreamOptions options) =>
        new(name, [BridgeSubjects.Frames(prefix), BridgeSubjects.Metadata(prefix), BridgeSubjects.End(prefix)])
        {
            Storage = options.MemoryStorage ? StreamConfigStorage.Memory : StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            Discard = StreamConfigDiscard.Old,
            MaxBytes = options.MaxBytes,
            MaxAge = options.MaxAge,
            DuplicateWindow = options.DuplicateWindow,
            NumReplicas = options.Replicas,
            MaxMsgSize = -1,
        };
}
