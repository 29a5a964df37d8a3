namespace ZeroBuffer.Extensions.Hosting.Health;

/// <summary>One look at a running reader or writer and its peer, for <see cref="EndpointHealth.Evaluate"/>.</summary>
/// <param name="Role">"Reader" or "Writer".</param>
/// <param name="PeerRole">"writer" or "reader".</param>
/// <param name="Name">The registration name.</param>
/// <param name="BufferName">The buffer name.</param>
/// <param name="Peer">The peer's presence.</param>
/// <param name="Status">The control block, when the endpoint has the buffer mapped.</param>
/// <param name="PeerPid">The peer's PID from the control block (0: none).</param>
/// <param name="Frames">Frames handled (reader) or written on the current connection (writer).</param>
/// <param name="Threshold">Utilisation from which the endpoint is Degraded.</param>
internal readonly record struct PeerView(
    string Role, string PeerRole, string Name, string BufferName, PeerPresence Peer, BufferStatus? Status, ulong PeerPid, long Frames, double Threshold);
