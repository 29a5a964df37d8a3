using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using ZeroBuffer.Nats.Diagnostics;
using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats;

/// <summary>
/// Writes the frames an exporter publishes under a subject prefix into a local buffer: it
/// reassembles each frame's chunks (or unpacks a batch of frames), writes the frame into the ring
/// (one copy, from the client's buffer into the ring), carries the metadata over, and reports every frame that did not arrive
/// (<see cref="Gap"/>, with counts). The local reader creates the buffer; the importer connects its
/// writer, and connects again to the next reader if the reader goes (docs/bridge.md).
/// </summary>
/// <remarks>
/// <para><b>A thread of its own.</b> Writing into the ring waits for space while the local reader is
/// slow: the importer does that on its own thread, not the thread pool's.</para>
/// <para><b>Back-pressure.</b> While the ring is full: in core mode the importer queues up to
/// <see cref="NatsImporterOptions.PendingBytes"/> of messages, then drops new ones (the frames are
/// reported lost); in JetStream mode the importer stops pulling, and nothing is lost.</para>
/// <para><b>Sequences.</b> The local buffer numbers frames itself (1, 2, … per writer), as every
/// writer does; the bridge sequence of each frame is the exporter's, and gaps are reported in it.</para>
/// </remarks>
/// <example>
/// <code>
/// await using var nats = new NatsConnection(new NatsOpts { Url = "nats://hostb:4222" });
/// using var reader = new Reader("cam0-remote", new BufferConfig(4096, 64 &lt;&lt; 20)); // the application's reader
/// await using var importer = new NatsImporter(nats, "cam0-remote", new NatsImporterOptions { Subject = "site1.cam0" });
/// importer.Gap += (_, gap) =&gt; Console.WriteLine(gap);
/// await importer.StartAsync(stopping);
/// </code>
/// </example>
public sealed class NatsImporter : IAsyncDisposable
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250); // how long any wait of the thread lasts before it looks at stop
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    private readonly INatsConnection _connection;
    private readonly string _bufferName;
    private readonly NatsImporterOptions _options;
    private readonly ILogger _logger;
    private readonly BridgeCounters _counters;
    private readonly BridgeEvents _events;
    private readonly FrameSequencer _sequencer = new();
    private readonly List<(Inbound Message, int Offset)> _parts = []; // the chunks of the frame in progress
    private readonly List<NatsGapEventArgs> _gaps = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IInboundSource? _source;
    private ConnectionWatcher? _watcher;
    private Writer? _writer;
    private byte[]? _metadata; // the exporter's, once known: written to every buffer the importer connects to
    private bool _metadataWritten; // to the current writer's buffer
    private ulong _duplicateChunksCounted; // of the sequencer's count, already added to the counters
    private bool _finished; // MaxFrames reached, or the end of the stream with StopAtEndOfStream: stop after acknowledging
    private int _started;
    private int _disposed;

    /// <summary>Creates an importer into local buffer <paramref name="bufferName"/>; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="connection">The NATS connection (owned by the caller; its options carry the URL, TLS and credentials).</param>
    /// <param name="bufferName">The local buffer, created by its reader (before or after the importer starts).</param>
    /// <param name="options">Subject prefix, mode, queue size.</param>
    /// <param name="logger">Start, stop, gaps and problems; nothing per frame. Also the local writer's logger.</param>
    /// <exception cref="ArgumentException">An invalid subject prefix, buffer name or option.</exception>
    public NatsImporter(INatsConnection connection, string bufferName, NatsImporterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(bufferName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (bufferName.Length is 0 or > 200 || bufferName is "." or ".." || bufferName.AsSpan().ContainsAnyExcept(BufferNameCharacters.Allowed))
        {
            throw new ArgumentException($"Invalid buffer name '{bufferName}': a buffer name has 1-200 characters from [A-Za-z0-9._-], and is not '.' or '..'.", nameof(bufferName));
        }

        _connection = connection;
        _bufferName = bufferName;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _counters = new BridgeCounters("importer", options.Subject, bufferName);
        _events = new BridgeEvents(this, _logger, bufferName);
    }

    /// <summary>The local buffer.</summary>
    public string BufferName => _bufferName;

    /// <summary>The subject prefix.</summary>
    public string Subject => _options.Subject;

    /// <summary>Completes when the importer has stopped; faults with the error that stopped it.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Frames committed to the local ring.</summary>
    public long FramesImported => _counters.Frames;

    /// <summary>Payload bytes of those frames.</summary>
    public long BytesImported => _counters.Bytes;

    /// <summary>NATS messages received and handled: chunks, metadata and ends.</summary>
    public long MessagesReceived => _counters.Messages;

    /// <summary>Frames reported <see cref="GapKind.Lost"/>.</summary>
    public long FramesLost => _counters.Lost;

    /// <summary>Frames reported <see cref="GapKind.MissedBeforeJoin"/>.</summary>
    public long FramesMissedBeforeJoin => _counters.MissedBeforeJoin;

    /// <summary>Frames reported <see cref="GapKind.Rejected"/>.</summary>
    public long FramesRejected => _counters.Rejected;

    /// <summary>Messages dropped as duplicates (JetStream redeliveries, chunks repeated by a retried publish).</summary>
    public long DuplicatesDropped => _counters.Duplicates;

    /// <summary>Core mode: messages dropped because the importer's queue was over <see cref="NatsImporterOptions.PendingBytes"/>.</summary>
    public long MessagesDropped => _counters.Dropped;

    /// <summary>Messages under the prefix that are not bridge messages of this wire version (skipped, reported through <see cref="Error"/>).</summary>
    public long MalformedMessages => _counters.Malformed;

    /// <summary>Times the NATS connection was lost.</summary>
    public long Disconnects => _counters.Disconnects;

    /// <summary>
    /// Frames that did not reach the local buffer, as runs of bridge sequences, each reported once:
    /// together with the frames imported and the duplicates, they account for every frame of every
    /// session the importer saw (up to the last end message, or the last frame it received).
    /// Raised on the importer's thread; keep handlers short.
    /// </summary>
    public event EventHandler<NatsGapEventArgs>? Gap;

    /// <summary>The exporter's local stream ended (raised before the local writer closes, with <see cref="NatsImporterOptions.PropagateEndOfStream"/>).</summary>
    public event EventHandler<NatsStreamEndedEventArgs>? StreamEnded;

    /// <summary>The connection went down or came back. Raised on the client's thread; keep handlers short.</summary>
    public event EventHandler<NatsBridgeConnectionEventArgs>? ConnectionChanged;

    /// <summary>A problem the importer rides out (a malformed message, metadata the local buffer cannot take, a consumer restarted).</summary>
    public event EventHandler<NatsBridgeErrorEventArgs>? Error;

    /// <summary>
    /// Connects, subscribes (core) or sets up the stream and the durable consumer (JetStream), asks
    /// the exporter for its metadata (core), and starts importing on the importer's thread.
    /// </summary>
    /// <exception cref="NatsServerUnavailableException">No NATS server could be reached.</exception>
    /// <exception cref="NatsJetStreamException">JetStream mode, and the server has no JetStream or refused the stream or consumer.</exception>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"The importer of buffer '{_bufferName}' is already started.");
        }

        try
        {
            long maxPayload = await ServerAccess.ConnectAsync(_connection, _bufferName, cancellationToken).ConfigureAwait(false);
            if (_options.Mode == BridgeMode.JetStream)
            {
                var js = new NatsJSContext(_connection);
                INatsJSStream stream = await ServerAccess.EnsureStreamAsync(js, _options.Subject, _options.JetStream, _bufferName, cancellationToken).ConfigureAwait(false);
                var source = await JetStreamSource.StartAsync(js, stream, _options.Subject, _bufferName, _options.JetStream, maxPayload, _counters, Report, OnHoleGivenUp, cancellationToken).ConfigureAwait(false);
                _source = source;
                if (source.ResumeFrom is BridgeMessage last)
                {
                    _sequencer.Resume(last.Session, last.NextSequence); // the frames before were an earlier importer's
                }
            }
            else
            {
                // Subscribed before asking for the metadata, so no frame published after the answer is missed.
                _source = await CoreSource.SubscribeAsync(_connection, _options.Subject, _options.PendingBytes, _counters, OnSlowConsumer, cancellationToken).ConfigureAwait(false);
                if (_options.MetadataRequestTimeout > TimeSpan.Zero)
                {
                    _metadata = await RequestMetadataAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            if (_source is not null)
            {
                await _source.DisposeAsync().ConfigureAwait(false);
                _source = null;
            }

            _completion.TrySetResult(); // it never ran: stopping it has nothing to wait for
            throw;
        }

        _watcher = new ConnectionWatcher(_connection, _counters, OnConnectionChanged);
        NatsBridgeMetrics.Register(_counters);
        Log.ImporterStarted(_logger, _bufferName, _options.Subject, _options.Mode);
        var thread = new Thread(Run) { IsBackground = true, Name = $"zb-nats-import {_bufferName}" };
        thread.Start();
    }

    /// <summary>
    /// Stops: the thread leaves its wait (within about 250 ms), and the local writer closes (the
    /// local reader sees the end of the stream). A frame not complete yet is reported lost in core
    /// mode; in JetStream mode it is not acknowledged, so the next importer with the consumer gets it.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _disposed) != 0 ? Task.CompletedTask : StopCoreAsync(cancellationToken);

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _started) == 0 || _source is null)
        {
            _completion.TrySetResult();
            return;
        }

        try
        {
            await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The error is the importer's result: Completion carries it to whoever awaits it.
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning restore CA1031
    }

    /// <summary>Stops (waiting up to 10 s), then releases the subscription or consumer and the metrics.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(DefaultStopTimeout))
        {
#pragma warning disable CA1031 // A stop that timed out: the thread is a background one and ends with its next slice.
            try
            {
                await StopCoreAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
#pragma warning restore CA1031
        }

        if (_source is not null)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
        }

        _watcher?.Dispose();
        NatsBridgeMetrics.Unregister(_counters);
        _stopping.Dispose();
    }

    private async Task<byte[]?> RequestMetadataAsync(CancellationToken cancellationToken)
    {
        try
        {
            NatsMsg<NatsMemoryOwner<byte>> reply = await _connection.RequestAsync(BridgeSubjects.MetadataRequest(_options.Subject),
                NatsRawSerializer<NatsMemoryOwner<byte>>.Default, new NatsSubOpts { Timeout = _options.MetadataRequestTimeout }, cancellationToken).ConfigureAwait(false);
            using NatsMemoryOwner<byte> data = reply.Data;
            bool none = reply.Headers?.TryGetLastValue(BridgeHeaders.MetadataState, out string? state) == true && state == "none";
            return none || reply.HasNoResponders || data.Length == 0 ? null : data.Span.ToArray();
        }
        catch (NatsNoRespondersException)
        {
            return null; // no exporter yet: its metadata comes on P.meta before its first frame
        }
        catch (NatsNoReplyException)
        {
            return null;
        }
    }

    /// <summary>The importer's thread: takes messages until stopped.</summary>
    private void Run()
    {
        CancellationToken stopping = _stopping.Token;
        Exception? failure = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (!_source!.TryTake(Slice, stopping, out Inbound? message))
                {
                    continue;
                }

                if (Handle(message!, stopping))
                {
                    // Cumulative: every message up to this one is handled, and this one says where
                    // the stream goes on (the resume point of the next importer with this consumer).
                    _source.Acknowledge(message!, stopping);
                }

                if (_finished)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Anything else ends the importer: Completion carries it.
        catch (Exception error)
#pragma warning restore CA1031
        {
            failure = error;
            Log.Problem(_logger, _bufferName, "the importer stopped on an error", error);
        }
        finally
        {
            if (_options.Mode == BridgeMode.Core)
            {
                _sequencer.AbandonAssembly(_gaps); // gone for good: core NATS keeps nothing
                ReportGaps();
            }

            DisposeParts(); // JetStream: not acknowledged, so the next importer with this consumer gets the frame
            _writer?.Dispose(); // a clean end of the local stream
            _writer = null;
            Log.ImporterStopped(_logger, _bufferName, _counters.Frames);
        }

        if (failure is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(failure);
        }
    }

    /// <summary>Handles one message; true when it settles everything up to it (a frame's last chunk, metadata, an end).</summary>
    private bool Handle(Inbound message, CancellationToken stopping)
    {
        _counters.Message();
        var parsed = BridgeMessage.Parse(_options.Subject, message.Subject, message.Headers, message.Length, _sequencer.Session);
        switch (parsed.Kind)
        {
            case MessageKind.Chunk when parsed.IsBatch:
                return HandleBatch(parsed, message, stopping);
            case MessageKind.Chunk:
                return HandleChunk(parsed, message, stopping);
            case MessageKind.Metadata:
                _sequencer.OfferMetadata(parsed, _gaps);
                ReportGaps();
                _metadata = message.Payload.ToArray();
                message.Dispose();
                EnsureWriter(stopping);
                WriteMetadata();
                return !_sequencer.Assembling;
            case MessageKind.End:
                message.Dispose();
                HandleEnd(parsed);
                return true;
            default:
                message.Dispose();
                _counters.MalformedMessage();
                Report($"a message was skipped: {parsed.Problem}", null);
                return false;
        }
    }

    private bool HandleChunk(in BridgeMessage chunk, Inbound message, CancellationToken stopping)
    {
        ChunkAction action = _sequencer.OfferChunk(chunk, _gaps);
        ReportGaps();
        switch (action)
        {
            case ChunkAction.Begin:
                DisposeParts(); // a frame given up by the sequencer (reported lost)
                _parts.Add((message, chunk.Offset));
                break;
            case ChunkAction.Continue:
                _parts.Add((message, chunk.Offset));
                break;
            default:
                message.Dispose();
                if (!_sequencer.Assembling)
                {
                    DisposeParts();
                }

                CountDuplicates();
                return false; // a duplicate, or a chunk of a frame given up: the next settled message acknowledges it
        }

        if (!_sequencer.AssemblyComplete)
        {
            return false;
        }

        CommitFrame(chunk.Length, default, stopping);
        _sequencer.FrameDone();
        DisposeParts();
        return true;
    }

    /// <summary>
    /// A batch: checked whole first (a malformed one is skipped, its frames then a gap of its
    /// count), then each frame is offered to the sequencer as a one-message frame, so duplicates
    /// (a JetStream redelivery of a batch partly imported before) and gaps are counted per frame,
    /// and copied from the message into the ring once. True when every frame is settled; with
    /// <see cref="NatsImporterOptions.MaxFrames"/> reached inside the batch it is not acknowledged,
    /// so the next importer with the consumer gets the frames after it.
    /// </summary>
    private bool HandleBatch(in BridgeMessage batch, Inbound message, CancellationToken stopping)
    {
        try
        {
            ReadOnlySpan<byte> rest = message.Payload;
            if (!BatchBody.TryCheck(rest, batch.Count, out string? problem))
            {
                _counters.MalformedMessage();
                Report($"a message was skipped: frame {batch.Sequence}: {problem}", null);
                return false;
            }

            for (int index = 0; index < batch.Count; index++)
            {
                if (_finished)
                {
                    return false;
                }

                ReadOnlySpan<byte> frame = BatchBody.Next(ref rest);
                ChunkAction action = _sequencer.OfferChunk(batch.BatchFrame(index, frame.Length), _gaps);
                ReportGaps();
                if (action != ChunkAction.Begin)
                {
                    CountDuplicates();
                    continue;
                }

                DisposeParts(); // a chunked frame in progress, given up by the sequencer (reported lost)

                CommitFrame(frame.Length, frame, stopping);
                _sequencer.FrameDone();
            }

            return true;
        }
        finally
        {
            message.Dispose();
        }
    }

    private void CountDuplicates()
    {
        _counters.Duplicate((long)(_sequencer.DuplicateChunks - _duplicateChunksCounted));
        _duplicateChunksCounted = _sequencer.DuplicateChunks;
    }

    private void HandleEnd(in BridgeMessage end)
    {
        _sequencer.OfferEnd(end, _gaps);
        DisposeParts(); // a frame cut short by the end (reported lost)
        ReportGaps();
        Log.StreamEnded(_logger, _bufferName, end.Reason, end.LastSequence, end.Session);
        Raise(StreamEnded, new NatsStreamEndedEventArgs(end.Session, end.LastSequence, end.Reason));
        _finished |= _options.StopAtEndOfStream;
        if (_options.PropagateEndOfStream && _writer is not null)
        {
            _writer.Dispose(); // the local reader sees the end of the stream; the next frame connects a new writer
            _writer = null;
            _metadataWritten = false;
        }
    }

    /// <summary>
    /// Writes the frame in progress into the ring: waits for space (in slices, so a stop is seen),
    /// connects to a new reader if the reader went, and reports a frame the ring can never hold.
    /// The bytes are <paramref name="whole"/> (a frame of a batch), or the chunks gathered when it is empty.
    /// </summary>
    private void CommitFrame(int length, ReadOnlySpan<byte> whole, CancellationToken stopping)
    {
        while (true)
        {
            Writer writer = EnsureWriter(stopping);
            try
            {
                Span<byte> target = writer.GetFrameBuffer(length);
                if (!whole.IsEmpty)
                {
                    whole.CopyTo(target);
                }

                foreach ((Inbound part, int offset) in _parts)
                {
                    part.Payload.CopyTo(target[offset..]);
                }

                writer.CommitFrame();
                _counters.Frame(length);
                _finished |= _counters.Frames >= _options.MaxFrames;
                return;
            }
            catch (BufferFullException)
            {
                stopping.ThrowIfCancellationRequested(); // the ring is still full: wait another slice
            }
            catch (FrameTooLargeException tooLarge)
            {
                _gaps.Add(new NatsGapEventArgs(GapKind.Rejected, _sequencer.Session!, _sequencer.AssemblySequence, 1));
                ReportGaps();
                Report($"frame {_sequencer.AssemblySequence} ({length} bytes) can never fit the local ring of buffer '{_bufferName}'", tooLarge);
                return;
            }
            catch (ReaderDeadException)
            {
                // The local reader went (ReaderClosedException included): keep the frame for the next one.
                writer.Dispose();
                _writer = null;
                _metadataWritten = false;
            }
        }
    }

    /// <summary>The local writer, connected (waiting for the local reader as long as it takes, until stopped).</summary>
    private Writer EnsureWriter(CancellationToken stopping)
    {
        if (_writer is not null)
        {
            return _writer;
        }

        _writer = Writer.Connect(_bufferName, Timeout.InfiniteTimeSpan, _logger, stopping);
        _writer.WriteTimeout = Slice;
        _metadataWritten = false;
        WriteMetadata();
        return _writer;
    }

    private void WriteMetadata()
    {
        if (_metadata is null || _writer is null || _metadataWritten)
        {
            return;
        }

        _metadataWritten = true;
        try
        {
            _writer.SetMetadata(_metadata);
        }
        catch (MetadataAlreadyWrittenException)
        {
            // Written once per buffer: an earlier writer of this importer (or another) wrote it.
        }
        catch (ArgumentOutOfRangeException tooLarge)
        {
            Report($"the exporter's metadata ({_metadata.Length} bytes) does not fit the metadata block of buffer '{_bufferName}'", tooLarge);
        }
    }

    private void ReportGaps()
    {
        foreach (NatsGapEventArgs gap in _gaps)
        {
            _counters.Gap(gap.Kind, gap.Count);
            Log.Gap(_logger, _bufferName, gap);
            Raise(Gap, gap);
        }

        _gaps.Clear();
    }

    private void DisposeParts()
    {
        foreach ((Inbound part, _) in _parts)
        {
            part.Dispose();
        }

        _parts.Clear();
    }

    private void OnSlowConsumer() => Log.SlowConsumer(_logger, _bufferName, _options.PendingBytes);

    private void OnHoleGivenUp(ulong missing, ulong resumed, long patience) => Log.HoleGivenUp(_logger, _bufferName, missing, patience, resumed);

    private void OnConnectionChanged(NatsBridgeConnectionEventArgs change) => _events.ConnectionChanged(ConnectionChanged, change);

    private void Report(string what, Exception? error) => _events.Problem(Error, what, error);

    private void Raise<T>(EventHandler<T>? handler, T args) => _events.Raise(handler, args);
}
