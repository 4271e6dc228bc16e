using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>Keeps every log line at or above <see cref="LogLevel.Warning"/> so tests can assert on them.</summary>
internal sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
            Lines.Enqueue((logLevel, formatter(state, exception)));
    }

    public IEnumerable<string> Errors => Lines.Where(l => l.Level >= LogLevel.Error).Select(l => l.Text);
}
