using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>Keeps every log entry of a test host, so tests can assert what was logged.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    internal IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void Dispose()
    {
    }

    internal sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception);

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
    }
}
