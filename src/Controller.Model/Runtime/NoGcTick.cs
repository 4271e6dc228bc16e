using System.Runtime;

namespace Controller.Model.Runtime;

/// <summary>
/// Runs one inference with the garbage collector held off. TorchSharp passes implicit Scalars (e.g. the
/// alpha of add) to native code by handle without keeping the managed object alive; a GC during the
/// call can finalize it and libtorch then reads freed memory ("Expected false to be true" from
/// Scalar.h, seen about once per thousand ticks under load). Holding the GC off for the tick closes
/// that window, and keeps GC pauses out of the control tick. Falls back to a plain call when the
/// runtime refuses the region (budget too large, or already in one).
/// </summary>
internal static class NoGcTick
{
    /// <summary>Managed allocation budget of one tick; the region ends early (a normal GC) if it is exceeded.</summary>
    private const long Budget = 2 * 1024 * 1024;

    public static T Run<T>(Func<T> work)
    {
        bool started;
        try
        {
            started = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(Budget);
        }
        catch (InvalidOperationException)
        {
            started = false;
        }
        try
        {
            return work();
        }
        finally
        {
            if (started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
                GC.EndNoGCRegion();
        }
    }
}
