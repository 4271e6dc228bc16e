using System.Diagnostics;
using System.Globalization;
using Controller.Abstractions;
using Controller.Sim.Imaging;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;

namespace Controller.Sim.Eval;

/// <summary>
/// Closed-loop evaluation: episode i uses seed <c>seed + i</c> for the scene and the policy. Rendering
/// is on when the policy's registration says it needs frames, <c>forceRender</c> is set or a filmstrip is asked for.
/// With <c>filmstripDir</c>, each failed episode is saved there as <c>{task}-seed{seed}.png</c>, a
/// <see cref="Filmstrip"/> of the first camera; under each frame, an <see cref="IImaginingPolicy"/>'s expected frame
/// a chunk ahead. Blocking; one environment.
/// </summary>
public static class Evaluator
{
    public static EvalReport Run(RobotProfile profile, string task, string policy, int episodes, ulong seed, double noise = 0,
        IReadOnlyDictionary<string, string>? options = null, Action<EvalEpisode>? onEpisode = null, bool forceRender = false,
        string? filmstripDir = null, CancellationToken cancellationToken = default)
    {
        if (episodes <= 0)
            throw new ArgumentOutOfRangeException(nameof(episodes), episodes, "episodes must be positive");
        var registration = PolicyFactory.Get(policy);
        var simTask = TaskRegistry.Create(task);
        var wall = Stopwatch.StartNew();
        var render = registration.NeedsFrames || forceRender || filmstripDir is not null;
        using var env = new SimEnv(profile, simTask, new SimEnvOptions { Render = render });
        var film = filmstripDir is null ? null : new Filmstrip(env.CameraNames.FirstOrDefault() ?? throw new SimException($"robot '{profile.Name}' has no camera for a filmstrip"));
        var instance = registration.Create(new PolicyContext(env, seed, noise, options));
        var world = instance as IImaginingPolicy;                  // its guesses go under the filmstrip's frames
        var results = new List<EvalEpisode>(episodes);
        for (var i = 0; i < episodes; i++)
        {
            var s = seed + (ulong)i;
            film?.Clear();
            var r = EpisodeRunner.Run(env, instance, s, film is null ? null : step => film.Add(step.Index, step.Observation, world is null ? null : world.Imagine), cancellationToken);
            var e = new EvalEpisode(s, r.Episode.Instruction, r.Success, r.Steps, r.FinalRemaining, r.StartRemaining, r.ObjectTravel);
            results.Add(e);
            if (film is not null && !e.Success)
                SaveFilmstrip(film, e, task, policy, world?.ImagineHorizon, filmstripDir!);
            onEpisode?.Invoke(e);
        }
        var ok = results.Count(e => e.Success);
        var (lo, hi) = Wilson.Interval(ok, episodes);
        return new EvalReport(task, policy, episodes, seed, noise, ok, (double)ok / episodes, lo, hi,
            results.Average(e => e.Steps), simTask.MaxSteps, profile.ControlRateHz, render,
            wall.Elapsed.TotalSeconds, MujocoSim.MujocoVersion, FailureBreakdown.From(results, simTask.SuccessDistance), results);
    }

    private static void SaveFilmstrip(Filmstrip film, EvalEpisode e, string task, string policy, int? horizon, string dir)
    {
        Directory.CreateDirectory(dir);
        var title = string.Create(CultureInfo.InvariantCulture,
            $"{task} {policy} seed {e.Seed}: {e.Instruction}; {e.StartDistance * 100:0.0} -> {e.FinalDistance * 100:0.0} cm after {e.Steps} steps");
        if (horizon is { } ahead)
            title += $"; under each frame: the model's expected frame {ahead} steps on";
        var (rgb, w, h) = film.Render(title);
        Png.Write(Path.Combine(dir, $"{task}-seed{e.Seed}.png"), rgb, w, h);
    }
}
