using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Model.Runtime;

/// <summary>Small checks that prove the native backend works: used by tests and `controller bench`.</summary>
public static class TorchInfo
{
    /// <summary>Runs y = sum((W x)²) and its backward pass; returns (y, dy/dW summed) for checking.</summary>
    public static (float Value, float GradSum) ForwardBackwardProbe()
    {
        TorchRuntime.EnsureLoadable();
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1, 2, 3, 4 }, 2, 2).requires_grad_();
        var x = tensor(new float[] { 1, 1 }, 2, 1);
        var y = w.matmul(x).pow(2).sum();
        y.backward();
        return (y.item<float>(), w.grad!.sum().item<float>());
    }

    /// <summary>Measures float32 matmul throughput (GFLOP/s) on n×n matrices, median of <paramref name="reps"/>.</summary>
    public static double MatmulGflops(int n = 1024, int reps = 5)
    {
        TorchRuntime.EnsureLoadable();
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        a.matmul(b).Dispose();
        var times = new List<double>();
        for (var i = 0; i < reps; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            using (a.matmul(b)) { }
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return 2.0 * n * n * n / times[times.Count / 2] / 1e9;
    }

    /// <summary>Tensors alive on the calling thread (created minus disposed), for leak checks.</summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    public static string Describe() => $"TorchSharp {typeof(torch).Assembly.GetName().Version}, threads {get_num_threads()}, {TorchRuntime.Status}";
}
