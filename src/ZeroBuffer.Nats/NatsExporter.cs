using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using ZeroBuffer.Nats.Diagnostics;
using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats;

/// <summary>
/// Publishes the frames of a local buffer to NATS: each frame read from <see cref="Reader"/> goes
/// to <c>P.frame</c> in chunks of at most the server's <c>max_payload</c>, numbered with a bridge
/// sequence, then the frame is released; small frames already waiting in the ring go together,
/// as one batch message. The buffer's metadata goes to <c>P.meta</c>, the end of
/// each local writer's stream to <c>P.end</c> (docs/bridge.md).
/// </summary>
/// <remarks>
/// <para><b>Zero copy on this side.</b> Chunks are published straight from the frame's bytes in
/// the ring, and the frame is released only when every chunk's publish has completed: in core mode
/// when the client has copied it into its send buffer (it copies before it returns while
/// connected, and waits for the reconnection otherwise); in JetStream mode when the stream has
/// acknowledged it. So the ring's bytes are never read after their release.</para>
/// <para><b>Batches.</b> When more frames are already committed behind the one read, the exporter
/// takes them too, without waiting, and copies them into one body (a 4-byte length before each
/// frame) published as one message: a burst of small frames costs one publish per batch, not per
/// frame. A batch is at most one message (<c>max_payload</c> less the header reserve) and 1024
/// frames; a lone frame goes out at once, and a frame too large for a batch goes alone. The frames
/// of a batch are released once it is published, as a single frame is.</para>
/// <para><b>Back-pressure.</b> One message (a frame, or a batch) is in flight at a time. While the client's send buffer is
/// full, or (JetStream) while the stream does not acknowledge, the exporter holds the frame, the
/// ring fills, and the local writer waits for space, as it would for a slow local reader.</para>
/// <para>The caller owns the reader and the connection (with its <c>NatsOpts</c>: URL, TLS,
/// credentials); the exporter reads from the reader alone while it runs.</para>
/// </remarks>
/// <example>
/// <code>
/// await using var nats = new NatsConnection(new NatsOpts { Url = "nats://hostb:4222" });
/// using var reader = new Reader("cam0", new BufferConfig(4096, 64 &lt;&lt; 20));
/// await using var exporter = new NatsExporter(nats, reader, new NatsExporterOptions { Subject = "site1.cam0" });
/// await exporter.StartAsync(stopping);
/// await exporter.Completion;
/// </code>
/// </example>
public sealed class NatsExporter : IAsyncDisposable
{
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(50);

    /// <summary>JetStream: chunks of one frame published before their acknowledgements are awaited.</summary>
    private const int ChunkWindow = 8;

    private readonly INatsConnection _connection;
    private readonly Reader _reader;
    private readonly NatsExporterOptions _options;
    private readonly string _framesSubject; // built once: a subject per message would be an allocation per message
    private readonly string _metadataSubject;
    private readonly string _endSubject;
    private readonly ILogger _logger;
    private readonly BridgeCounters _counters;
    private readonly BridgeEvents _events;
    private readonly CancellationTokenSource _stopping = new(); // ends the wait for the next frame
    private readonly CancellationTokenSource _abort = new(); // ends a publish in progress
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionWatcher? _watcher;
    private NatsJSContext? _js;
    private INatsSub<NatsMemoryOwner<byte>>? _metadataRequests;
    private Task? _metadataResponder;
    private long _maxPayload;
    private ulong _sequence; // the last bridge sequence published
    private readonly Frame[] _held = new Frame[BatchBody.MaxFrames]; // the frames of the message being published, released after it
    private Frame _carried; // read while gathering a batch it did not fit: the next message starts with it
    private byte[] _batchBody = []; // the body of the batch being published (reused)
    private int _batchLength;
    private volatile byte[]? _metadata; // the buffer's metadata, once read
    private bool _metadataDone; // published (or found too large to publish)
    private ulong? _endPublishedAfter; // the last sequence when an end was last published
    private int _started;
    private int _disposed;

    /// <summary>Creates an exporter of <paramref name="reader"/>'s frames; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="connection">The NATS connection (owned by the caller; its options carry the URL, TLS and credentials).</param>
    /// <param name="reader">The local buffer's reader (owned by the caller; read only by the exporter while it runs).</param>
    /// <param name="options">Subject prefix, mode, chunk size.</param>
    /// <param name="logger">Start, stop, gaps and problems; nothing per frame.</param>
    /// <exception cref="ArgumentException">An invalid subject prefix or option.</exception>
    public NatsExporter(INatsConnection connection, Reader reader, NatsExporterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _connection = connection;
        _reader = reader;
        _options = options;
        _framesSubject = BridgeSubjects.Frames(options.Subject);
        _metadataSubject = BridgeSubjects.Metadata(options.Subject);
        _endSubject = BridgeSubjects.End(options.Subject);
        _logger = logger ?? NullLogger.Instance;
        Session = Guid.NewGuid().ToString("N");
        _counters = new BridgeCounters("exporter", options.Subject, reader.Name);
        _events = new BridgeEvents(this, _logger, reader.Name);
    }

