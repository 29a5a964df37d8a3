namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>The kinds of hosted endpoint, each with its configuration subsection.</summary>
internal enum EndpointKind
{
    Reader,
    Writer,
    DuplexServer,
}
