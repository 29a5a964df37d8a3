namespace ZeroBuffer.Topics;

/// <summary>One subscriber as its publisher sees it.</summary>
/// <param name="BufferName">The subscriber's buffer.</param>
/// <param name="Id">The subscriber's id.</param>
/// <param name="Policy">Its delivery policy.</param>
/// <param name="FramesDelivered">Frames committed to its ring.</param>
/// <param name="FramesDropped">Frames it missed because its ring was full (or too small for them), each a gap in its numbers.</param>
public sealed record SubscriberStatus(string BufferName, string Id, DeliveryPolicy Policy, ulong FramesDelivered, ulong FramesDropped);
