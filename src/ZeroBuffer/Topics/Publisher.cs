using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Interop;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Topics;

/// <summary>
/// The one publisher of a topic: every frame it publishes goes to each subscriber connected at
/// that moment, as that subscriber's <see cref="DeliveryPolicy"/> says, with no daemon in
/// between. Subscribers are ordinary buffers named <c>T.sub-POLICY-ID</c>, found by looking in
/// /dev/shm every <see cref="PublisherOptions.DiscoveryInterval"/> (docs/topics.md).
/// </summary>
/// <remarks>
/// <para>Publishing is for one thread at a time. The zero-copy path fills the frame once, in the
/// ring of one subscriber, and copies it once into each other subscriber's ring; <see cref="Publish"/>
/// copies it into each.</para>
/// <para>A <see cref="DeliveryPolicy.Block"/> subscriber holds the publisher back while its ring is
/// full, until it reads or dies (seen within about a second). The others never do: a full ring
/// misses the frame, counted, and leaves a gap in that subscriber's numbers. A subscriber that
/// leaves or crashes is dropped at the next frame (or the next look, when idle) and its
/// buffer cleaned; <see cref="SubscriberJoined"/> and <see cref="SubscriberLeft"/> tell of both,
/// on the discovery thread or the publishing thread.</para>
/// <para>One publisher per topic, held by a lock the kernel drops when the process dies, so a new
/// publisher takes over from a crashed one at once and finds its subscribers.</para>
/// </remarks>
public sealed unsafe class Publisher : IDisposable
{
    private static readonly TimeSpan LockProbeGrace = TimeSpan.FromMilliseconds(100);

    private readonly LockFile _topicLock;
    private readonly ILogger _logger;
    private readonly PublisherOptions _options;
    private readonly Lock _linksGate = new(); // guards replacing _links and _metadata
    private SubscriberLink[] _links = []; // replaced, never changed in place: the publishing thread reads it without a lock
    private byte[]? _metadata;
    private readonly HashSet<string> _refused = []; // buffers not connectable for good (another user's, or a frame never fits): logged once
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _discovery;
    private int _busy; // 1 while a publish (or a claimed frame) uses the links, or discovery removes gone ones
    private ulong _framesPublished;
    private bool _disposed;

    // The zero-copy frame between GetFrameBuffer and CommitFrame.
    private int _claimedSize = -1;
    private byte* _claimed;
    private SubscriberLink? _primary; // the subscriber whose ring holds the claimed frame; null: the scratch buffer
    private SubscriberLink[] _claimLinks = [];
    private CancellationToken _claimToken;
    private byte[] _scratch = [];

    /// <summary>Becomes the publisher of <paramref name="topic"/> and connects to its subscribers.</summary>
    /// <exception cref="ArgumentException">Invalid topic name.</exception>
    /// <exception cref="TopicAlreadyPublishedException">A live publisher holds the topic.</exception>
    /// <exception cref="BufferAccessDeniedException">The topic's lock file belongs to another user.</exception>
    public Publisher(string topic, PublisherOptions? options = null, ILogger? logger = null)
    {
        Platform.EnsureSupported();
        TopicNames.ValidateTopic(topic);
        _options = options ?? new PublisherOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.DiscoveryInterval, TimeSpan.Zero, nameof(options));
        _logger = logger ?? NullLogger.Instance;
        Topic = topic;
        _topicLock = TakeTopic(topic);
        Discover(); // subscribers that are already there get the first frame
        _discovery = new Thread(DiscoverUntilStopped) { IsBackground = true, Name = $"zerobuffer topic {topic}" };
        _discovery.Start();
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>Frames published (each offered to every subscriber connected then).</summary>
    public ulong FramesPublished => Volatile.Read(ref _framesPublished);

    /// <summary>A subscriber was connected (its buffer has the topic's metadata by then).</summary>
    public event EventHandler<SubscriberEventArgs>? SubscriberJoined;

    /// <summary>A subscriber left (closed its buffer) or crashed; its counts are final.</summary>
    public event EventHandler<SubscriberEventArgs>? SubscriberLeft;