    /// <summary>This exporter's session (<c>Zb-Session</c>): new for every exporter.</summary>
    public string Session { get; }

    /// <summary>The subject prefix.</summary>
    public string Subject => _options.Subject;

    /// <summary>Completes when the exporter has stopped; faults with the error that stopped it.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Frames published whole (core: handed to the client; JetStream: acknowledged by the stream).</summary>
    public long FramesExported => _counters.Frames;

    /// <summary>Payload bytes of those frames.</summary>
    public long BytesExported => _counters.Bytes;

    /// <summary>NATS messages published: chunks, metadata and ends.</summary>
    public long MessagesPublished => _counters.Messages;

    /// <summary>JetStream publishes repeated after a failure.</summary>
    public long PublishRetries => _counters.Retries;

    /// <summary>Times the NATS connection was lost.</summary>
    public long Disconnects => _counters.Disconnects;

    /// <summary>The bridge sequence of the last frame published (0 before the first).</summary>
    public ulong LastSequence => Volatile.Read(ref _sequence);

    /// <summary>The connection went down or came back. Raised on the client's thread; keep handlers short.</summary>
    public event EventHandler<NatsBridgeConnectionEventArgs>? ConnectionChanged;

    /// <summary>A problem the exporter rides out (a publish it retries, metadata too large to send).</summary>
    public event EventHandler<NatsBridgeErrorEventArgs>? Error;

    /// <summary>
    /// The local writer closed its stream (or died), every frame it committed was exported, and
    /// the end was published (<c>P.end</c>). Raised on the exporter's loop; keep handlers short.
    /// </summary>
    public event EventHandler<NatsStreamEndedEventArgs>? StreamEnded;

