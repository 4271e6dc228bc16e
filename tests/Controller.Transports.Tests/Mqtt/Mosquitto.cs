using System.Diagnostics;
using Controller.Transports.Mqtt;

namespace Controller.Transports.Tests.Mqtt;

/// <summary>
/// A real mosquitto broker as a child process on a free loopback port, with a generated config (anonymous, no
/// persistence). <see cref="RestartAsync"/> kills it (SIGKILL) and starts it again on the same port.
/// Start is awaited by reading mosquitto's own log line, not by sleeping.
/// </summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _process;

    private readonly string _extra;

    private Mosquitto(int port, string extra, string dir)
    {
        Port = port;
        _extra = extra;
        _dir = dir;
    }

    /// <summary>The folder holding the generated config; tests may put password files or certificates here.</summary>
    public string Directory => _dir;

    public int Port { get; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public static async Task<Mosquitto> StartAsync() => await StartAsync(_ => "allow_anonymous true");

    /// <summary>Starts with listener-scoped settings produced from the config folder (e.g. password_file, certfile).</summary>
    public static async Task<Mosquitto> StartAsync(Func<string, string> settings)
    {
        var port = EmbeddedMqttBroker.FreePort();
        var dir = System.IO.Directory.CreateTempSubdirectory("mosq").FullName;
        // mosquitto started as root drops to the 'mosquitto' user before reading password files and certificates.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var extra = settings(dir);
        foreach (var f in System.IO.Directory.GetFiles(dir))
        {
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(f, (UnixFileMode)0b110_100_100);
        }
        var m = new Mosquitto(port, extra, dir);
        await m.LaunchAsync();
        return m;
    }

    private async Task LaunchAsync()
    {
        var conf = Path.Combine(_dir, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"""
            per_listener_settings true
            persistence false
            listener {Port} 127.0.0.1
            {_extra}
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            """);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new Process
        {
            StartInfo = new ProcessStartInfo("mosquitto", ["-c", conf]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false },
            EnableRaisingEvents = true,
        };
        var log = new System.Text.StringBuilder();
        void OnLine(object? s, DataReceivedEventArgs e)
        {
            if (e.Data is null)
                return;
            lock (log)
                log.AppendLine(e.Data);
            // "Opening ipv4 listen socket on port N." comes once the listener is bound.
            if (e.Data.Contains("listen socket on port", StringComparison.Ordinal))
                ready.TrySetResult();
        }
        p.OutputDataReceived += OnLine;
        p.ErrorDataReceived += OnLine;
        p.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"mosquitto exited: {log}"));
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    public async Task RestartAsync()
    {
        Kill();
        await LaunchAsync();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            System.IO.Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