    /// <summary>The subscribers connected now, with their counts.</summary>
    public IReadOnlyList<SubscriberStatus> GetSubscribers() => [.. Volatile.Read(ref _links).Where(l => !l.Gone).Select(l => l.Status())];

    /// <summary>
    /// Sets the topic's metadata (once): written to every subscriber's buffer before the first
    /// frame it gets, including subscribers that join later.
    /// </summary>
    /// <exception cref="MetadataAlreadyWrittenException">The metadata was set already.</exception>
    public void SetMetadata(ReadOnlySpan<byte> metadata)
    {
        ThrowIfDisposed();
        ThrowIfClaimed(); // before EnterBusy: a claimed frame holds the busy flag, this thread would wait for itself
        EnterBusy();
        try
        {
            lock (_linksGate)
            {
                if (_metadata is not null)
                {
                    throw new MetadataAlreadyWrittenException(Topic, $"Topic '{Topic}' already has its metadata; it is written once.");
                }

                _metadata = metadata.ToArray();
                foreach (SubscriberLink link in _links)
                {
                    WriteMetadata(link);
                }
            }
        }
        finally
        {
            ExitBusy();
        }
    }

    /// <summary>Copies <paramref name="data"/> to every subscriber as one frame.</summary>
    /// <exception cref="InvalidFrameSizeException"><paramref name="data"/> is empty.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for a <see cref="DeliveryPolicy.Block"/> subscriber (the subscribers offered the frame before have it).</exception>
    public void Publish(ReadOnlySpan<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfEmpty(data.Length);
        ThrowIfClaimed(); // before EnterBusy: a claimed frame holds the busy flag, this thread would wait for itself
        EnterBusy();
        try
        {
            foreach (SubscriberLink link in TakeLinks())
            {
                Offer(link, data, cancellationToken);
            }

            Volatile.Write(ref _framesPublished, _framesPublished + 1);
        }
        finally
        {
            ExitBusy();
        }
    }

