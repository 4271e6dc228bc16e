namespace Controller.Cli.Bench;

/// <summary>Control-loop overhead per tick, excluding the model. Filled in with the loop.</summary>
public sealed class ControlLoopBench : IBenchSuite
{
    public string Name => "loop";

    public string Description => "Control-loop overhead per tick (buffers, scheduler, arbiter, safety), model excluded";

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<BenchResult>>([]);
}
