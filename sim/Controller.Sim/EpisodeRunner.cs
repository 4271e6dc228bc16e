using System.Diagnostics;
using Controller.Abstractions;
using Controller.Sim.Tasks;

namespace Controller.Sim;

/// <summary>One control tick as recorded: the observation the policy saw, the action applied, and what followed.</summary>
/// <remarks><paramref name="Environment"/>: <see cref="SimEnv.EnvironmentState"/> at the observation (privileged; for datasets).</remarks>
public sealed record EpisodeStep(int Index, Observation Observation, double[] Action, bool Success, bool Done, double[]? Environment = null);

/// <summary>Summary of one closed-loop episode.</summary>
/// <remarks><paramref name="StartRemaining"/>: the task's distance to success at the first observation;
/// <paramref name="ObjectTravel"/>: how far the named object moved in the table plane (m), 0 for the reach spheres.</remarks>
public sealed record EpisodeResult(TaskEpisode Episode, string Policy, bool Success, int Steps, double FinalRemaining, TimeSpan Wall,
    double StartRemaining, double ObjectTravel);

/// <summary>
/// Runs closed-loop episodes synchronously: observation → policy → joint targets → step, until the task
/// succeeds or runs out of steps. A chunk from the policy is executed one step per tick and the policy
/// is asked again when the chunk is used up. Blocking; runs on the caller's thread.
/// </summary>
public static class EpisodeRunner
{
    public static EpisodeResult Run(SimEnv env, IPolicy policy, ulong seed, Action<EpisodeStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        var observation = env.Reset(seed);
        var startRemaining = env.Remaining();
        var startObject = env.ObjectPosition();
        policy.Reset();
        StepResult? last = null;
        while (last is not { Done: true })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = policy.Infer(observation);
            if (chunk.Steps == 0)
                throw new SimException($"policy '{policy.Name}' returned an empty action chunk");
            foreach (var action in chunk.Targets)
            {
                var environment = onStep is null ? null : env.EnvironmentState();
                last = env.Step(action);
                onStep?.Invoke(new EpisodeStep(last.Step - 1, observation, action, last.Success, last.Done, environment));
                observation = last.Observation;
                if (last.Done)
                    break;
            }
        }
        return new EpisodeResult(env.Episode!, policy.Name, last.Success, last.Step, last.Remaining, wall.Elapsed,
            startRemaining, env.ObjectPosition().PlanarDistance(startObject));
    }
}
