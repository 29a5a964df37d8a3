using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Topics;

/// <summary>
/// One subscriber of a topic: it creates and owns an ordinary buffer named
/// <c>T.sub-POLICY-ID</c> (<see cref="TopicNames"/>), which the topic's publisher finds and
/// writes to; it may join before the publisher exists, and outlives publishers (a new one
/// connects to the same buffer). Frames keep the numbers the publisher gave them for this
/// subscriber: a frame it could not deliver leaves a gap, counted in <see cref="FramesMissed"/>.
/// </summary>
/// <remarks>
/// Reading follows <see cref="Reader"/>: one thread at a time, frames disposed to give their
/// space back. A publisher that crashes is reported by <see cref="WriterDeadException"/> (after
/// every frame it committed), one that ended the topic by <see cref="WriterClosedException"/>; the
/// subscriber stays usable and reads the next publisher's frames.
/// </remarks>
public sealed class Subscriber : IDisposable
{
    private readonly Reader _reader;
    private ulong _expectedSequence = 1; // the next number from the current publisher
    private ulong _framesRead;
    private ulong _framesMissed;
    private ulong _framesSkipped;

    /// <summary>Creates the subscriber's buffer and joins <paramref name="topic"/>.</summary>
    /// <param name="topic">The topic (<see cref="TopicNames.ValidateTopic"/>).</param>
    /// <param name="policy">What the publisher does when this subscriber's ring is full.</param>
    /// <param name="config">Metadata and ring sizes of the subscriber's buffer: the ring should hold at least two of the topic's largest frames.</param>
    /// <param name="id">The subscriber's id in the buffer name (1-32 letters and digits); a random one when null.</param>
    /// <param name="logger">Lifecycle and error logging of the buffer.</param>
    /// <exception cref="ArgumentException">Invalid topic or id.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">A live subscriber already has this id.</exception>
    public Subscriber(string topic, DeliveryPolicy policy, BufferConfig config, string? id = null, ILogger? logger = null)
    {
        TopicNames.ValidateTopic(topic);
        Id = id ?? TopicNames.NewSubscriberId();
        BufferName = TopicNames.SubscriberBuffer(topic, policy, Id);
        Topic = topic;
        Policy = policy;

        // Numbers with gaps are how drops are told, so the reader must not refuse them.
        _reader = new Reader(BufferName, config, logger) { CheckSequenceContinuity = false };
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>This subscriber's id.</summary>
    public string Id { get; }

    /// <summary>The buffer this subscriber owns (<c>T.sub-POLICY-ID</c>).</summary>
    public string BufferName { get; }

    /// <summary>The delivery policy, as the publisher reads it from <see cref="BufferName"/>.</summary>
    public DeliveryPolicy Policy { get; }

    /// <summary>Frames returned by the reads.</summary>
    public ulong FramesRead => _framesRead;

    /// <summary>Frames the publisher published while this subscriber was connected but could not deliver (its ring was full): the gaps in the numbers.</summary>
    public ulong FramesMissed => _framesMissed;

    /// <summary>Frames delivered but released unread because a newer one was there (<see cref="DeliveryPolicy.LatestOnly"/>).</summary>
    public ulong FramesSkipped => _framesSkipped;

    /// <summary>Frames missed just before the frame last read (0: it followed its predecessor).</summary>
    public ulong LastGap { get; private set; }

    /// <summary>
    /// How this subscriber waits for frames (default <see cref="WaitStrategy.Default"/>, spin then
    /// block): <see cref="WaitStrategy.BusySpin"/> for the lowest latency at the cost of a core.
    /// May be changed between reads.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public WaitStrategy WaitStrategy
    {
        get => _reader.WaitStrategy;
        set => _reader.WaitStrategy = value;
    }

    /// <summary>
    /// Maps every page of the subscriber's buffer into this process now, so the first pass over a
    /// large ring takes no page faults (see <see cref="Reader.Prefault"/>).
    /// </summary>
    /// <exception cref="SystemCallException">The kernel refused (e.g. ENOMEM).</exception>
    public void Prefault() => _reader.Prefault();

    /// <summary>Whether a publisher is connected to this subscriber's buffer and alive.</summary>
    public bool IsPublisherConnected() => _reader.IsWriterConnected();

    /// <summary>The topic's metadata, written by the publisher before the first frame it delivers here; empty when it has none.</summary>
    public ReadOnlySpan<byte> GetMetadata() => _reader.GetMetadata();

    /// <summary>
    /// Waits for the next frame (for <see cref="DeliveryPolicy.LatestOnly"/>: the newest one, the
    /// older ones waiting being released unread); <see cref="Frame.Invalid"/> when none arrives
    /// within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="WriterDeadException">The publisher crashed (every frame it committed was read).</exception>
    /// <exception cref="WriterClosedException">The publisher ended the topic (every frame it committed was read).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Frame ReadFrame(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        _ = TryReadFrame(timeout, out Frame frame, cancellationToken);
        return frame;
    }

    /// <summary>As <see cref="ReadFrame"/>; false when no frame arrived within <paramref name="timeout"/>.</summary>
    /// <inheritdoc cref="ReadFrame" path="/exception"/>
    public bool TryReadFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken = default)
    {
        if (!_reader.TryReadFrame(timeout, out frame, cancellationToken))
        {
            return false;
        }

        frame = Accept(frame);
        return true;
    }

    /// <summary>Waits for the next frame without blocking a thread (see <see cref="Reader.ReadFrameAsync(TimeSpan, CancellationToken)"/>).</summary>
    /// <inheritdoc cref="ReadFrame" path="/exception"/>
    public async ValueTask<Frame> ReadFrameAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Frame frame = await _reader.ReadFrameAsync(timeout, cancellationToken).ConfigureAwait(false);
        return frame.IsValid ? Accept(frame) : frame;
    }

    /// <summary>Deletes the subscriber's buffer: the publisher sees it leave at its next frame.</summary>
    public void Dispose() => _reader.Dispose();

    /// <summary>Counts the frame's gap; for <see cref="DeliveryPolicy.LatestOnly"/>, moves on to the newest frame committed.</summary>
    private Frame Accept(Frame frame)
    {
        ulong gap = NoteSequence(frame.Sequence);
        if (Policy == DeliveryPolicy.LatestOnly)
        {
            while (TryTakeNewer(out Frame newer))
            {
                frame.Dispose(); // released unread: FIFO release gives its space back with the older frames
                _framesSkipped++;
                _reader.NoteFrameSkipped();
                frame = newer;
                gap = NoteSequence(frame.Sequence);
            }
        }

        LastGap = gap;
        _framesRead++;
        return frame;
    }

    /// <summary>A frame already committed, without waiting. The publisher's end, if it comes now, is reported by the next read instead.</summary>
    private bool TryTakeNewer(out Frame newer)
    {
        try
        {
            return _reader.TryReadFrame(TimeSpan.Zero, out newer);
        }
        catch (ZeroBufferException error) when (error is WriterDeadException or WriterClosedException)
        {
            newer = Frame.Invalid;
            return false;
        }
    }

    /// <summary>Counts the frames missed before <paramref name="sequence"/>; a number below the expected one is a new publisher, which starts at 1.</summary>
    private ulong NoteSequence(ulong sequence)
    {
        ulong expected = sequence < _expectedSequence ? 1 : _expectedSequence;
        ulong gap = sequence - expected;
        _framesMissed += gap;
        _expectedSequence = sequence + 1;
        return gap;
    }
}
