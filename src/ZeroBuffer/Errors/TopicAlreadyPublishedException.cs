namespace ZeroBuffer;

/// <summary>A live publisher already holds the topic; a topic has one publisher at a time (a crashed one is replaced at once).</summary>
public sealed class TopicAlreadyPublishedException : ZeroBufferException
{
    /// <summary>Creates the error for topic <paramref name="topic"/>.</summary>
    public TopicAlreadyPublishedException(string topic, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.TopicAlreadyPublished, topic, message, innerException)
    {
    }
}
