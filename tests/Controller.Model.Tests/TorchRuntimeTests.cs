using Controller.Model.Runtime;

namespace Controller.Model.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void ForwardBackwardProbe_OnThisHost_LoadsNativeTorchAndComputesGradients()
    {
        // y = sum((W x)^2) with W = [[1,2],[3,4]], x = [1,1]: Wx = [3,7], y = 58; dy/dW = 2(Wx)x^T → sum = 2(3+3+7+7) = 40.
        var (value, gradSum) = TorchInfo.ForwardBackwardProbe();
        Assert.Equal(58f, value);
        Assert.Equal(40f, gradSum);
    }

    [Fact]
    public void EnsureLoadable_OnDebian12_LeavesTheLibraryWithAWeakGlibcxxRequirement()
    {
        TorchRuntime.EnsureLoadable();
        var host = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        var lib = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        var (outcome, _) = ElfVersionPatcher.Find(File.ReadAllBytes(lib), TorchRuntime.RequiredVersion);
        if (File.Exists(host) && !TorchRuntime.HostHasVersion(host))
            Assert.Equal(ElfVersionPatcher.Outcome.AlreadyWeak, outcome);
        else
            Assert.Contains("nothing to do", TorchRuntime.Status, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeVersionWeak_CalledTwice_IsIdempotent()
    {
        var lib = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        var copy = Path.Combine(Path.GetTempPath(), $"elf-{Guid.NewGuid():N}.so");
        File.Copy(lib, copy);
        try
        {
            var first = ElfVersionPatcher.MakeVersionWeak(copy, TorchRuntime.RequiredVersion);
            var bytesAfterFirst = File.ReadAllBytes(copy);
            var second = ElfVersionPatcher.MakeVersionWeak(copy, TorchRuntime.RequiredVersion);
            Assert.Contains(first, new[] { ElfVersionPatcher.Outcome.Patched, ElfVersionPatcher.Outcome.AlreadyWeak });
            Assert.Equal(ElfVersionPatcher.Outcome.AlreadyWeak, second);
            Assert.Equal(bytesAfterFirst, File.ReadAllBytes(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void Find_NotAnElfFile_Throws()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.Find(new byte[100], "X"));
    }
}
