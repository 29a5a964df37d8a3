using System.Diagnostics;
using System.Globalization;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// A "host" of its own for the bridge tests: a mount namespace with a private tmpfs on
/// <c>/dev/shm</c> and <c>/tmp</c> (unshare, as root), so its processes see only its buffers and
/// lock files, as on another machine; the network is shared, so each host reaches its own NATS
/// server on loopback. A process runs on the host through <c>nsenter</c>, which enters the
/// namespace and then becomes the program (same PID: signals reach it directly). The namespace
/// (and its tmpfs) goes away with its last process: disposing ends the one that holds it.
/// </summary>
internal sealed class SimulatedHost : IAsyncDisposable
{
    private const string Hold = "mount -t tmpfs -o mode=1777 tmpfs /dev/shm && mount -t tmpfs -o mode=1777 tmpfs /tmp && echo $$ && exec cat";

    private readonly Process _holder;

    private SimulatedHost(string name, Process holder, int pid)
    {
        Name = name;
        _holder = holder;
        Pid = pid;
    }

    /// <summary>What the test calls the host ("A", "B").</summary>
    internal string Name { get; }

    /// <summary>A process inside the namespace (the holder; <c>nsenter --target</c> joins its namespace).</summary>
    internal int Pid { get; }

    /// <summary>Creates the namespace and its two tmpfs; ready once the holder printed its PID.</summary>
    internal static async Task<SimulatedHost> StartAsync(string name)
    {
        var info = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true, // the holder lives until its stdin closes: it never outlives the test
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--mount", "--propagation", "private", "--fork", "sh", "-c", Hold })
        {
            info.ArgumentList.Add(arg);
        }

        var holder = Process.Start(info)!;
        using CancellationTokenSource deadline = Eventually.Safety();
        string? line = await holder.StandardOutput.ReadLineAsync(deadline.Token);
        if (line is null || !int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            string error = await holder.StandardError.ReadToEndAsync(deadline.Token);
            holder.Dispose();
            throw new InvalidOperationException($"Host {name}: unshare did not start its namespace (output '{line}'): {error}");
        }

        return new SimulatedHost(name, holder, pid);
    }

    /// <summary>How to start <paramref name="program"/> with <paramref name="args"/> on this host.</summary>
    internal ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("nsenter");
        foreach (string arg in new[] { "--target", Pid.ToString(CultureInfo.InvariantCulture), "--mount", "--", program }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("TMPDIR"); // the host's own /tmp holds its lock files (as every ZeroBuffer implementation finds them)
        return info;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _holder.StandardInput.Close(); // cat ends: the namespace goes once the processes started in it are gone
            using CancellationTokenSource deadline = Eventually.Safety();
            await _holder.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            _holder.Dispose();
        }
    }
}
