using System.Diagnostics;
using System.Text;
using System.Text.Unicode;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// Takes the frames of a reader or a subscriber and reports them, for <c>read</c> and
/// <c>subscribe</c>: the metadata once, then every frame (hashed, held, passed to the sink), until
/// a count, an EXIT frame, a timeout, the writer's end (clean: the <c>end</c> event; a crash:
/// WriterDead), or a stop. With --keep-going the writer's end is reported and a new writer awaited.
/// </summary>
internal sealed class FrameReceiver(IFrameInput input, ReceiveSettings settings, FrameSink sink, Output output, Interruption stop)
{
    /// <summary>How often metadata is looked for while no frame arrives.</summary>
    private static readonly TimeSpan MetadataPoll = TimeSpan.FromMilliseconds(100);

    private bool _metadataShown;
    private long _frames;
    private long _bytes;

    /// <summary><c>read --pause-at holding-frame</c>: the frame (1-based) held until killed; 0 for none.</summary>
    internal long PauseHoldingFrame { get; init; }

    /// <summary>Receives until the end; returns the exit code.</summary>
    internal int Receive()
    {
        long lastFrame = Stopwatch.GetTimestamp();
        bool writerGoneReported = false;
        while (settings.Count == 0 || _frames < settings.Count)
        {
            TryReportMetadata();
            TimeSpan wait = _metadataShown ? Timeout.InfiniteTimeSpan : MetadataPoll;
            if (settings.Timeout is TimeSpan limit)
            {
                TimeSpan left = limit - Stopwatch.GetElapsedTime(lastFrame);
                left = left < TimeSpan.Zero ? TimeSpan.Zero : left;
                wait = wait == Timeout.InfiniteTimeSpan || left < wait ? left : wait;
            }

            Frame frame;
            try
            {
                if (!input.TryReadFrame(wait, out frame, stop.Token))
                {
                    frame = Frame.Invalid;
                }
            }
            catch (Exception ex) when ((ex is WriterDeadException or WriterClosedException) && settings.KeepGoing)
            {
                if (!writerGoneReported)
                {
                    writerGoneReported = true;
                    output.Emit(new WriterGoneEvent(Closed: ex is WriterClosedException));
                }

                continue;
            }
            catch (OperationCanceledException) when (settings.Count == 0)
            {
                break; // a stop ends a read without --count: its done event, then the exit code of the signal
            }
            catch (WriterClosedException)
            {
                // The end of the stream, not an error: everything the writer committed was read.
                output.Emit(new StreamEndEvent(_frames, _bytes, input.Missed, input.Skipped));
                return ExitCodes.Success;
            }

            if (!frame.IsValid)
            {
                if (settings.Timeout is TimeSpan expired && Stopwatch.GetElapsedTime(lastFrame) >= expired)
                {
                    output.Emit(new ReadTimeoutEvent(expired));
                    return ExitCodes.Timeout;
                }

                continue;
            }

            writerGoneReported = false;
            lastFrame = Stopwatch.GetTimestamp();
            if (!Take(frame))
            {
                break;
            }
        }

        output.Emit(new FramesDoneEvent(_frames, _bytes, input.Missed, input.Skipped));
        return settings.Count == 0 ? stop.OpenEndedExit() : ExitCodes.Success;
    }

    /// <summary>Reports, passes on, and holds one frame, then releases it; false for the EXIT frame, which ends the command.</summary>
    private bool Take(Frame frame)
    {
        using (frame)
        {
            TryReportMetadata();
            ReadOnlySpan<byte> payload = frame.Span;
            if (FramePattern.IsExitFrame(payload))
            {
                output.Emit(new ExitFrameEvent(frame.Sequence, Sent: false));
                return false;
            }

            _frames++;
            _bytes += payload.Length;
            string? file = sink.Write(frame.Sequence, payload);
            if (!sink.ToStdout)
            {
                output.Emit(new FrameReadEvent(frame.Sequence, payload.Length, input.LastGap, settings.Hash ? Hashing.Sha256Hex(payload) : null, file));
            }

            if (_frames == PauseHoldingFrame)
            {
                FaultPoints.Pause(output, stop, FaultPoints.HoldingFrame, frame.Sequence);
            }

            if (settings.DelayMs > 0)
            {
                // The slow-reader scenario: the frame stays held (its space unreleased) meanwhile.
                stop.Token.WaitHandle.WaitOne(settings.DelayMs);
            }
        }

        return true;
    }

    /// <summary>Reports (and saves) the metadata once the writer wrote it.</summary>
    private void TryReportMetadata()
    {
        if (_metadataShown)
        {
            return;
        }

        ReadOnlySpan<byte> metadata = input.GetMetadata();
        if (metadata.IsEmpty)
        {
            return;
        }

        _metadataShown = true;
        sink.WriteMetadata(metadata);
        if (!sink.ToStdout)
        {
            output.Emit(new MetadataReceivedEvent(metadata.Length, Hashing.Sha256Hex(metadata), Utf8.IsValid(metadata) ? Encoding.UTF8.GetString(metadata) : null));
        }
    }
}
