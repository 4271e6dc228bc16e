namespace Controller.Sim.Tasks;

/// <summary>The tasks by name. Unknown names fail with the list of known ones.</summary>
public static class TaskRegistry
{
    private static readonly Dictionary<string, Func<SimTask>> Factories = new(StringComparer.Ordinal)
    {
        ["reach"] = () => new ReachTask(),
        ["push"] = () => new PushTask(),
        ["push-wide"] = () => new PushTask(PushStart.Wide),
        ["push-recover"] = () => new PushTask(PushStart.Recover),
        ["push-slip"] = () => new PushTask(PushStart.Slip),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    public static SimTask Create(string name)
        => Factories.TryGetValue(name, out var make)
            ? make()
            : throw new SimException($"unknown task '{name}'. Known tasks: {string.Join(", ", Factories.Keys)}");
}
