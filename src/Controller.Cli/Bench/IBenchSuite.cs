namespace Controller.Cli.Bench;

/// <summary>A group of benchmarks `controller bench` runs. Each suite measures medians/percentiles/ratios within one run.</summary>
public interface IBenchSuite
{
    /// <summary>Short name used by `controller bench --suite NAME`.</summary>
    string Name { get; }

    string Description { get; }

    Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <summary>What a suite may use: a quick flag for smoke runs and a progress reporter.</summary>
public sealed record BenchContext(bool Quick, Action<string> Report);
