using System.Runtime.CompilerServices;
using System.Text;

namespace Controller.Model.Runtime;

/// <summary>
/// Makes TorchSharp's native backend load on hosts whose libstdc++ predates GCC 13 (Debian 12).
/// libLibTorchSharp.so references GLIBCXX_3.4.32 only for <c>std::ios_base_library_init()</c>, a
/// link-time marker nothing calls; marking that requirement weak lets the loader accept the older
/// library. Runs once per process, before the first tensor, and does nothing on newer hosts.
/// </summary>
public static class TorchRuntime
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";
    private static readonly Lock Gate = new();
    private static bool _done;

    /// <summary>What the last <see cref="EnsureLoadable"/> did, for diagnostics and tests.</summary>
    public static string Status { get; private set; } = "not checked";

#pragma warning disable CA2255 // A module initializer is the one place guaranteed to run before TorchSharp loads its native library.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Init() => EnsureLoadable();

    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (_done)
                return;
            _done = true;
            NativeHeap.KeepFreedMemory();
            if (!OperatingSystem.IsLinux())
            {
                Status = "not Linux: nothing to do";
                return;
            }
            var libstdcxx = FindSystemLibStdCxx();
            if (libstdcxx is null || HostHasVersion(libstdcxx))
            {
                Status = $"host libstdc++ has {RequiredVersion}: nothing to do";
                return;
            }
            var results = new List<string>();
            foreach (var lib in CandidateLibraries())
            {
                try
                {
                    results.Add($"{lib}: {ElfVersionPatcher.MakeVersionWeak(lib, RequiredVersion)}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    results.Add($"{lib}: cannot patch ({e.Message})");
                }
            }
            Status = results.Count == 0 ? "libLibTorchSharp.so not found next to the app" : string.Join("; ", results);
        }
    }

    private static string? FindSystemLibStdCxx()
    {
        string[] candidates = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>True when the library defines the version (its name appears in its version strings).</summary>
    public static bool HostHasVersion(string libstdcxx)
    {
        var needle = Encoding.ASCII.GetBytes(RequiredVersion + "\0");
        return File.ReadAllBytes(libstdcxx).AsSpan().IndexOf(needle) >= 0;
    }

    /// <summary>The copies of libLibTorchSharp.so next to the app (the build output), which is what the runtime loads.</summary>
    private static IEnumerable<string> CandidateLibraries() =>
        Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
}