    /// <summary>
    /// Zero-copy publish: the bytes of the next frame, to fill, then <see cref="CommitFrame"/> (or
    /// <see cref="AbortFrame"/>). They lie in the ring of one subscriber (a <see cref="DeliveryPolicy.Block"/>
    /// one if any, waiting for its space), or in a buffer of the publisher's when no ring has room.
    /// </summary>
    /// <exception cref="InvalidFrameSizeException"><paramref name="size"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">A frame is already claimed.</exception>
    public Span<byte> GetFrameBuffer(int size, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfEmpty(size);
        ThrowIfClaimed(); // before EnterBusy: a claimed frame holds the busy flag, this thread would wait for itself
        EnterBusy();
        try
        {
            _claimLinks = TakeLinks();
            _claimToken = cancellationToken;
            _primary = null;
            Span<byte> target = default;

            // A Block subscriber first: it must get the frame anyway, so waiting for its space costs nothing extra.
            for (int pass = 0; pass < 2 && _primary is null; pass++)
            {
                foreach (SubscriberLink link in _claimLinks)
                {
                    if ((link.Policy == DeliveryPolicy.Block) == (pass == 0) && TryClaimIn(link, size, cancellationToken, out target))
                    {
                        _primary = link;
                        break;
                    }
                }
            }

            if (_primary is null)
            {
                if (_scratch.Length < size)
                {
                    _scratch = GC.AllocateUninitializedArray<byte>(size, pinned: true); // pinned: the frame is kept as a pointer until the commit
                }

                target = _scratch.AsSpan(0, size);
            }

            _claimed = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(target));
            _claimedSize = size;
            return target;
        }
        catch
        {
            foreach (SubscriberLink link in _claimLinks)
            {
                link.ReturnClaimSequence(); // nothing was published: no number is used up
            }

            ResetClaim();
            ExitBusy();
            throw;
        }
    }

    /// <summary>Publishes the frame claimed with <see cref="GetFrameBuffer"/>: a copy to each other subscriber, then the commit of the one holding it.</summary>
    /// <exception cref="InvalidOperationException">No frame is claimed.</exception>
    public void CommitFrame()
    {
        if (_claimedSize < 0)
        {
            throw new InvalidOperationException($"No frame of topic '{Topic}' to commit; call GetFrameBuffer first.");
        }

        try
        {
            var frame = new ReadOnlySpan<byte>(_claimed, _claimedSize);
            foreach (SubscriberLink link in _claimLinks)
            {
                if (link == _primary)
                {
                    continue;
                }

                if (link.OfferedClaim)
                {
                    if (!link.Gone)
                    {
                        link.Dropped(); // its ring had no room for the claim: the number it took is its gap
                    }
                }
                else
                {
                    Offer(link, frame, _claimToken);
                }
            }

            if (_primary is { } primary)
            {
                primary.Writer.CommitFrame();
                primary.Delivered();
            }

            Volatile.Write(ref _framesPublished, _framesPublished + 1);
        }
        finally
        {
            ResetClaim();
            ExitBusy();
        }
    }

    /// <summary>Drops the claimed frame: no subscriber gets it, and no number is used up.</summary>
    public void AbortFrame()
    {
        if (_claimedSize < 0)
        {
            return;
        }

        _primary?.Writer.AbortFrame();
        foreach (SubscriberLink link in _claimLinks)
        {
            link.ReturnClaimSequence();
        }

        ResetClaim();
        ExitBusy();
    }

    /// <summary>
    /// Ends the topic: every subscriber sees a clean end of stream (<see cref="WriterClosedException"/>)
    /// after the frames it has, and keeps its buffer for a next publisher; the topic's lock goes.
    /// </summary>
    public void Dispose()
    {
        lock (_linksGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stop.Cancel();
        if (Thread.CurrentThread != _discovery)
        {
            _discovery.Join();
        }

        // A publish blocked on another thread wakes with ObjectDisposedException when its writer goes.
        foreach (SubscriberLink link in Volatile.Read(ref _links))
        {
            link.Dispose();
        }

        _topicLock.Release(deleteFile: true);
        _stop.Dispose();
    }

    /// <summary>
    /// Takes the topic's lock. A stale sweep probing the file holds it for microseconds, so a
    /// refusal is believed only once it lasted <see cref="LockProbeGrace"/>; a live publisher holds it for good.
    /// </summary>
    private static LockFile TakeTopic(string topic)
    {
        string lockPath = TopicNames.PublisherLockFile(topic);
        Deadline deadline = Deadline.After(LockProbeGrace);
        while (true)
        {
            if (LockFile.TryAcquire(lockPath, create: true, topic, out LockFile? held) == LockFile.Outcome.Acquired)
            {
                return held!;
            }

            if (deadline.HasExpired)
            {
                throw new TopicAlreadyPublishedException(topic, $"Topic '{topic}' already has a live publisher (it holds {lockPath}).");
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>The links to offer the next frame to, after removing the subscribers seen gone. The caller is busy.</summary>
    private SubscriberLink[] TakeLinks()
    {
        RemoveGone();
        return Volatile.Read(ref _links);
    }

    /// <summary>Tries to claim the frame in <paramref name="link"/>'s ring: a Block subscriber is waited for, the others only if there is room now.</summary>
    private bool TryClaimIn(SubscriberLink link, int size, CancellationToken cancellationToken, out Span<byte> target)
    {
        target = default;
        ulong sequence = link.TakeClaimSequence();
        try
        {
            TimeSpan wait = link.Policy == DeliveryPolicy.Block ? Timeout.InfiniteTimeSpan : TimeSpan.Zero;
            target = link.Writer.TryGetFrameBuffer(size, sequence, wait, cancellationToken, out bool claimed);
            return claimed; // not claimed: the commit counts the miss (an abort gives the number back)
        }
        catch (FrameTooLargeException)
        {
            NeverFits(link, size);
            return false;
        }
        catch (ZeroBufferException error) when (error is ReaderDeadException or ReaderClosedException)
        {
            MarkGone(link, error);
            return false;
        }
    }

    /// <summary>Offers one frame to one subscriber, as its policy says; a subscriber found gone is marked for removal.</summary>
    private void Offer(SubscriberLink link, ReadOnlySpan<byte> frame, CancellationToken cancellationToken)
    {
        ulong sequence = link.TakeSequence();
        try
        {
            TimeSpan wait = link.Policy == DeliveryPolicy.Block ? Timeout.InfiniteTimeSpan : TimeSpan.Zero;
            if (link.Writer.TryWriteFrame(frame, sequence, wait, cancellationToken))
            {
                link.Delivered();
            }
            else
            {
                link.Dropped();
            }
        }
        catch (FrameTooLargeException)
        {
            link.Dropped();
            NeverFits(link, frame.Length);
        }
        catch (ZeroBufferException error) when (error is ReaderDeadException or ReaderClosedException)
        {
            MarkGone(link, error);
        }
    }

    private void NeverFits(SubscriberLink link, int size)
    {
        lock (_refused)
        {
            if (_refused.Add(link.BufferName + "#too-small"))
            {
                TopicLog.FrameNeverFits(_logger, Topic, link.BufferName, size);
            }
        }
    }

    private static void MarkGone(SubscriberLink link, Exception reason)
    {
        link.GoneReason ??= reason;
        link.Gone = true;
    }

    /// <summary>Removes the links marked gone, disposes their writers and cleans the buffers their crashed subscribers left. The caller is busy.</summary>
    private void RemoveGone()
    {
        bool anyGone = false;
        foreach (SubscriberLink link in Volatile.Read(ref _links))
        {
            anyGone |= link.Gone;
        }

        if (!anyGone)
        {
            return;
        }

        SubscriberLink[] gone;
        lock (_linksGate)
        {
            gone = [.. _links.Where(l => l.Gone)];
            Volatile.Write(ref _links, [.. _links.Where(l => !l.Gone)]);
        }

        foreach (SubscriberLink link in gone)
        {
            link.Dispose(); // gives up our claim on the buffer: a crashed subscriber's is stale from now on
            if (link.GoneReason is not ReaderClosedException)
            {
                _ = BufferCatalog.Clean(link.BufferName); // refuses a live buffer; a clean leave removed its own
            }

            SubscriberStatus status = link.Status();
            TopicLog.Left(_logger, Topic, link.BufferName, status.FramesDelivered, status.FramesDropped, link.GoneReason?.Message ?? "gone");
            Raise(SubscriberLeft, new SubscriberEventArgs(status, link.GoneReason));
        }
    }

    private void DiscoverUntilStopped()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_stop.Token.WaitHandle.WaitOne(_options.DiscoveryInterval))
            {
                return;
            }

            try
            {
                Discover();
                CheckIdleLinks();
            }
            catch (Exception error)
            {
                TopicLog.DiscoveryFailed(_logger, Topic, error); // an exception here would end the process: log it, look again
            }
        }
    }

    /// <summary>Connects to the subscriber buffers of the topic not connected yet.</summary>
    private void Discover()
    {
        HashSet<string> connected = [.. Volatile.Read(ref _links).Select(l => l.BufferName)];
        string prefix = Topic + TopicNames.SubscriberInfix;
        foreach (string path in Directory.EnumerateFiles(ResourceNames.ShmDirectory, prefix + "*"))
        {
            string name = Path.GetFileName(path);
            if (connected.Contains(name) || !TopicNames.TryParseSubscriber(Topic, name, out DeliveryPolicy policy, out string id))
            {
                continue;
            }

            lock (_refused)
            {
                if (_refused.Contains(name))
                {
                    continue;
                }
            }

            TryConnect(name, id, policy);
        }
    }

    private void TryConnect(string name, string id, DeliveryPolicy policy)
    {
        Writer writer;
        try
        {
            writer = new Writer(name, _logger) { WaitStrategy = _options.WaitStrategy, WriteTimeout = Timeout.InfiniteTimeSpan };
        }
        catch (ReaderDeadException error)
        {
            // A subscriber that crashed before any publisher connected: nobody else cleans its buffer.
            TopicLog.NotConnected(_logger, Topic, name, error.Message);
            _ = BufferCatalog.Clean(name);
            return;
        }
        catch (BufferAccessDeniedException error)
        {
            lock (_refused)
            {
                _ = _refused.Add(name);
            }

            TopicLog.NotConnected(_logger, Topic, name, error.Message);
            return;
        }
        catch (ZeroBufferException error)
        {
            TopicLog.NotConnected(_logger, Topic, name, error.Message); // being created, or another writer there: the next look tries again
            return;
        }

        var link = new SubscriberLink(writer, id, policy);
        lock (_linksGate)
        {
            if (_disposed)
            {
                link.Dispose();
                return;
            }

            WriteMetadata(link);
            Volatile.Write(ref _links, [.. _links, link]);
        }

        TopicLog.Joined(_logger, Topic, name, policy);
        Raise(SubscriberJoined, new SubscriberEventArgs(link.Status()));
    }

    /// <summary>Writes the topic's metadata to a new subscriber's buffer (under <see cref="_linksGate"/>); one a previous publisher wrote stays.</summary>
    private void WriteMetadata(SubscriberLink link)
    {
        if (_metadata is null)
        {
            return;
        }

        try
        {
            link.Writer.SetMetadata(_metadata);
        }
        catch (MetadataAlreadyWrittenException)
        {
            // Written by a previous publisher of the topic: metadata is written once per buffer (protocol §3.3).
        }
        catch (ArgumentOutOfRangeException error)
        {
            // The subscriber chose a metadata block too small: it gets the frames without the metadata.
            TopicLog.MetadataDoesNotFit(_logger, Topic, link.BufferName, _metadata.Length, error.Message);
        }
        catch (ZeroBufferException error) when (error is ReaderDeadException or ReaderClosedException)
        {
            MarkGone(link, error);
        }
    }

    /// <summary>While nobody publishes, subscribers that left are still noticed (and their buffers cleaned).</summary>
    private void CheckIdleLinks()
    {
        foreach (SubscriberLink link in Volatile.Read(ref _links))
        {
            try
            {
                if (!link.Gone && !link.Writer.IsReaderConnected())
                {
                    // Read-only looks (the publishing thread may be writing): a PID of 0 is a reader that closed.
                    MarkGone(link, link.Writer.GetStatus().ReaderPid == 0
                        ? new ReaderClosedException(link.BufferName, $"The subscriber of buffer '{link.BufferName}' left.")
                        : new ReaderDeadException(link.BufferName, $"The subscriber of buffer '{link.BufferName}' died."));
                }
            }
            catch (ObjectDisposedException)
            {
                // The publishing thread removed the link meanwhile.
            }
        }

        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            try
            {
                RemoveGone();
            }
            finally
            {
                ExitBusy();
            }
        }
    }

    private void Raise(EventHandler<SubscriberEventArgs>? handler, SubscriberEventArgs args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception error)
        {
            TopicLog.HandlerFailed(_logger, Topic, error); // a subscriber's handler must not stop the topic
        }
    }

    /// <summary>Waits for discovery to finish removing links (microseconds); publishing is one thread at a time.</summary>
    private void EnterBusy()
    {
        var spinner = new SpinWait();
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }
    }

    private void ExitBusy() => Volatile.Write(ref _busy, 0);

    private void ResetClaim()
    {
        foreach (SubscriberLink link in _claimLinks)
        {
            link.OfferedClaim = false;
        }

        _claimedSize = -1;
        _claimed = null;
        _primary = null;
        _claimLinks = [];
        _claimToken = default;
    }

    private void ThrowIfClaimed()
    {
        if (_claimedSize >= 0)
        {
            throw new InvalidOperationException($"A frame of topic '{Topic}' is claimed; commit or abort it first.");
        }
    }

    private void ThrowIfEmpty(int size)
    {
        if (size <= 0)
        {
            throw new InvalidFrameSizeException(Topic, $"Frame size {size} is invalid for topic '{Topic}': frames must have at least 1 byte.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
