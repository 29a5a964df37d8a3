using CsCheck;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// The real ring (one process, reader and writer) against a plain model of protocol-v1 §3-§4,
/// over random ring sizes and random operation sequences: writes of random sizes (some exactly
/// filling the ring or its end, some forced into marker wraps or short tails, some impossible),
/// reads, and disposal of any held frame in any order. After every step the OIEB counters,
/// positions and free bytes equal the model's, and every held frame still holds its bytes.
/// A failure prints the CsCheck seed that reproduces it.
/// </summary>
public sealed class RingModelPropertyTests
{
    private enum Kind
    {
        WriteSmall,      // 16 + n <= P/2: always placeable
        WriteAny,        // up to P + 16 bytes: some too large
        WriteToEnd,      // exactly fills the space before the end of the ring
        WriteShortTail,  // would leave a 1-15 byte tail
        WriteFillFree,   // exactly the free bytes
        WriteEmpty,      // 0 bytes: rejected
        Read,
        Dispose,         // a random held frame
        DisposeAgain,    // an already disposed frame: no effect
    }

    private readonly record struct Op(Kind Kind, int Arg);

    private static readonly Gen<Op> GenOp = Gen.Select(Gen.Int[0, 99], Gen.Int[0, 1_000_000], (k, arg) => new Op(
        k switch
        {
            < 18 => Kind.WriteSmall,
            < 28 => Kind.WriteAny,
            < 36 => Kind.WriteToEnd,
            < 44 => Kind.WriteShortTail,
            < 49 => Kind.WriteFillFree,
            < 51 => Kind.WriteEmpty,
            < 78 => Kind.Read,
            < 95 => Kind.Dispose,
            _ => Kind.DisposeAgain,
        }, arg));

    [Fact]
    public void RingMatchesModel()
    {
        Gen.Select(Gen.Int[1, 32], GenOp.Array[1, 150])
            .Sample((blocks, ops) => Run(blocks * 64, ops), iter: 500, threads: 2);
    }

