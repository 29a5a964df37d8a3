using Microsoft.Win32.SafeHandles;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Inspection;

/// <summary>
/// Measures, from outside and read-only, what the writer of a buffer commits: frames (wrap
/// markers excluded) and their payload bytes, as totals since the meter started.
/// </summary>
/// <remarks>
/// The control block has no byte counter: <c>payload_written_count</c> counts frames and wrap
/// markers, and <c>payload_write_pos</c> is an offset in the ring, which says nothing of how many
/// times the writer went round it. Comparing positions once per interval therefore aliases: at
/// 93 MB/s into a 32 MiB ring, 2.8 rings pass per second, and the difference of two positions is
/// anything from 0 to 32 MiB. So the meter looks often (every millisecond while frames flow) and,
/// from the position it last saw, walks the frame headers of the entries committed since: their
/// lengths give the payload bytes and tell frames from wrap markers, and their sequence numbers
/// and the walk ending exactly at the new write position prove that nothing was overwritten in
/// between. When the walk cannot prove that (the writer lapped the ring between two looks, or
/// too many entries passed to walk), that stretch is estimated from the entry count and the
/// sizes measured so far (<see cref="Exact"/> turns false).
/// </remarks>
internal sealed class RingMeter : IDisposable
{
    /// <summary>The most entries walked in one look; more are estimated (their headers would cost more than they tell).</summary>
    private const ulong WalkLimit = 4096;

    private static readonly TimeSpan BusyPoll = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(16);

    private readonly string _path;
    private SafeFileHandle _file;
    private RingHeaders _headers;
    private ControlBlock _layout;

    // The last position and count known to belong together (an entry boundary), and the last frame's sequence.
    private ulong _count;
    private ulong _position;
    private ulong? _lastSequence;

    // What exact walks measured, to estimate the stretches they could not.
    private double _walkedEntries;
    private double _walkedFrames;
    private double _walkedPayload;
    private double _walkedRingBytes;

    private double _frames;
    private double _bytes;

    private RingMeter(string path, SafeFileHandle file, ControlBlock block)
    {
        _path = path;
        _file = file;
        _layout = block;
        _headers = Headers(file, block);
        Anchor(block);
    }

    /// <summary>Frames the writer committed since the meter started (wrap markers excluded).</summary>
    internal long Frames => (long)Math.Round(_frames);

    /// <summary>Payload bytes of those frames (headers and skipped tails excluded).</summary>
    internal long Bytes => (long)Math.Round(_bytes);

    /// <summary>Whether everything since <see cref="BeginInterval"/> was measured frame by frame, nothing estimated.</summary>
    internal bool Exact { get; private set; } = true;

    /// <summary>How long to wait before the next <see cref="Poll"/>: short while frames flow, longer while idle.</summary>
    internal TimeSpan PollDelay { get; private set; } = BusyPoll;

    /// <summary>The last control block read.</summary>
    internal ControlBlock Block { get; private set; }

    /// <summary>Starts metering the buffer whose segment file is <paramref name="path"/>, from its state now.</summary>
    internal static RingMeter Open(string path)
    {
        SafeFileHandle file = OpenFile(path);
        return new RingMeter(path, file, ReadBlock(file));
    }

    /// <summary>Starts a new interval for <see cref="Exact"/>.</summary>
    internal void BeginInterval() => Exact = true;

