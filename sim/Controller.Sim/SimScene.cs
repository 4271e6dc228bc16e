namespace Controller.Sim;

/// <summary>Names in sim/models/sim_arm.xml that tasks and experts rely on, and where the model file is.</summary>
public static class SimScene
{
    public const string ModelFile = "sim_arm.xml";
    public const string TipSite = "tip";
    public const string GoalBody = "goal";

    /// <summary>Colours of the blocks and reach targets (body names are block_&lt;c&gt; and target_&lt;c&gt;).</summary>
    public static readonly IReadOnlyList<string> Colours = ["red", "green", "blue"];

    /// <summary>Where unused objects wait: off the table, outside both cameras.</summary>
    public static Vec3 Parking(int i) => new(-1.5, -0.4 + 0.3 * i, 0.02);

    public static string Block(string colour) => $"block_{colour}";

    public static string Target(string colour) => $"target_{colour}";

    /// <summary>Full path of an MJCF file in sim/models: next to the app (models/), else found upwards from the app or working directory.</summary>
    public static string FindModel(string file = ModelFile)
    {
        foreach (var origin in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var local = Path.Combine(origin, "models", file);
            if (File.Exists(local))
                return local;
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "sim", "models", file);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        throw new SimException($"cannot find sim/models/{file} (looked next to the app and upwards from the app and working directory)");
    }
}
