using System.Runtime.InteropServices;

namespace Controller.Model.Runtime;

/// <summary>
/// Keeps the native heap's freed memory in the process. By default glibc maps a large block (from 128 KiB, rising
/// with use to at most 32 MiB) on its own and unmaps it when freed, so the next training step page-faults it all in
/// again. On these VMs a fault is expensive: a step whose logits were a 35 MB block ([16·255, 2 137] floats) ran
/// at 52–62 GFLOP/s with the default and 95–109 with this (docs/model.md). Steps whose blocks all stay under 32 MiB
/// gain less (+7 % for the default model's training run). PyTorch's CPU tuning guide swaps in jemalloc for the same
/// reason; glibc's own mallopt does it without a new dependency. The cost: resident memory stays at its peak (a few
/// hundred MB for training, far less for control ticks).
/// </summary>
public static partial class NativeHeap
{
    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD: free heap top kept before trimming
    private const int MmapMax = -4;         // M_MMAP_MAX: blocks served by their own mmap; 0 serves all from the heap

    /// <summary>What <see cref="KeepFreedMemory"/> did.</summary>
    public static string Status { get; private set; } = "not applied";

    /// <summary>Serves large blocks from the heap and never trims it (glibc only; elsewhere nothing changes).</summary>
    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            Status = "not Linux: default allocator";
            return;
        }
        try
        {
            var ok = mallopt(MmapMax, 0) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1;
            Status = ok ? "glibc keeps freed memory (M_MMAP_MAX 0, M_TRIM_THRESHOLD 2 GiB)" : "mallopt refused: default allocator";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Status = $"no mallopt in this libc: default allocator ({e.GetType().Name})";
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
