namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>Buffer names unique per test, so tests run in parallel and never touch a user's buffers.</summary>
internal static class TestNames
{
    /// <summary>A fresh name: <c>zbt-&lt;prefix&gt;-&lt;guid&gt;</c>.</summary>
    internal static string Unique(string prefix) => $"zbt-{prefix}-{Guid.NewGuid():N}";
}
