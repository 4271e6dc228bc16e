using System.Text.Json;
using Controller.Abstractions;
using Controller.Sim.Imaging;
using Controller.Sim.Tasks;

namespace Controller.Sim.Dataset;

/// <summary>
/// Writes demonstrations in the format of docs/dataset-format.md: one JSONL row per control tick,
/// one PNG per camera per tick, episode and task tables in meta/, totals in meta/info.json.
/// Usage: BeginEpisode, AddStep per tick, EndEpisode (or DiscardEpisode); Dispose writes info.json.
/// Appends to an existing dataset of the same robot. Not thread-safe.
/// </summary>
public sealed class DatasetWriter : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly string _root;
    private readonly RobotProfile _profile;
    private readonly List<string> _cameras;
    private readonly int _width;
    private readonly int _height;
    private readonly Dictionary<string, int> _tasks = new(StringComparer.Ordinal);
    private readonly List<EpisodeInfo> _episodes = [];
    private readonly List<(FrameRow Row, Dictionary<string, byte[]> Frames)> _pending = [];
    private TaskEpisode? _current;
    private int _totalFrames;

    public DatasetWriter(string root, RobotProfile profile, IReadOnlyList<string> cameras, int width, int height)
    {
        _root = root;
        _profile = profile;
        _cameras = [.. cameras];
        _width = width;
        _height = height;
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        if (File.Exists(Path.Combine(root, "meta", "info.json")))
        {
            var existing = DatasetReader.Open(root);
            if (existing.Info.RobotType != profile.Name)
                throw new SimException($"{root} holds a '{existing.Info.RobotType}' dataset; cannot append '{profile.Name}' episodes");
            _episodes.AddRange(existing.Episodes);
            foreach (var t in existing.Tasks)
                _tasks[t.Task] = t.TaskIndex;
            _totalFrames = existing.Info.TotalFrames;
        }
    }

    public int EpisodeCount => _episodes.Count;

    public int FrameCount => _totalFrames;

    public void BeginEpisode(TaskEpisode episode)
    {
        _pending.Clear();
        _current = episode;
    }

    /// <summary>Buffers one tick in memory; nothing is written until <see cref="EndEpisode"/>.</summary>
    public void AddStep(EpisodeStep step)
    {
        var episode = _current ?? throw new InvalidOperationException("BeginEpisode first");
        var taskIndex = TaskIndex(episode.Instruction);
        var frames = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var cam in _cameras)
        {
            if (!step.Observation.Frames.TryGetValue(cam, out var f))
                throw new SimException($"step {step.Index} has no frame from camera '{cam}'");
            if (f.Width != _width || f.Height != _height || f.Format != PixelFormat.Rgb8)
                throw new SimException($"camera '{cam}' frame is {f.Format} {f.Width}x{f.Height}; dataset expects Rgb8 {_width}x{_height}");
            frames[cam] = f.Pixels.ToArray();
        }
        var index = _totalFrames + _pending.Count;
        var row = new FrameRow(index, _episodes.Count, step.Index, step.Index / _profile.ControlRateHz, taskIndex,
            [.. step.Observation.State.Positions], [.. step.Observation.State.Velocities], [.. step.Action], step.Success, step.Done, step.Environment);
        _pending.Add((row, frames));
    }

    /// <summary>Writes the buffered episode: its rows, its frames, and its line in meta/episodes.jsonl.</summary>
    /// <param name="success">Whether the task was solved.</param>
    /// <param name="takeoverStep">The episode tick its first row was recorded at, when it starts where another policy left off.</param>
    public EpisodeInfo EndEpisode(bool success, int? takeoverStep = null)
    {
        var episode = _current ?? throw new InvalidOperationException("BeginEpisode first");
        var index = _episodes.Count;
        var dataPath = Path.Combine(_root, DatasetPaths.Data(index));
        Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
        foreach (var cam in _cameras)
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_root, DatasetPaths.Image(cam, index, 0)))!);
        using (var w = new StreamWriter(dataPath))
        {
            foreach (var (row, frames) in _pending)
            {
                w.WriteLine(JsonSerializer.Serialize(row, Json));
                foreach (var (cam, rgb) in frames)
                    Png.Write(Path.Combine(_root, DatasetPaths.Image(cam, index, row.FrameIndex)), rgb, _width, _height);
            }
        }
        var info = new EpisodeInfo(index, _pending.Count, TaskIndex(episode.Instruction), episode.Task, episode.Instruction,
            episode.Seed, success, _totalFrames, _totalFrames + _pending.Count, takeoverStep);
        _episodes.Add(info);
        _totalFrames += _pending.Count;
        File.AppendAllText(Path.Combine(_root, "meta", "episodes.jsonl"), JsonSerializer.Serialize(info, Json) + "\n");
        _pending.Clear();
        _current = null;
        WriteMeta();
        return info;
    }

    public void DiscardEpisode()
    {
        _pending.Clear();
        _current = null;
    }

    private int TaskIndex(string instruction)
    {
        if (!_tasks.TryGetValue(instruction, out var i))
            _tasks[instruction] = i = _tasks.Count;
        return i;
    }

    private void WriteMeta()
    {
        var tasks = _tasks.OrderBy(t => t.Value).Select(t => JsonSerializer.Serialize(new TaskInfo(t.Value, t.Key), Json));
        File.WriteAllLines(Path.Combine(_root, "meta", "tasks.jsonl"), tasks);
        var names = _profile.JointNames.ToArray();
        var features = new Dictionary<string, FeatureInfo>(StringComparer.Ordinal)
        {
            ["observation.state"] = new("float64", [names.Length], names),
            ["observation.velocity"] = new("float64", [names.Length], names),
            ["action"] = new("float64", [names.Length], names),
            ["observation.environment_state"] = new("float64", [SimEnv.EnvironmentNames.Count], [.. SimEnv.EnvironmentNames]),
            ["timestamp"] = new("float64", [1]),
            ["frame_index"] = new("int64", [1]),
            ["episode_index"] = new("int64", [1]),
            ["index"] = new("int64", [1]),
            ["task_index"] = new("int64", [1]),
            ["next.success"] = new("bool", [1]),
            ["next.done"] = new("bool", [1]),
        };
        foreach (var cam in _cameras)
            features[DatasetPaths.ImageKey(cam)] = new("image", [_height, _width, 3], ["height", "width", "channel"]);
        var info = new DatasetInfo(DatasetInfo.Version, _profile.Name, _profile.ControlRateHz, _episodes.Count, _totalFrames, _tasks.Count,
            DatasetPaths.ChunkSize, DatasetPaths.DataTemplate, DatasetPaths.ImageTemplate, features);
        File.WriteAllText(Path.Combine(_root, "meta", "info.json"), JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
    }

    public void Dispose()
    {
        _pending.Clear();
        if (_episodes.Count == 0)
            WriteMeta();
    }
}
