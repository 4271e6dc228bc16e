using System.Runtime.InteropServices;
using Controller.Model.Runtime;
using static TorchSharp.torch;

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
    public void KeepFreedMemory_32MbTensor_ComesFromTheHeapNotItsOwnMapping()
    {
        TorchRuntime.EnsureLoadable();
        Assert.StartsWith("glibc keeps freed memory", NativeHeap.Status, StringComparison.Ordinal);
        // glibc counts bytes in blocks it mmapped on their own (hblkhd). Without the setting a 32 MB tensor is one.
        // (A thread's arena grows in 64 MB heaps, so bigger blocks are still mapped; a logits batch is ~35 MB.)
        var before = mallinfo2().MappedBytes;
        using var big = ones(8L << 20);
        Assert.True(mallinfo2().MappedBytes - before < 32L << 20, "a 32 MB tensor was mmapped on its own");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
        public readonly long MappedBytes => (long)HBlkHd;
    }

    [DllImport("libc")]
    private static extern MallInfo2 mallinfo2();

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
