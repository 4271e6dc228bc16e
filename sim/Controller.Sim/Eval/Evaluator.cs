using System.Diagnostics;
using Controller.Abstractions;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;

namespace Controller.Sim.Eval;

/// <summary>
/// Closed-loop evaluation: episode i uses seed <c>seed + i</c> for the scene and the policy. Rendering
/// is on when the policy's registration says it needs frames or <c>forceRender</c> is set. Blocking; one environment.
/// </summary>
public static class Evaluator
{
    public static EvalReport Run(RobotProfile profile, string task, string policy, int episodes, ulong seed, double noise = 0,
        IReadOnlyDictionary<string, string>? options = null, Action<EvalEpisode>? onEpisode = null, bool forceRender = false, CancellationToken cancellationToken = default)
    {
        if (episodes <= 0)
            throw new ArgumentOutOfRangeException(nameof(episodes), episodes, "episodes must be positive");
        var registration = PolicyFactory.Get(policy);
        var simTask = TaskRegistry.Create(task);
        var wall = Stopwatch.StartNew();
        using var env = new SimEnv(profile, simTask, new SimEnvOptions { Render = registration.NeedsFrames || forceRender });
        var instance = registration.Create(new PolicyContext(env, seed, noise, options));
        var results = new List<EvalEpisode>(episodes);
        for (var i = 0; i < episodes; i++)
        {
            var s = seed + (ulong)i;
            var r = EpisodeRunner.Run(env, instance, s, cancellationToken: cancellationToken);
            var e = new EvalEpisode(s, r.Episode.Instruction, r.Success, r.Steps, r.FinalRemaining, r.StartRemaining, r.ObjectTravel);
            results.Add(e);
            onEpisode?.Invoke(e);
        }
        var ok = results.Count(e => e.Success);
        var (lo, hi) = Wilson.Interval(ok, episodes);
        return new EvalReport(task, policy, episodes, seed, noise, ok, (double)ok / episodes, lo, hi,
            results.Average(e => e.Steps), simTask.MaxSteps, profile.ControlRateHz, registration.NeedsFrames || forceRender,
            wall.Elapsed.TotalSeconds, MujocoSim.MujocoVersion, FailureBreakdown.From(results, simTask.SuccessDistance), results);
    }
}
