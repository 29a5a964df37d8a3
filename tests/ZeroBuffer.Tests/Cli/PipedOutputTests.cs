using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>
/// Every command that prints, with its output piped, on a terminal type that takes colours
/// (<c>TERM=xterm-256color</c>, <c>NO_COLOR</c> unset): not one escape byte on stdout or stderr.
/// Tables, live views and progress displays alike are plain text when the output is not a terminal.
/// </summary>
public sealed class PipedOutputTests
{
    private const char Escape = '\u001b';

    private static readonly Dictionary<string, string?> ColourTerminal = new()
    {
        ["TERM"] = "xterm-256color",
        ["NO_COLOR"] = null,
    };

    public static TheoryData<string> Commands()
    {
        var commands = new TheoryData<string>();
        CommandTree tree = InProcessCli.Tree(TestedProgram.Cli);
        foreach (CommandSpec spec in tree.All.Where(s => s != tree.Root))
        {
            commands.Add(tree.NameOf(spec));
        }

        return commands;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_HasNoEscapes(string command)
    {
        await using CliProcess help = Start([.. command.Split(' '), "--help"]);
        Assert.Equal(ExitCodes.Success, await help.WaitForExitAsync());
        AssertPlain(help);
    }

    [Fact]
    public async Task ReadWriteListInspectWatchClean_HaveNoEscapes()
    {
        string name = TestNames.Unique("cli-plain");
        await using (CliProcess reader = Start("read", name, "--count", "3", "--hash"))
        {
            await reader.WaitForLineAsync(l => l.StartsWith("Created buffer", StringComparison.Ordinal));
            foreach (string[] args in new[] { new[] { "list" }, ["inspect", name], ["watch", name, "--count", "2", "--interval-ms", "50"], ["layout"] })
            {
                await using CliProcess cli = Start(args);
                Assert.Equal(ExitCodes.Success, await cli.WaitForExitAsync());
                Assert.NotEmpty(cli.Output);
                AssertPlain(cli);
            }

            await using (CliProcess writer = Start("write", name, "--count", "3", "--size", "100", "--hash", "--metadata", "x=1"))
            {
                Assert.Equal(ExitCodes.Success, await writer.WaitForExitAsync());
                AssertPlain(writer);
            }

            Assert.Equal(ExitCodes.Success, await reader.WaitForExitAsync());
            AssertPlain(reader);
        }

        foreach (string[] args in new[] { new[] { "clean", "--stale", "--dry-run" }, ["clean", name] })
        {
            await using CliProcess clean = Start(args);
            Assert.Equal(ExitCodes.Success, await clean.WaitForExitAsync());
            AssertPlain(clean);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task RelayServeAndCall_HaveNoEscapes()
    {
        string input = TestNames.Unique("cli-plain-in");
        string output = TestNames.Unique("cli-plain-out");
        await using (CliProcess reader = Start("read", output, "--count", "2"))
        {
            await reader.WaitForLineAsync(l => l.StartsWith("Created buffer", StringComparison.Ordinal));
            await using CliProcess relay = Start("relay", input, output, "--count", "2");
            await relay.WaitForLineAsync(l => l.StartsWith("Relaying", StringComparison.Ordinal));
            await using (CliProcess writer = Start("write", input, "--count", "2"))
            {
                Assert.Equal(ExitCodes.Success, await writer.WaitForExitAsync());
            }

            Assert.Equal(ExitCodes.Success, await relay.WaitForExitAsync());
            Assert.Equal(ExitCodes.Success, await reader.WaitForExitAsync());
            AssertPlain(relay);
            AssertPlain(reader);
        }

        string channel = TestNames.Unique("cli-plain-dx");
        await using (CliProcess serve = Start("serve", channel, "--log-requests"))
        {
            await serve.WaitForLineAsync(l => l.StartsWith("Serving", StringComparison.Ordinal));
            await using (CliProcess call = Start("call", channel, "--text", "hello", "--count", "2"))
            {
                Assert.Equal(ExitCodes.Success, await call.WaitForExitAsync());
                AssertPlain(call);
            }

            await serve.InterruptAsync();
            Assert.Equal(ExitCodes.Success, await serve.WaitForExitAsync());
            AssertPlain(serve);
        }

        OsResources.AssertNone(input);
        OsResources.AssertNone(output);
    }

    [Fact]
    public async Task PublishSubscribeAndTopicList_HaveNoEscapes()
    {
        string topic = TestNames.Unique("cli-plain-topic");
        await using CliProcess subscriber = Start("subscribe", topic, "--policy", "drop-newest", "--id", "plain", "--hash");
        await subscriber.WaitForLineAsync(l => l.StartsWith("Subscribed", StringComparison.Ordinal));
        await using (CliProcess publisher = Start("publish", topic, "--count", "3", "--size", "100", "--subscribers", "1", "--metadata", "x=1", "--hold"))
        {
            await publisher.WaitForLineAsync(l => l.StartsWith("Holding", StringComparison.Ordinal));
            await using (CliProcess list = Start("list"))
            {
                Assert.Equal(ExitCodes.Success, await list.WaitForExitAsync());
                Assert.Contains(list.Output, l => l.Contains(topic, StringComparison.Ordinal) && l.Contains("drop-newest", StringComparison.Ordinal));
                AssertPlain(list);
            }

            publisher.Input.Close();
            Assert.Equal(ExitCodes.Success, await publisher.WaitForExitAsync());
            AssertPlain(publisher);
        }

        Assert.Equal(ExitCodes.Success, await subscriber.WaitForExitAsync());
        Assert.Contains(subscriber.Output, l => l.StartsWith("Read frame 3, size: 100, gap: 0", StringComparison.Ordinal));
        AssertPlain(subscriber);
    }

    [Fact]
    public async Task DemoAndSoak_HaveNoEscapes()
    {
        await using (CliProcess demo = Start("demo", "--seconds", "0.5", "--frame-size", "64K", "--ring-size", "1M"))
        {
            Assert.Equal(ExitCodes.Success, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(demo.Output, l => l.Contains("Verification", StringComparison.Ordinal));
            AssertPlain(demo);
        }

        await using CliProcess soak = Start("soak", "--seconds", "1", "--payload-size", "64K");
        Assert.Equal(ExitCodes.Success, await soak.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(soak.Output, l => l.StartsWith("Soak:", StringComparison.Ordinal));
        AssertPlain(soak);
    }

    private static CliProcess Start(params string[] args) => CliProcess.StartWithEnvironment(ColourTerminal, args);

    private static void AssertPlain(CliProcess process)
    {
        Assert.DoesNotContain(process.Output, line => line.Contains(Escape, StringComparison.Ordinal));
        Assert.False(process.ErrorOutput.Contains(Escape, StringComparison.Ordinal), process.ErrorOutput);
    }
}