    private static void Run(int ringSize, Op[] ops)
    {
        string name = TestNames.Unique("model");
        using (var reader = new Reader(name, new BufferConfig(0, ringSize)))
        using (var writer = new Writer(name))
        {
            var model = new Model(ringSize);
            for (int step = 0; step < ops.Length; step++)
            {
                Op op = ops[step];
                switch (op.Kind)
                {
                    case Kind.Read:
                        model.Read(reader);
                        break;
                    case Kind.Dispose:
                        model.Dispose(op.Arg);
                        break;
                    case Kind.DisposeAgain:
                        model.DisposeAgain(op.Arg);
                        break;
                    default:
                        model.Write(writer, model.SizeFor(op));
                        break;
                }

                model.Check(reader, $"after step {step} ({op})");
            }

            // Drain: read everything, release everything; the ring is whole again.
            while (model.HasUnread)
            {
                model.Read(reader);
            }

            model.DisposeAll();
            model.Check(reader, "after draining");
            Assert.Equal((ulong)ringSize, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The ring as the spec describes it, kept by hand.</summary>
    private sealed class Model(long ringSize)
    {
        private readonly long _p = ringSize;
        private readonly Queue<Item> _unread = new();           // written, not read, in ring order
        private readonly Queue<Entry> _consumed = new();        // read (frames and tails), not yet returned, FIFO
        private readonly List<HeldFrame> _held = [];
        private readonly List<Frame> _disposed = [];
        private long _free = ringSize;
        private long _writePos;
        private long _readPos;
        private ulong _written;
        private ulong _read;
        private ulong _nextSequence = 1;

        private sealed record Item(long Bytes, bool IsFrame, bool IsMarker, ulong Sequence, byte[]? Data);

        private sealed class Entry(long bytes)
        {
            internal long Bytes { get; } = bytes;

            internal bool Released { get; set; }
        }

        private sealed record HeldFrame(Frame Frame, byte[] Data, Entry Entry);

        internal bool HasUnread => _unread.Count > 0;

        internal int SizeFor(Op op)
        {
            long toEnd = _p - _writePos;
            long size = op.Kind switch
            {
                Kind.WriteSmall => 1 + op.Arg % Math.Max(1, _p / 2 - 16),
                Kind.WriteAny => 1 + op.Arg % (_p + 16),
                Kind.WriteToEnd => toEnd - 16,
                Kind.WriteShortTail => toEnd - 16 - (1 + op.Arg % 15),
                Kind.WriteFillFree => _free - 16,
                _ => 0,
            };
            return op.Kind == Kind.WriteEmpty ? 0 : (int)Math.Max(1, size);
        }

        internal void Write(Writer writer, int size)
        {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++)
            {
                data[i] = (byte)(_nextSequence * 131 + (ulong)i * 7);
            }

            if (size == 0)
            {
                Assert.Throws<InvalidFrameSizeException>(() => writer.TryWriteFrame(data, TimeSpan.Zero));
                return;
            }

            long total = 16 + size;
            long toEnd = _p - _writePos;
            bool wrap = toEnd < total || (_writePos > 0 && toEnd - total is > 0 and < 16 && toEnd + total <= _p);
            if (total > _p || (wrap && toEnd + total > _p))
            {
                Assert.Throws<FrameTooLargeException>(() => writer.TryWriteFrame(data, TimeSpan.Zero));
                return;
            }

            long required = wrap ? toEnd + total : total;
            bool written = writer.TryWriteFrame(data, TimeSpan.Zero);
            Assert.True(written == (_free >= required), $"write of {size} B at {_writePos}: expected {(_free >= required ? "success" : "full")} with {_free} free, {required} required");
            if (!written)
            {
                return;
            }

            if (wrap)
            {
                bool marker = toEnd >= 16;
                _unread.Enqueue(new Item(toEnd, IsFrame: false, marker, 0, null));
                _written += marker ? 1UL : 0UL;
                _free -= toEnd;
                _writePos = 0;
            }

            _unread.Enqueue(new Item(total, IsFrame: true, IsMarker: false, _nextSequence, data));
            _nextSequence++;
            _written++;
            _free -= total;
            _writePos = (_writePos + total) % _p;
        }

        internal void Read(Reader reader)
        {
            bool got = reader.TryReadFrame(TimeSpan.Zero, out Frame frame);
            Assert.Equal(_unread.Count > 0, got);
            if (!got)
            {
                return;
            }

            Item item = _unread.Dequeue();
            while (!item.IsFrame)
            {
                _read += item.IsMarker ? 1UL : 0UL;
                _consumed.Enqueue(new Entry(item.Bytes) { Released = true });
                _readPos = 0;
                item = _unread.Dequeue();
            }

            Assert.Equal(item.Sequence, frame.Sequence);
            Assert.Equal(item.Data!.Length, frame.Size);
            Assert.True(frame.Span.SequenceEqual(item.Data), $"frame {item.Sequence} content");
            var entry = new Entry(item.Bytes);
            _consumed.Enqueue(entry);
            _held.Add(new HeldFrame(frame, item.Data, entry));
            _read++;
            _readPos = (_readPos + item.Bytes) % _p;
            ReturnReleased();
        }

        internal void Dispose(int arg)
        {
            if (_held.Count == 0)
            {
                return;
            }

            HeldFrame held = _held[arg % _held.Count];
            Assert.True(held.Frame.Span.SequenceEqual(held.Data), $"frame {held.Frame.Sequence} content before dispose");
            _held.Remove(held);
            held.Frame.Dispose();
            _disposed.Add(held.Frame);
            held.Entry.Released = true;
            ReturnReleased();
        }

        internal void DisposeAgain(int arg)
        {
            if (_disposed.Count > 0)
            {
                Frame frame = _disposed[arg % _disposed.Count];
                frame.Dispose();
                Assert.Throws<ObjectDisposedException>(() => frame.Span.Length);
            }
        }

        internal void DisposeAll()
        {
            while (_held.Count > 0)
            {
                Dispose(0);
            }
        }

        private void ReturnReleased()
        {
            while (_consumed.Count > 0 && _consumed.Peek().Released)
            {
                _free += _consumed.Dequeue().Bytes;
            }
        }

        internal void Check(Reader reader, string where)
        {
            BufferStatus status = reader.GetStatus();
            Assert.True((ulong)_free == status.PayloadFreeBytes, $"{where}: free bytes {status.PayloadFreeBytes}, model {_free}");
            Assert.True((ulong)_writePos == status.WritePosition, $"{where}: write_pos {status.WritePosition}, model {_writePos}");
            Assert.True((ulong)_readPos == status.ReadPosition, $"{where}: read_pos {status.ReadPosition}, model {_readPos}");
            Assert.True(_written == status.WrittenCount, $"{where}: written_count {status.WrittenCount}, model {_written}");
            Assert.True(_read == status.ReadCount, $"{where}: read_count {status.ReadCount}, model {_read}");
            Assert.True(_consumed.Count == reader.OutstandingFrames, $"{where}: outstanding {reader.OutstandingFrames}, model {_consumed.Count}");
            foreach (HeldFrame held in _held)
            {
                Assert.True(held.Frame.Span.SequenceEqual(held.Data), $"{where}: held frame {held.Frame.Sequence} was overwritten");
            }
        }
    }
}
