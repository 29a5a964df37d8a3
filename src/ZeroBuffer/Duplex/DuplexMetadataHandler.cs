namespace ZeroBuffer.Duplex;

/// <summary>Receives the request buffer's metadata (what the client set with <see cref="IDuplexClient.SetMetadata"/>; empty when none).</summary>
/// <param name="metadata">The metadata bytes, valid only during the call.</param>
public delegate void DuplexMetadataHandler(ReadOnlySpan<byte> metadata);
