using System.Text.Json.Serialization;

namespace Controller.Sim.Eval;

/// <summary>One evaluated episode: the task's distance to success at the start and the end, and how far the named
/// object moved in the table plane (0 for objects that cannot move, e.g. the reach spheres).</summary>
public sealed record EvalEpisode(
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("instruction")] string Instruction,
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("final_distance_m")] double FinalDistance,
    [property: JsonPropertyName("start_distance_m")] double StartDistance,
    [property: JsonPropertyName("object_moved_m")] double ObjectMoved);

/// <summary>What `controller eval` ran and measured; serialised as its --json output.</summary>
public sealed record EvalReport(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("policy")] string Policy,
    [property: JsonPropertyName("episodes")] int Episodes,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("noise")] double Noise,
    [property: JsonPropertyName("successes")] int Successes,
    [property: JsonPropertyName("success_rate")] double SuccessRate,
    [property: JsonPropertyName("ci_low")] double CiLow,
    [property: JsonPropertyName("ci_high")] double CiHigh,
    [property: JsonPropertyName("mean_steps")] double MeanSteps,
    [property: JsonPropertyName("max_steps")] int MaxSteps,
    [property: JsonPropertyName("control_rate_hz")] double ControlRateHz,
    [property: JsonPropertyName("rendered")] bool Rendered,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("mujoco_version")] int MujocoVersion,
    [property: JsonPropertyName("failures")] FailureBreakdown Failures,
    [property: JsonPropertyName("per_episode")] IReadOnlyList<EvalEpisode> PerEpisode);
