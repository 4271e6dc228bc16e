namespace Controller.Model.Tests;

/// <summary>
/// One temp folder per test run, deleted when the test host exits, so checkpoints the tests write
/// (tens of MB each, hundreds per run) never pile up in /tmp. A full /tmp once failed CI's build.
/// </summary>
internal static class TestTemp
{
    private static readonly string Root = Directory.CreateTempSubdirectory("controller-model-tests-").FullName;

    static TestTemp() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Root, recursive: true);

    /// <summary>A fresh, not yet created, directory path under the run's folder.</summary>
    public static string NewDir(string prefix) => Path.Combine(Root, prefix + Guid.NewGuid().ToString("N"));

    /// <summary>A fresh file path under the run's folder.</summary>
    public static string NewFile(string name) => Path.Combine(Directory.CreateDirectory(NewDir("file-")).FullName, name);
}
