using System.Security.Cryptography;

namespace ZeroBuffer.Cli;

/// <summary>The SHA-256 the commands report with --hash: lowercase hex, no allocation besides the string.</summary>
internal static class Hashing
{
    /// <summary>Lowercase hex SHA-256 of <paramref name="data"/>.</summary>
    internal static string Sha256Hex(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, digest);
        return Convert.ToHexStringLower(digest);
    }
}
