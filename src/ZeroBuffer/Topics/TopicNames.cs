using System.Security.Cryptography;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Topics;

/// <summary>
/// How topics appear as ordinary buffers (docs/topics.md): subscriber <c>S</c> of topic <c>T</c>
/// with policy <c>P</c> owns the buffer <c>T.sub-P-S</c> (<c>P</c> is <c>block</c>,
/// <c>drop-newest</c> or <c>latest-only</c>, <c>S</c> is 1-32 ASCII letters and digits), so any
/// protocol-1.0 reader subscribes by creating a buffer of such a name; the live publisher holds
/// the lock file <c>/dev/shm/zerobuffer-topic@T</c>. The only place these formats are spelled out.
/// </summary>
public static class TopicNames
{
    /// <summary>What separates the topic from the rest of a subscriber's buffer name.</summary>
    public const string SubscriberInfix = ".sub-";

    /// <summary>Longest subscriber id.</summary>
    public const int MaxSubscriberIdLength = 32;

    /// <summary>Longest topic name: a subscriber's buffer name, with the longest policy and id, is still a valid buffer name.</summary>
    public const int MaxTopicLength = ResourceNames.MaxNameLength - 5 - 11 - 1 - MaxSubscriberIdLength; // ".sub-" "latest-only" "-" id

    /// <summary>The file prefix of the publisher's lock in /dev/shm.</summary>
    public const string PublisherLockPrefix = "zerobuffer-topic@";

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule when <paramref name="topic"/> is not a valid topic name.</summary>
    public static void ValidateTopic(string topic, string parameterName = "topic")
    {
        ArgumentNullException.ThrowIfNull(topic, parameterName);
        if (!ResourceNames.IsValid(topic) || topic.Length > MaxTopicLength)
        {
            throw new ArgumentException(
                $"Invalid topic name '{topic}': a topic must be 1-{MaxTopicLength} characters from [A-Za-z0-9._-], not \".\" or \"..\".", parameterName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="id"/> is not 1-32 ASCII letters and digits.</summary>
    public static void ValidateSubscriberId(string id, string parameterName = "id")
    {
        ArgumentNullException.ThrowIfNull(id, parameterName);
        if (!IsSubscriberId(id))
        {
            throw new ArgumentException($"Invalid subscriber id '{id}': an id must be 1-{MaxSubscriberIdLength} ASCII letters and digits.", parameterName);
        }
    }

    /// <summary>The policy as it appears in names and on the command line: <c>block</c>, <c>drop-newest</c>, <c>latest-only</c>.</summary>
    public static string PolicyName(DeliveryPolicy policy) => policy switch
    {
        DeliveryPolicy.Block => "block",
        DeliveryPolicy.DropNewest => "drop-newest",
        DeliveryPolicy.LatestOnly => "latest-only",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown delivery policy."),
    };

    /// <summary>Parses <c>block</c>, <c>drop-newest</c> or <c>latest-only</c> (case-insensitive).</summary>
    public static bool TryParsePolicy(string? text, out DeliveryPolicy policy)
    {
        foreach (DeliveryPolicy candidate in Enum.GetValues<DeliveryPolicy>())
        {
            if (string.Equals(text, PolicyName(candidate), StringComparison.OrdinalIgnoreCase))
            {
                policy = candidate;
                return true;
            }
        }

        policy = default;
        return false;
    }

    /// <summary>The buffer subscriber <paramref name="id"/> of <paramref name="topic"/> owns.</summary>
    public static string SubscriberBuffer(string topic, DeliveryPolicy policy, string id)
    {
        ValidateTopic(topic);
        ValidateSubscriberId(id);
        return topic + SubscriberInfix + PolicyName(policy) + "-" + id;
    }

    /// <summary>
    /// Whether <paramref name="bufferName"/> is a subscriber buffer of <paramref name="topic"/>
    /// (exactly: a subscriber of topic <c>T.sub-x</c> is never taken for one of <c>T</c>, since an id has no dot).
    /// </summary>
    public static bool TryParseSubscriber(string topic, string bufferName, out DeliveryPolicy policy, out string id)
    {
        policy = default;
        id = "";
        string prefix = topic + SubscriberInfix;
        if (!bufferName.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string rest = bufferName[prefix.Length..];
        foreach (DeliveryPolicy candidate in Enum.GetValues<DeliveryPolicy>())
        {
            string policyPart = PolicyName(candidate) + "-";
            if (rest.StartsWith(policyPart, StringComparison.Ordinal) && IsSubscriberId(rest[policyPart.Length..]))
            {
                policy = candidate;
                id = rest[policyPart.Length..];
                return true;
            }
        }

        return false;
    }

    /// <summary>The publisher's lock file: <c>/dev/shm/zerobuffer-topic@T</c>.</summary>
    public static string PublisherLockFile(string topic) => Path.Combine(ResourceNames.ShmDirectory, PublisherLockPrefix + topic);

    /// <summary>A fresh subscriber id: unique across processes and containers (random, not a PID, which containers reuse).</summary>
    internal static string NewSubscriberId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private static bool IsSubscriberId(string id) =>
        id.Length is > 0 and <= MaxSubscriberIdLength && id.All(char.IsAsciiLetterOrDigit);
}
