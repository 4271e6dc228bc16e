namespace Controller.Cli.Bench;

/// <summary>Every benchmark suite, in the order `controller bench` runs them. One line per suite.</summary>
public static class BenchSuites
{
    public static IReadOnlyList<IBenchSuite> All { get; } =
    [
        new ControlLoopBench(),
        new ModelBench(),
        new SimBench(),
        new RosbridgeBench(),
        new BusBench(),
    ];
}
