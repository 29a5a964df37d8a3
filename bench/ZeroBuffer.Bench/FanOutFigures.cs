using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>One subscriber of a fan-out row, over the measured window.</summary>
/// <param name="Id">The subscriber's id.</param>
/// <param name="Delivered">Frames the publisher committed to its ring (the publisher's count).</param>
/// <param name="Dropped">Frames the publisher skipped for it, its ring being full (the publisher's count).</param>
/// <param name="Read">Data frames the subscriber read (its own count; equals <paramref name="Delivered"/> when nothing was lost).</param>
internal sealed record SubscriberFigures(string Id, long Delivered, long Dropped, long Read);

/// <summary>
/// The figures only a fan-out row has (<see cref="FanOutPeers"/>): how many subscribers, their
/// policy, what one publish took (mean over the window; percentiles of the sampled publishes), and
/// each subscriber's deliveries.
/// </summary>
internal sealed record FanOutFigures(
    int Subscribers, string Policy, double MeanMicroseconds, LatencyFigures Publish, long Samples, IReadOnlyList<SubscriberFigures> Each)
{
    /// <summary>Frames delivered to all subscribers ÷ (frames × subscribers): 1 when no subscriber missed a frame.</summary>
    internal double DeliveredShare(long frames) =>
        frames > 0 && Subscribers > 0 ? Each.Sum(s => s.Delivered) / ((double)frames * Subscribers) : double.NaN;

    /// <summary>
    /// Writes <c>subscribers</c>, <c>policy</c>, <c>publishSamples</c>, <c>publishMicroseconds</c> {mean, p50 … max}
    /// and <c>perSubscriber</c> (with the bytes delivered, frames of <paramref name="frameSize"/>).
    /// </summary>
    internal void WriteJson(Utf8JsonWriter w, long frameSize)
    {
        w.WriteNumber("subscribers"u8, Subscribers);
        w.WriteString("policy"u8, Policy);
        w.WriteNumber("publishSamples"u8, Samples);
        w.WriteStartObject("publishMicroseconds"u8);
        if (double.IsFinite(MeanMicroseconds))
        {
            w.WriteNumber("mean"u8, Math.Round(MeanMicroseconds, 4));
        }

        for (int i = 0; i < LatencyFigures.Names.Length; i++)
        {
            w.WriteNumber(LatencyFigures.Names[i], Publish[i]);
        }

        w.WriteEndObject();
        w.WriteStartArray("perSubscriber"u8);
        foreach (SubscriberFigures s in Each)
        {
            w.WriteStartObject();
            w.WriteString("id"u8, s.Id);
            w.WriteNumber("delivered"u8, s.Delivered);
            w.WriteNumber("dropped"u8, s.Dropped);
            w.WriteNumber("read"u8, s.Read);
            w.WriteNumber("bytes"u8, s.Delivered * frameSize);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