    /// <summary>
    /// Opens the segment file afresh (once per interval): a reader that recreated the buffer made
    /// a new segment, and the old file would only ever show the old counts. A new buffer (other
    /// sizes, or counts that went back) starts from its state now. False when the file is gone.
    /// </summary>
    internal bool Reopen()
    {
        SafeFileHandle file;
        try
        {
            file = OpenFile(_path);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        ControlBlock block = ReadBlock(file);
        _file.Dispose();
        _file = file;
        _headers = Headers(file, block);
        if (block.PayloadSize != _layout.PayloadSize || block.MetadataSize != _layout.MetadataSize || block.WrittenCount < _count)
        {
            _layout = block;
            Anchor(block);
        }

        return true;
    }

    /// <summary>One look at the control block; accounts for the entries committed since the last.</summary>
    internal void Poll()
    {
        ControlBlock block = ReadBlock(_file);
        Block = block;
        if (block.WrittenCount < _count || block.PayloadSize != _layout.PayloadSize || block.PayloadSize == 0)
        {
            Anchor(block); // not the buffer of the last look (or one still being created)
            return;
        }

        ulong entries = block.WrittenCount - _count;
        PollDelay = entries == 0 ? TimeSpan.FromTicks(Math.Min(PollDelay.Ticks * 2, IdlePoll.Ticks)) : BusyPoll;
        if (entries == 0)
        {
            return;
        }

        ulong ring = _layout.PayloadSize;
        ulong position = block.WritePosition % ring;
        _headers.Invalidate(); // the ring changed since the last look
        if (entries <= WalkLimit && TryWalk(entries, position, out Walk walk))
        {
            _walkedEntries += entries;
            _walkedFrames += walk.Frames;
            _walkedPayload += walk.Payload;
            _walkedRingBytes += walk.RingBytes;
            _frames += walk.Frames;
            _bytes += walk.Payload;
        }
        else
        {
            Estimate(entries, position, ring);
        }

        _count = block.WrittenCount;
        _position = position;
    }

    /// <summary>
    /// Walks <paramref name="entries"/> headers from the last position: true when every header is
    /// possible, frame sequences run on, and the walk ends exactly at <paramref name="end"/>.
    /// </summary>
    private bool TryWalk(ulong entries, ulong end, out Walk walk)
    {
        walk = default;
        ulong ring = _layout.PayloadSize;
        ulong position = _position;
        ulong? last = _lastSequence;
        for (ulong i = 0; i < entries; i++)
        {
            if (ring - position < ZeroBufferLayout.FrameHeaderSize)
            {
                walk.RingBytes += ring - position; // a tail no header fits in: the writer went on at 0
                position = 0;
            }

            if (!_headers.TryRead((long)position, out ulong length, out ulong sequence))
            {
                return false;
            }

            if (length == ZeroBufferLayout.WrapMarkerLength)
            {
                walk.RingBytes += ring - position; // a wrap marker: the rest of the ring is skipped
                position = 0;
                continue;
            }

            bool fits = length <= ring - position - ZeroBufferLayout.FrameHeaderSize;
            bool inSequence = last is not ulong previous || sequence == previous + 1 || sequence == ZeroBufferLayout.FirstSequence;
            if (!fits || !inSequence)
            {
                return false;
            }

            last = sequence;
            walk.Frames++;
            walk.Payload += length;
            walk.RingBytes += ZeroBufferLayout.FrameHeaderSize + length;
            position = (position + ZeroBufferLayout.FrameHeaderSize + length) % ring;
        }

        if (position != end)
        {
            return false;
        }

        _lastSequence = last;
        return true;
    }

    /// <summary>
    /// Accounts for entries that could not be walked: the ring bytes the position advanced, plus
    /// the whole rings the writer most likely went round meanwhile (from the bytes per entry
    /// measured so far), split into frames and payload as measured so far.
    /// </summary>
    private void Estimate(ulong entries, ulong position, ulong ring)
    {
        Exact = false;
        _lastSequence = null;
        double advanced = (position + ring - _position) % ring;
        if (_walkedEntries > 0)
        {
            double expected = entries * (_walkedRingBytes / _walkedEntries);
            advanced += ring * Math.Max(0, Math.Round((expected - advanced) / ring));
        }

        double framesPerEntry = _walkedEntries > 0 ? _walkedFrames / _walkedEntries : 1;
        double payloadPerRingByte = _walkedRingBytes > 0 ? _walkedPayload / _walkedRingBytes
            : Math.Max(0, advanced - entries * (double)ZeroBufferLayout.FrameHeaderSize) / Math.Max(1, advanced);
        _frames += entries * framesPerEntry;
        _bytes += advanced * payloadPerRingByte;
    }

    private void Anchor(ControlBlock block)
    {
        Block = block;
        _count = block.WrittenCount;
        _position = block.PayloadSize == 0 ? 0 : block.WritePosition % block.PayloadSize;
        _lastSequence = null;
    }

    private static RingHeaders Headers(SafeFileHandle file, ControlBlock block) =>
        new(file, ZeroBufferLayout.MetadataBlockOffset + (long)block.MetadataSize, (long)block.PayloadSize);

    private static SafeFileHandle OpenFile(string path) => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    private static ControlBlock ReadBlock(SafeFileHandle file)
    {
        Span<byte> oieb = stackalloc byte[ZeroBufferLayout.OiebSize];
        int read = RandomAccess.Read(file, oieb, 0);
        return ControlBlock.Parse(oieb[..read], RandomAccess.GetLength(file));
    }

    public void Dispose() => _file.Dispose();

    /// <summary>What one walk found.</summary>
    private struct Walk
    {
        internal ulong Frames;
        internal ulong Payload;
        internal ulong RingBytes;
    }
}
