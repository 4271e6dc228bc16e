using System.Diagnostics;
using System.Text;

namespace Controller.Transports.Tests.Mqtt;

/// <summary>Runs mosquitto_sub/mosquitto_pub (or any tool) as a child process and exposes its stdout lines as they arrive.</summary>
internal sealed class CliPeer : IDisposable
{
    private readonly Process _p;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _err = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CliPeer(string file, params string[] args)
    {
        _p = new Process
        {
            StartInfo = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false },
            EnableRaisingEvents = true,
        };
        _p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_lines)
            {
                _lines.Add(e.Data);
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        };
        _p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (_err) _err.AppendLine(e.Data);
        };
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public string Errors
    {
        get { lock (_err) return _err.ToString(); }
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return [.. _lines]; }
    }

    /// <summary>Waits until a stdout line satisfies <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                var hit = _lines.FirstOrDefault(match);
                if (hit is not null)
                    return hit;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching line within {timeout}; got: {string.Join(" | ", Lines)}; stderr: {Errors}");
            }
        }
    }

    public async Task<int> WaitExitAsync(TimeSpan timeout)
    {
        await _p.WaitForExitAsync().WaitAsync(timeout);
        return _p.ExitCode;
    }

    public void Dispose()
    {
        if (!_p.HasExited)
            _p.Kill();
        _p.Dispose();
    }
}
