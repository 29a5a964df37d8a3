namespace ZeroBuffer.Diagnostics;

/// <summary>Which side of a buffer an endpoint is: the <c>zerobuffer.role</c> tag.</summary>
internal enum EndpointRole
{
    /// <summary>A <see cref="ZeroBuffer.Reader"/>.</summary>
    Reader,

    /// <summary>A <see cref="ZeroBuffer.Writer"/>.</summary>
    Writer,
}
