namespace ZeroBuffer.Internal;

/// <summary>
/// Named points in resource creation where tests make the next step fail, to prove that a
/// failure half-way leaves nothing behind (scenarios 7.4, 10.1). Scoped to the async flow that
/// armed it, so parallel tests do not see each other's faults. Costs one AsyncLocal read on
/// creation paths only.
/// </summary>
internal static class FaultInjection
{
    private static readonly AsyncLocal<string?> ArmedPoint = new();

    /// <summary>Before the "data available" semaphore is created.</summary>
    internal const string CreateDataSemaphore = "create-sem-w";

    /// <summary>Before the "space available" semaphore is created.</summary>
    internal const string CreateSpaceSemaphore = "create-sem-r";

    /// <summary>Before the segment is created.</summary>
    internal const string CreateSegment = "create-segment";

    /// <summary>After the segment is mapped, before the control block is written.</summary>
    internal const string InitializeOieb = "init-oieb";

    /// <summary>Makes <paramref name="point"/> fail in this async flow until disarmed.</summary>
    internal static IDisposable Arm(string point)
    {
        ArmedPoint.Value = point;
        return new Disarm();
    }

    /// <summary>Throws when <paramref name="point"/> is armed in this flow.</summary>
    internal static void Check(string point, string bufferName)
    {
        if (ArmedPoint.Value == point)
        {
            throw new ZeroBufferException(ZeroBufferErrorKind.SystemError, bufferName, $"Injected failure at '{point}'.");
        }
    }

    private sealed class Disarm : IDisposable
    {
        public void Dispose() => ArmedPoint.Value = null;
    }
}
