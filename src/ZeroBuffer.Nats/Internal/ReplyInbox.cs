namespace ZeroBuffer.Nats.Internal;

/// <summary>The subject prefix a duplex bridge takes replies or pieces on: one wildcard subscription, one subject per request.</summary>
internal static class ReplyInbox
{
    /// <summary>
    /// <c>INBOXPREFIX.ID</c> (<c>_INBOX.</c> and 32 hex digits unless the connection's options say
    /// otherwise, so permissions written for inboxes apply). Not the connection's own
    /// <c>NewInbox()</c>: NATS.Net routes every subject under its connection inbox through its
    /// request-reply subscription, which matches one token below it, not the two a
    /// <c>PREFIX.*</c> subscription of ours would add.
    /// </summary>
    internal static string NewPrefix(NATS.Client.Core.INatsConnection connection) =>
        $"{connection.Opts.InboxPrefix}.{Guid.NewGuid():N}";
}
