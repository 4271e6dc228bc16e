using System.Diagnostics;

namespace Controller.Model.Tests;

/// <summary>
/// One temp folder per test run, so the checkpoints the tests write (a few MB each, hundreds per run) never pile up
/// in /tmp (they once filled the disk and failed CI's build). It is deleted when the test host exits; the runner
/// may kill the host before that finishes, so each run also deletes the folders of runs whose process is gone.
/// </summary>
internal static class TestTemp
{
    private const string Prefix = "controller-model-tests-";

    private static readonly string Root = CreateRoot();

    static TestTemp() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Root, recursive: true);

    /// <summary>A fresh, not yet created, directory path under the run's folder.</summary>
    public static string NewDir(string prefix) => Path.Combine(Root, prefix + Guid.NewGuid().ToString("N"));

    /// <summary>A fresh file path under the run's folder.</summary>
    public static string NewFile(string name) => Path.Combine(Root, Guid.NewGuid().ToString("N") + "-" + name);

    private static string CreateRoot()
    {
        foreach (var stale in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(stale)[Prefix.Length..], out var pid) && !IsRunning(pid))
                Directory.Delete(stale, recursive: true);
        }
        return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId)).FullName;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;   // no such process
        }
    }
}
