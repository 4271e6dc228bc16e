using System.Diagnostics;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>Runs the roslib scripts of tests/interop with node, installing their npm packages (npm ci) on first use.</summary>
internal static class NodePeer
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string InteropDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "interop");
            if (File.Exists(Path.Combine(candidate, "package.json")))
                return candidate;
        }
        throw new DirectoryNotFoundException("tests/interop/package.json not found above " + AppContext.BaseDirectory);
    }

    public static async Task EnsureInstalledAsync()
    {
        var dir = InteropDirectory();
        await InstallGate.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(dir, "node_modules", "roslib")))
                return;
            var (code, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", dir], dir, TimeSpan.FromMinutes(5));
            if (code != 0)
                throw new InvalidOperationException($"npm ci in {dir} failed ({code}):\n{output}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs `node script args...` in tests/interop and returns its exit code and combined output.</summary>
    public static async Task<(int Code, string Output)> RunScriptAsync(string script, IEnumerable<string> args, TimeSpan timeout)
    {
        await EnsureInstalledAsync();
        var dir = InteropDirectory();
        return await RunAsync("node", [Path.Combine(dir, script), .. args], dir, timeout);
    }

    private static async Task<(int, string)> RunAsync(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}: {await stdout}{await stderr}");
        }
        return (p.ExitCode, await stdout + await stderr);
    }
}