    /// <summary>
    /// Connects, sets up the stream (JetStream mode) and the metadata responder, and starts
    /// exporting in the background (<see cref="Completion"/>).
    /// </summary>
    /// <exception cref="NatsServerUnavailableException">No NATS server could be reached.</exception>
    /// <exception cref="NatsJetStreamException">JetStream mode, and the server has no JetStream or refused the stream.</exception>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"The exporter of buffer '{_reader.Name}' is already started.");
        }

        int chunkSize;
        try
        {
            _maxPayload = await ServerAccess.ConnectAsync(_connection, _reader.Name, cancellationToken).ConfigureAwait(false);
            chunkSize = ChunkPlan.For(_maxPayload, _options.MaxChunkSize).ChunkSize;
            if (_options.Mode == BridgeMode.JetStream)
            {
                _js = new NatsJSContext(_connection);
                _ = await ServerAccess.EnsureStreamAsync(_js, _options.Subject, _options.JetStream, _reader.Name, cancellationToken).ConfigureAwait(false);
            }

            _metadataRequests = await _connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(
                BridgeSubjects.MetadataRequest(_options.Subject), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _completion.TrySetResult(); // it never ran: stopping it has nothing to wait for
            throw;
        }

        _watcher = new ConnectionWatcher(_connection, _counters, OnConnectionChanged);
        NatsBridgeMetrics.Register(_counters);
        _metadataResponder = AnswerMetadataRequestsAsync(_metadataRequests);
        Log.ExporterStarted(_logger, _reader.Name, Session, _options.Subject, _options.Mode, chunkSize);
        _ = RunAsync();
    }

    /// <summary>
    /// Stops: the frame being published is finished, an end message (<c>stopped</c>) is published,
    /// and the connection is flushed (a ping), so everything published has reached the server.
    /// </summary>
    /// <param name="cancellationToken">Gives up the publish in progress (that frame is then incomplete at the importer, reported as lost).</param>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _disposed) != 0 ? Task.CompletedTask : StopCoreAsync(cancellationToken);

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _started) == 0)
        {
            _completion.TrySetResult();
            return;
        }

        using CancellationTokenRegistration abort = cancellationToken.Register(() => _abort.Cancel());
        try
        {
            await Completion.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The error is the exporter's result: Completion carries it to whoever awaits it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Stops (waiting up to 10 s for the frame in progress), then releases the subscription and the metrics.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(DefaultStopTimeout))
        {
            await StopCoreAsync(timeout.Token).ConfigureAwait(false);
        }

        await Quietly.DisposeAsync(_metadataRequests).ConfigureAwait(false);

        if (_metadataResponder is not null)
        {
            await _metadataResponder.ConfigureAwait(false);
        }

        _watcher?.Dispose();
        NatsBridgeMetrics.Unregister(_counters);
        _stopping.Dispose();
        _abort.Dispose();
    }

    private async Task RunAsync()
    {
        CancellationToken stopping = _stopping.Token;
        CancellationToken abort = _abort.Token;
        try
        {
            bool departureSent = false; // a gone writer is reported on every read until the next one comes: publish its end once
            while (_carried.IsValid || !stopping.IsCancellationRequested) // a frame already taken from the ring is published before a stop
            {
                Frame frame;
                if (_carried.IsValid)
                {
                    frame = _carried; // read while gathering the last batch, which had no room for it
                    _carried = Frame.Invalid;
                }
                else
                {
                    try
                    {
                        frame = await _reader.ReadFrameAsync(stopping).ConfigureAwait(false);
                    }
                    catch (Exception gone) when (gone is WriterClosedException or WriterDeadException)
                    {
                        if (!departureSent)
                        {
                            EndReason reason = gone is WriterDeadException ? EndReason.Died : EndReason.Closed;
                            await PublishEndAsync(reason, abort).ConfigureAwait(false);
                            departureSent = true;
                            _events.Raise(StreamEnded, new NatsStreamEndedEventArgs(Session, LastSequence, reason));
                            if (_options.StopAtEndOfStream)
                            {
                                break;
                            }
                        }

                        continue;
                    }
                    catch (SequenceError)
                    {
                        continue; // the frame stays for the next read, which takes it; the bridge numbers frames itself
                    }
                    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                    {
                        break;
                    }
                }

                departureSent = false;
                _held[0] = frame;
                try
                {
                    await PublishMetadataOnceAsync(abort).ConfigureAwait(false);
                    var plan = ChunkPlan.For(CurrentMaxPayload(), _options.MaxChunkSize);
                    int count = GatherBatch(plan);
                    if (count == 1)
                    {
                        await PublishFrameAsync(frame, plan, abort).ConfigureAwait(false);
                    }
                    else
                    {
                        await PublishBatchAsync(count, abort).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ReleaseHeld();
                }

                if (_counters.Frames >= _options.MaxFrames)
                {
                    break; // the end published below (stopped) ends the importer's side here too
                }
            }

            await PublishEndAsync(EndReason.Stopped, abort).ConfigureAwait(false);
            await _connection.PingAsync(abort).ConfigureAwait(false); // the server has everything published before it
            Log.ExporterStopped(_logger, _reader.Name, _counters.Frames, LastSequence);
            _completion.TrySetResult();
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            Log.ExporterStopped(_logger, _reader.Name, _counters.Frames, LastSequence);
            _completion.TrySetResult();
        }
#pragma warning disable CA1031 // Anything else ends the exporter: Completion carries it.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Log.Problem(_logger, _reader.Name, "the exporter stopped on an error", error);
            _completion.TrySetException(error);
        }
        finally
        {
            _carried.Dispose(); // only after an abort or an error, which give up the message in flight too
            _carried = Frame.Invalid;
        }
    }

    /// <summary>
    /// Takes the frames already committed behind <c>_held[0]</c> without waiting, as long as they
    /// fit one message (<see cref="ChunkPlan.ChunkSize"/> bytes of body, <see cref="BatchBody.MaxFrames"/>
    /// frames) and their source sequences follow on; the first that does not fit is carried to
    /// the next message. A lone frame, or one too large for a batch, is returned alone at once:
    /// a batch is only ever what is already waiting, so it adds no latency.
    /// </summary>
    /// <returns>The frames held: 1, or a batch's count, with its body in <c>_batchBody</c>.</returns>
    private int GatherBatch(ChunkPlan plan)
    {
        long room = plan.ChunkSize;
        long cap = _stopping.IsCancellationRequested ? 1 // stopping: publish what was taken, take nothing more
            : Math.Min(BatchBody.MaxFrames, _options.MaxFrames is long max ? max - _counters.Frames : long.MaxValue);
        long size = BatchBody.SizeOf(_held[0].Size);
        int count = 1;
        while (count < cap && size < room)
        {
            Frame next;
            try
            {
                if (!_reader.TryReadFrame(TimeSpan.Zero, out next))
                {
                    break;
                }
            }
            catch (Exception ended) when (ended is WriterClosedException or WriterDeadException or SequenceError)
            {
                break; // said again by the next read, after this batch is out
            }

            long nextSize = BatchBody.SizeOf(next.Size);
            if (size + nextSize > room || next.Sequence != _held[count - 1].Sequence + 1)
            {
                _carried = next;
                break;
            }

            _held[count++] = next;
            size += nextSize;
        }

        if (count > 1)
        {
            if (_batchBody.Length < size)
            {
                _batchBody = new byte[Math.Min(room, Math.Max(size, 2L * _batchBody.Length))]; // grows to the largest batch once, then reused
            }

            int offset = 0;
            for (int index = 0; index < count; index++)
            {
                offset += BatchBody.Write(_batchBody.AsSpan(offset), _held[index].Span);
            }

            _batchLength = offset;
        }

        return count;
    }

    /// <summary>
    /// Publishes the batch gathered in <c>_batchBody</c> as one message. JetStream: its id names its
    /// first sequence and count, and a retry publishes the same bytes, so the stream keeps one copy.
    /// </summary>
    private async Task PublishBatchAsync(int count, CancellationToken cancellationToken)
    {
        ulong first = _sequence + 1;
        ulong firstSource = _held[0].Sequence;
        ReadOnlyMemory<byte> body = _batchBody.AsMemory(0, _batchLength);
        if (_js is null)
        {
            await _connection.PublishAsync(_framesSubject, body, WireText.Batch(Session, first, firstSource, count),
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken).ConfigureAwait(false);
            _counters.Message();
        }
        else
        {
            await PublishAsync(_framesSubject, body, () => WireText.Batch(Session, first, firstSource, count),
                WireText.BatchId(Session, first, count), cancellationToken).ConfigureAwait(false);
        }

        for (int index = 0; index < count; index++)
        {
            _counters.Frame(_held[index].Size);
        }

        Volatile.Write(ref _sequence, first + (ulong)count - 1);
    }

    /// <summary>Releases the frames of the message just published (or given up), oldest first.</summary>
    private void ReleaseHeld()
    {
        for (int index = 0; index < _held.Length && _held[index].IsValid; index++)
        {
            _held[index].Dispose();
            _held[index] = Frame.Invalid;
        }
    }

    private async Task PublishFrameAsync(Frame frame, ChunkPlan plan, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> bytes = frame.Memory; // the ring's bytes: valid until the frame is disposed, after the last publish
        int chunks = plan.CountFor(frame.Size);
        ulong sequence = _sequence + 1;
        ulong sourceSequence = frame.Sequence;
        int size = frame.Size;
        if (_js is null)
        {
            // Core: each publish completes as soon as the client has the bytes. Nothing here
            // allocates but the headers (NATS.Net makes them read-only once published).
            for (int index = 0; index < chunks; index++)
            {
                ChunkHeader chunk = plan.Chunk(size, index);
                await _connection.PublishAsync(_framesSubject, plan.Slice(bytes, chunk), WireText.Chunk(Session, sequence, sourceSequence, chunk),
                    serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken).ConfigureAwait(false);
                _counters.Message();
            }
        }
        else
        {
            await PublishFrameToStreamAsync(bytes, plan, sequence, sourceSequence, chunks, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _sequence, sequence);
        _counters.Frame(size);
    }

    /// <summary>
    /// JetStream: a frame's chunks are in flight together (up to <see cref="ChunkWindow"/>), each
    /// waiting for its own acknowledgement, so a 3-chunk frame costs about one round trip, not
    /// three. The next frame starts only when every chunk of this one is stored: frames stay in
    /// order in the stream (a retried chunk may land after its siblings; the importer takes them
    /// in any order).
    /// </summary>
    private async Task PublishFrameToStreamAsync(ReadOnlyMemory<byte> bytes, ChunkPlan plan, ulong sequence, ulong sourceSequence, int chunks,
        CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>(Math.Min(chunks, ChunkWindow));
        for (int index = 0; index < chunks; index++)
        {
            ChunkHeader chunk = plan.Chunk(bytes.Length, index);
            inFlight.Add(PublishAsync(_framesSubject, plan.Slice(bytes, chunk), () => WireText.Chunk(Session, sequence, sourceSequence, chunk),
                WireText.ChunkId(Session, sequence, index), cancellationToken));
            if (inFlight.Count == ChunkWindow)
            {
                await Task.WhenAll(inFlight).ConfigureAwait(false);
                inFlight.Clear();
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task PublishMetadataOnceAsync(CancellationToken cancellationToken)
    {
        if (_metadataDone)
        {
            return;
        }

        byte[] metadata = _reader.GetMetadata().ToArray(); // written once per buffer: one copy, kept for requests
        if (metadata.Length == 0)
        {
            return;
        }

        _metadataDone = true;
        _metadata = metadata;
        int room = ChunkPlan.For(CurrentMaxPayload(), null).ChunkSize;
        if (metadata.Length > room)
        {
            Report($"the buffer's metadata ({metadata.Length} bytes) is larger than a NATS message can carry ({room} bytes): it is not exported", null);
            return;
        }

        ulong next = _sequence + 1;
        await PublishAsync(_metadataSubject, metadata, () => WireText.Metadata(Session, next),
            WireText.MetadataId(Session), cancellationToken).ConfigureAwait(false);
    }

    private Task PublishEndAsync(EndReason reason, CancellationToken cancellationToken)
    {
        ulong last = _sequence;
        if (reason == EndReason.Stopped && _endPublishedAfter == last)
        {
            return Task.CompletedTask; // the writer's own end already said it: nothing came after
        }

        _endPublishedAfter = last;
        return PublishAsync(_endSubject, ReadOnlyMemory<byte>.Empty, () => WireText.End(Session, last, reason),
            WireText.EndId(Session, last), cancellationToken);
    }

    /// <summary>
    /// Publishes one message. Core: completes once the client has taken the bytes. JetStream:
    /// completes once the stream acknowledged it, retrying with the same message id (so the stream
    /// keeps one copy) after any failure, with pauses doubling up to <see cref="NatsExporterOptions.MaxRetryPause"/>.
    /// </summary>
    private async Task PublishAsync(string subject, ReadOnlyMemory<byte> payload, Func<NatsHeaders> headers, string messageId, CancellationToken cancellationToken)
    {
        if (_js is null)
        {
            await _connection.PublishAsync(subject, payload, headers(), serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            _counters.Message();
            return;
        }

        TimeSpan pause = FirstRetryPause;
        var opts = new NatsJSPubOpts { MsgId = messageId };
        while (true)
        {
            try
            {
                // Fresh headers per attempt: the client adds the message id to the ones it is given.
                NATS.Client.JetStream.Models.PubAckResponse ack = await _js.PublishAsync(subject, payload,
                    NatsRawSerializer<ReadOnlyMemory<byte>>.Default, opts, headers(), cancellationToken).ConfigureAwait(false);
                if (ack.Error is NATS.Client.JetStream.Models.ApiError error)
                {
                    throw new NatsJSApiException(error);
                }

                // A duplicate is a success: an earlier attempt was stored, its acknowledgement lost.
                _counters.Message();
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (NatsJSApiException refused) when (refused.Error.Code == 400)
            {
                throw new NatsJetStreamException(_reader.Name,
                    $"The stream refused message '{messageId}' on '{subject}' for good: {refused.Error.Description} (error {refused.Error.ErrCode}).", refused);
            }
#pragma warning disable CA1031 // Whatever failed (no server, no stream leader yet, a timeout), the same publish is tried again.
            catch (Exception failed)
#pragma warning restore CA1031
            {
                _counters.Retry();
                Report($"publishing message '{messageId}' on '{subject}' failed; retrying in {pause.TotalMilliseconds:0} ms (the frame stays in the ring)", failed);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, _options.MaxRetryPause.Ticks));
            }
        }
    }

    /// <summary>Answers <c>P.meta.get</c>: the metadata, or <c>Zb-Meta: none</c> while there is none.</summary>
    private async Task AnswerMetadataRequestsAsync(INatsSub<NatsMemoryOwner<byte>> requests)
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> request in requests.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                request.Data.Dispose();
                byte[]? metadata = _metadata;
                try
                {
                    await request.ReplyAsync<ReadOnlyMemory<byte>>(metadata ?? ReadOnlyMemory<byte>.Empty,
                        WireText.Metadata(Session, _sequence + 1, none: metadata is null),
                        serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A reply that fails (the requester left, the connection dropped) concerns that requester only.
                catch (Exception failed)
#pragma warning restore CA1031
                {
                    Report("a metadata request could not be answered", failed);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private long CurrentMaxPayload() => _connection.ServerInfo?.MaxPayload is int maxPayload and > 0 ? maxPayload : _maxPayload;

    private void OnConnectionChanged(NatsBridgeConnectionEventArgs change) => _events.ConnectionChanged(ConnectionChanged, change);

    private void Report(string what, Exception? error) => _events.Problem(Error, what, error);
}
