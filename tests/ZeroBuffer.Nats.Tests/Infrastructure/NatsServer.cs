using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// A real <c>nats-server</c> process on a loopback port, with its configuration and (with
/// JetStream) its store in a directory of its own under the temp directory. It is ready when a
/// client can connect (and, with JetStream, when the JetStream API answers), not after a sleep.
/// <see cref="KillAsync"/> is SIGKILL; <see cref="RestartAsync"/> starts it again on the same
/// port with the same store. Disposing kills it and removes the directory.
/// </summary>
internal sealed partial class NatsServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly bool _jetStream;
    private readonly int? _maxPayload;
    private readonly string _name;
    private readonly string? _extraConfiguration;
    private readonly List<string> _log = [];
    private Process? _process;
    private TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NatsServer(string name, bool jetStream, int? maxPayload, int port, int clusterPort, IReadOnlyList<int> routes, string? extraConfiguration = null)
    {
        _name = name;
        _extraConfiguration = extraConfiguration;
        _jetStream = jetStream;
        _maxPayload = maxPayload;
        Port = port;
        ClusterPort = clusterPort;
        Routes = routes;
        _directory = Directory.CreateTempSubdirectory("zbn-nats-").FullName;
    }

    /// <summary>The client port (0 until the first start chose one).</summary>
    internal int Port { get; private set; }

    /// <summary>The cluster port, for a member of a cluster (0 otherwise).</summary>
    internal int ClusterPort { get; }

    internal IReadOnlyList<int> Routes { get; }

    internal string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The URL that requires TLS (a server configured with a tls block).</summary>
    internal string TlsUrl => $"tls://127.0.0.1:{Port}";

    internal string Name => _name;

    /// <summary>Where nats-server is: on PATH, or Debian's /usr/sbin (test.sh installs it with apt-get).</summary>
    internal static string Executable { get; } = Locate();

    /// <summary>Starts a single server on a free port.</summary>
    internal static async Task<NatsServer> StartAsync(bool jetStream = false, int? maxPayload = null)
    {
        var server = new NatsServer("zbn-" + Guid.NewGuid().ToString("N")[..8], jetStream, maxPayload, port: 0, clusterPort: 0, routes: []);
        await server.LaunchAsync();
        return server;
    }

    /// <summary>
    /// A server not started yet, on a free port chosen now (its <see cref="Url"/> is known before it
    /// listens: clients may start first); <see cref="RestartAsync"/> starts it. With
    /// <paramref name="extraConfiguration"/> appended to its configuration (an authorization or tls
    /// block); its readiness probe then connects with <paramref name="probeOptions"/> (to
    /// <see cref="TlsUrl"/> when they name a CA).
    /// </summary>
    internal static NatsServer Planned(bool jetStream = false, string? extraConfiguration = null, NatsOpts? probeOptions = null) =>
        new("zbn-" + Guid.NewGuid().ToString("N")[..8], jetStream, maxPayload: null, FreePorts(1)[0], clusterPort: 0, routes: [], extraConfiguration)
        {
            ProbeOptions = probeOptions,
        };

    /// <summary>Starts a single server with <paramref name="extraConfiguration"/> (see <see cref="Planned"/>).</summary>
    internal static async Task<NatsServer> StartAsync(string extraConfiguration, NatsOpts probeOptions, bool jetStream = false)
    {
        NatsServer server = Planned(jetStream, extraConfiguration, probeOptions);
        await server.RestartAsync();
        return server;
    }

    /// <summary>How the readiness probe connects (credentials, TLS), when the server asks for more than a plain client.</summary>
    private NatsOpts? ProbeOptions { get; init; }

    /// <summary>Starts a cluster of <paramref name="size"/> servers, routes between all, JetStream on each.</summary>
    internal static async Task<NatsServer[]> StartClusterAsync(int size)
    {
        int[] clientPorts = FreePorts(size);
        int[] clusterPorts = FreePorts(size);
        var servers = new NatsServer[size];
        for (int i = 0; i < size; i++)
        {
            servers[i] = new NatsServer($"zbn-node{i}", jetStream: true, maxPayload: null, clientPorts[i], clusterPorts[i], [.. clusterPorts.Where((_, j) => j != i)]);
        }

        await Task.WhenAll(servers.Select(s => s.LaunchAsync(waitForJetStream: false)));
        await Task.WhenAll(servers.Select(s => s.WaitForJetStreamAsync()));

        // Ready for replicated streams when one can be created: the cluster has its meta leader and its peers.
        await using NatsConnection probe = servers[0].Connect(servers[1..]);
        var js = new NatsJSContext(probe);
        _ = await Eventually.SucceedsAsync(async () =>
        {
            await js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig("ZBN_PROBE", ["zbn.probe"]) { NumReplicas = size });
            return await js.DeleteStreamAsync("ZBN_PROBE");
        }, "a replicated stream created in the cluster");
        return servers;
    }

    /// <summary>A client connection to this server (reconnecting quickly, as the tests restart servers).</summary>
    internal NatsConnection Connect(params NatsServer[] others) => new(Options(others));

    internal NatsOpts Options(params NatsServer[] others) => new()
    {
        Url = string.Join(',', new[] { this }.Concat(others).Select(s => s.Url)),
        NoRandomize = true, // this server first: the others are for failover
        Name = "zbn-test",
        ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
        ReconnectJitter = TimeSpan.FromMilliseconds(10),
        MaxReconnectRetry = -1,
        CommandTimeout = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>SIGKILL: no shutdown runs in the server, as in a crash.</summary>
    internal async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the server again: the same port, the same store.</summary>
    internal Task RestartAsync() => LaunchAsync();

    internal string Log()
    {
        lock (_log)
        {
            return string.Join('\n', _log);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task LaunchAsync(bool waitForJetStream = true)
    {
        string config = Path.Combine(_directory, "server.conf");
        await File.WriteAllTextAsync(config, Configuration());
        _listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => OnLog(e.Data);
        process.ErrorDataReceived += (_, e) => OnLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose();
        _process = process;

        using var safety = Eventually.Safety();
        Task exited = process.WaitForExitAsync(safety.Token);
        Task first = await Task.WhenAny(_listening.Task, exited);
        if (first != _listening.Task)
        {
            throw new InvalidOperationException($"nats-server exited before listening (exit code {(process.HasExited ? process.ExitCode : -1)}):\n{Log()}");
        }

        Port = await _listening.Task;

        // Ready when a client connects, and with JetStream when its API answers.
        await using NatsConnection probe = new((ProbeOptions ?? new NatsOpts()) with { Url = ProbeOptions?.TlsOpts.CaFile is null ? Url : TlsUrl, Name = "zbn-probe" });
        await Eventually.SucceedsAsync(async () => { await probe.ConnectAsync(); return await probe.PingAsync(); }, $"a client connected to {Url}");
        if (_jetStream && waitForJetStream)
        {
            await WaitForJetStreamAsync();
        }
    }

    private async Task WaitForJetStreamAsync()
    {
        await using NatsConnection probe = new(new NatsOpts { Url = Url, Name = "zbn-probe" });
        var js = new NatsJSContext(probe);
        _ = await Eventually.SucceedsAsync(async () => await js.GetAccountInfoAsync(), $"JetStream answering at {Url}");
    }

    private string Configuration()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"server_name: {_name}");
        text.AppendLine("host: 127.0.0.1");
        text.AppendLine(CultureInfo.InvariantCulture, $"port: {(Port == 0 ? -1 : Port)}");
        if (_maxPayload is int maxPayload)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"max_payload: {maxPayload}");
        }

        if (_jetStream)
        {
            string store = Path.Combine(_directory, "jetstream").Replace("\\", "/", StringComparison.Ordinal);
            text.AppendLine(CultureInfo.InvariantCulture, $"jetstream {{ store_dir: \"{store}\" }}");
        }

        if (_extraConfiguration is not null)
        {
            text.AppendLine(_extraConfiguration);
        }

        if (ClusterPort != 0)
        {
            text.AppendLine("cluster {");
            text.AppendLine("  name: zbn-cluster");
            text.AppendLine(CultureInfo.InvariantCulture, $"  listen: 127.0.0.1:{ClusterPort}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  routes: [{string.Join(", ", Routes.Select(p => $"nats-route://127.0.0.1:{p}"))}]");
            text.AppendLine("}");
        }

        return text.ToString();
    }

    private void OnLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }

        Match match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = new List<System.Net.Sockets.TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    private static string Locate()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            string candidate = Path.Combine(directory, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("nats-server is not installed: as root, apt-get install nats-server (./test.sh does it).");
    }

    [GeneratedRegex(@"Listening for client connections on [^\s]*:(\d+)")]
    private static partial Regex ListeningLine();
}
