using ZeroBuffer.Lifecycle;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Topics;

/// <summary>
/// The topics on this machine, found from what they leave in /dev/shm: subscriber buffers named
/// <c>T.sub-POLICY-ID</c> and publisher lock files (docs/topics.md). For operators (<c>zerobuffer list</c>).
/// </summary>
public static class TopicCatalog
{
    /// <summary>Every topic with a subscriber buffer or a publisher lock file, sorted by name.</summary>
    /// <remarks>Whether a publisher is alive is asked by taking its lock for an instant, which a starting publisher tolerates.</remarks>
    public static IReadOnlyList<TopicInfo> List()
    {
        var subscribers = new SortedDictionary<string, List<TopicSubscriberInfo>>(StringComparer.Ordinal);
        foreach (BufferInfo buffer in BufferCatalog.List())
        {
            if (TryParseSubscriberBuffer(buffer.Name, out string topic, out DeliveryPolicy policy, out string id))
            {
                if (!subscribers.TryGetValue(topic, out List<TopicSubscriberInfo>? list))
                {
                    subscribers[topic] = list = [];
                }

                list.Add(new TopicSubscriberInfo(id, policy, buffer));
            }
        }

        foreach (string path in SafeLockFiles())
        {
            string topic = Path.GetFileName(path)[TopicNames.PublisherLockPrefix.Length..];
            if (ResourceNames.IsValid(topic))
            {
                subscribers.TryAdd(topic, []);
            }
        }

        return [.. subscribers.Select(entry => new TopicInfo(entry.Key, LockFile.IsHeld(TopicNames.PublisherLockFile(entry.Key)), entry.Value))];
    }

    /// <summary>
    /// Whether <paramref name="bufferName"/> is a subscriber buffer of some topic: the topic is
    /// what comes before the last <c>.sub-</c> that is followed by a policy, a dash and an id.
    /// </summary>
    public static bool TryParseSubscriberBuffer(string bufferName, out string topic, out DeliveryPolicy policy, out string id)
    {
        int at = bufferName.LastIndexOf(TopicNames.SubscriberInfix, StringComparison.Ordinal);
        topic = at > 0 ? bufferName[..at] : "";
        if (at > 0 && topic.Length <= TopicNames.MaxTopicLength && TopicNames.TryParseSubscriber(topic, bufferName, out policy, out id))
        {
            return true;
        }

        topic = "";
        policy = default;
        id = "";
        return false;
    }

    private static List<string> SafeLockFiles()
    {
        try
        {
            return [.. Directory.EnumerateFiles(ResourceNames.ShmDirectory, TopicNames.PublisherLockPrefix + "*")];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
