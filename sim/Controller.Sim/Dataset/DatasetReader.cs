using System.Text.Json;
using Controller.Sim.Imaging;

namespace Controller.Sim.Dataset;

/// <summary>
/// One demonstration loaded in memory. Arrays are [frame][joint] in the profile's joint order;
/// <see cref="Frames"/> maps camera name to [frame] tightly packed RGB8 (Height × Width × 3, top row first).
/// <see cref="Environment"/> is [frame][value] of <c>observation.environment_state</c> (<see cref="SimEnv.EnvironmentNames"/>),
/// or null for datasets written before it was recorded.
/// </summary>
public sealed record Demonstration(
    EpisodeInfo Info,
    string Instruction,
    double[][] States,
    double[][] Velocities,
    double[][] Actions,
    double[] Timestamps,
    IReadOnlyDictionary<string, byte[][]> Frames,
    int Width,
    int Height,
    double[][]? Environment = null)
{
    public int Length => Actions.Length;
}

/// <summary>
/// Reads a dataset written by <see cref="DatasetWriter"/> (docs/dataset-format.md): metadata eagerly,
/// episodes on demand. Thread-safe for concurrent <see cref="Load"/> calls (read-only file access).
/// </summary>
public sealed class DatasetReader
{
    private DatasetReader(string root, DatasetInfo info, IReadOnlyList<EpisodeInfo> episodes, IReadOnlyList<TaskInfo> tasks)
    {
        Root = root;
        Info = info;
        Episodes = episodes;
        Tasks = tasks;
    }

    public string Root { get; }
    public DatasetInfo Info { get; }

    /// <summary>Episode table; <see cref="EpisodeInfo.DatasetFromIndex"/>/<see cref="EpisodeInfo.DatasetToIndex"/> give global frame boundaries.</summary>
    public IReadOnlyList<EpisodeInfo> Episodes { get; }

    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <summary>Camera names, from the image features in info.json.</summary>
    public IReadOnlyList<string> Cameras => [.. Info.Features.Keys.Where(k => k.StartsWith("observation.images.", StringComparison.Ordinal)).Select(k => k["observation.images.".Length..])];

    public static DatasetReader Open(string root)
    {
        var infoPath = Path.Combine(root, "meta", "info.json");
        if (!File.Exists(infoPath))
            throw new SimException($"{root} is not a dataset: no meta/info.json");
        var info = JsonSerializer.Deserialize<DatasetInfo>(File.ReadAllText(infoPath))
            ?? throw new SimException($"{infoPath} is empty");
        if (info.CodebaseVersion != DatasetInfo.Version)
            throw new SimException($"{infoPath}: unsupported codebase_version '{info.CodebaseVersion}', expected '{DatasetInfo.Version}'");
        var episodes = ReadLines<EpisodeInfo>(Path.Combine(root, "meta", "episodes.jsonl"));
        var tasks = ReadLines<TaskInfo>(Path.Combine(root, "meta", "tasks.jsonl"));
        return new DatasetReader(root, info, episodes, tasks);
    }

    private static List<T> ReadLines<T>(string path)
        => File.Exists(path)
            ? [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l) ?? throw new SimException($"{path}: empty row"))]
            : [];

    /// <summary>Loads episode <paramref name="episodeIndex"/> with every camera's frames decoded to RGB8.</summary>
    public Demonstration Load(int episodeIndex)
    {
        if (episodeIndex < 0 || episodeIndex >= Episodes.Count)
            throw new ArgumentOutOfRangeException(nameof(episodeIndex), episodeIndex, $"dataset has {Episodes.Count} episodes");
        var info = Episodes[episodeIndex];
        var rows = ReadLines<FrameRow>(Path.Combine(Root, DatasetPaths.Data(episodeIndex)));
        if (rows.Count != info.Length)
            throw new SimException($"episode {episodeIndex}: {rows.Count} rows but meta says {info.Length}");
        var frames = new Dictionary<string, byte[][]>(StringComparer.Ordinal);
        int w = 0, h = 0;
        foreach (var cam in Cameras)
        {
            var list = new byte[rows.Count][];
            for (var i = 0; i < rows.Count; i++)
                (list[i], w, h) = Png.Read(Path.Combine(Root, DatasetPaths.Image(cam, episodeIndex, rows[i].FrameIndex)));
            frames[cam] = list;
        }
        return new Demonstration(info, info.Instruction,
            [.. rows.Select(r => r.State)], [.. rows.Select(r => r.Velocity)], [.. rows.Select(r => r.Action)],
            [.. rows.Select(r => r.Timestamp)], frames, w, h,
            rows.TrueForAll(r => r.Environment is { Length: > 0 }) ? [.. rows.Select(r => r.Environment!)] : null);
    }

    /// <summary>Loads every episode (optionally only successful ones), in order.</summary>
    public IEnumerable<Demonstration> LoadAll(bool successfulOnly = false)
        => Episodes.Where(e => !successfulOnly || e.Success).Select(e => Load(e.EpisodeIndex));
}
