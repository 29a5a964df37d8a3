namespace ZeroBuffer.Tests.Features;

/// <summary>Payload patterns the scenarios write and check.</summary>
internal static class ScenarioData
{
    /// <summary>An incrementing pattern: byte i is <c>(seed + i) mod 256</c>.</summary>
    internal static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        Fill(bytes, seed);
        return bytes;
    }

    /// <summary>Fills <paramref name="target"/> with <see cref="Pattern"/>.</summary>
    internal static void Fill(Span<byte> target, int seed)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = (byte)(seed + i);
        }
    }

    /// <summary>The index of the first byte that breaks the pattern, or -1.</summary>
    internal static int FirstMismatch(ReadOnlySpan<byte> actual, int seed)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] != (byte)(seed + i))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads one frame (5 s deadline) and checks its sequence and pattern; the caller disposes it.</summary>
    internal static Frame ReadPattern(Reader reader, ulong sequence, int length, int seed)
    {
        Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
        Assert.True(frame.IsValid, $"frame {sequence} did not arrive");
        Assert.Equal(sequence, frame.Sequence);
        Assert.Equal(length, frame.Size);
        Assert.Equal(-1, FirstMismatch(frame.Span, seed));
        return frame;
    }

    /// <summary>Runs a blocking peer (writer or reader loop) on its own thread, not a pool thread, so it cannot starve the pool.</summary>
    internal static Task<T> OnOwnThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <inheritdoc cref="OnOwnThread{T}(Func{T})"/>
    internal static Task OnOwnThread(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
