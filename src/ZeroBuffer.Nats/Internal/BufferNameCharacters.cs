using System.Buffers;

namespace ZeroBuffer.Nats.Internal;

/// <summary>The characters of a buffer name (docs/protocol.md §1), checked before the importer's first connect.</summary>
internal static class BufferNameCharacters
{
    internal static readonly SearchValues<char> Allowed = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
}
