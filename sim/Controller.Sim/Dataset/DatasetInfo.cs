using System.Text.Json.Serialization;

namespace Controller.Sim.Dataset;

/// <summary>A per-frame feature (LeRobot style): dtype, shape and, for vectors, the element names.</summary>
public sealed record FeatureInfo(
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("shape")] int[] Shape,
    [property: JsonPropertyName("names")] string[]? Names = null);

/// <summary>meta/info.json: what the dataset holds and how paths are formed. See docs/dataset-format.md.</summary>
public sealed record DatasetInfo(
    [property: JsonPropertyName("codebase_version")] string CodebaseVersion,
    [property: JsonPropertyName("robot_type")] string RobotType,
    [property: JsonPropertyName("fps")] double Fps,
    [property: JsonPropertyName("total_episodes")] int TotalEpisodes,
    [property: JsonPropertyName("total_frames")] int TotalFrames,
    [property: JsonPropertyName("total_tasks")] int TotalTasks,
    [property: JsonPropertyName("chunks_size")] int ChunksSize,
    [property: JsonPropertyName("data_path")] string DataPath,
    [property: JsonPropertyName("image_path")] string ImagePath,
    [property: JsonPropertyName("features")] Dictionary<string, FeatureInfo> Features)
{
    public const string Version = "controller-sim/v1";
}

/// <summary>One line of meta/episodes.jsonl. <c>takeover_step</c>: the episode was recorded from the tick at which the
/// expert took over from another policy (<c>sim collect --takeover-from</c>); absent for whole expert episodes.</summary>
public sealed record EpisodeInfo(
    [property: JsonPropertyName("episode_index")] int EpisodeIndex,
    [property: JsonPropertyName("length")] int Length,
    [property: JsonPropertyName("task_index")] int TaskIndex,
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("instruction")] string Instruction,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("dataset_from_index")] int DatasetFromIndex,
    [property: JsonPropertyName("dataset_to_index")] int DatasetToIndex,
    [property: JsonPropertyName("takeover_step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TakeoverStep = null);

/// <summary>One line of meta/tasks.jsonl: an instruction string and its index (LeRobot's "task").</summary>
public sealed record TaskInfo(
    [property: JsonPropertyName("task_index")] int TaskIndex,
    [property: JsonPropertyName("task")] string Task);

/// <summary>One line of data/chunk-XXX/episode_XXXXXX.jsonl: one control tick.</summary>
public sealed record FrameRow(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("episode_index")] int EpisodeIndex,
    [property: JsonPropertyName("frame_index")] int FrameIndex,
    [property: JsonPropertyName("timestamp")] double Timestamp,
    [property: JsonPropertyName("task_index")] int TaskIndex,
    [property: JsonPropertyName("observation.state")] double[] State,
    [property: JsonPropertyName("observation.velocity")] double[] Velocity,
    [property: JsonPropertyName("action")] double[] Action,
    [property: JsonPropertyName("next.success")] bool NextSuccess,
    [property: JsonPropertyName("next.done")] bool NextDone,
    [property: JsonPropertyName("observation.environment_state"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? Environment = null);
