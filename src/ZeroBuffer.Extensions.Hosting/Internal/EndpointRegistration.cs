namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>One registered endpoint.</summary>
/// <param name="Name">The registration name: options name, keyed-service key, health-check suffix.</param>
/// <param name="Kind">Reader, writer or duplex server.</param>
/// <param name="SectionPath">Where its options are bound from, e.g. <c>ZeroBuffer:Readers:cam0</c>.</param>
internal sealed record EndpointRegistration(string Name, EndpointKind Kind, string SectionPath);
