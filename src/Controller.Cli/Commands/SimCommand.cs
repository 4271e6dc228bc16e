using System.CommandLine;
using System.Diagnostics;
using Controller.Abstractions;
using Controller.Sim;
using Controller.Sim.Dataset;
using Controller.Sim.Experts;
using Controller.Sim.Imaging;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>`controller sim …`: the MuJoCo simulator. Subcommands: collect (scripted demonstrations).</summary>
public static class SimCommand
{
    /// <summary>--takeover-on-stall: the arm has stood still for one chunk of the default model (8 ticks).</summary>
    private const int StallWindowTicks = 8;

    public static Command Create()
    {
        var cmd = new Command("sim", "MuJoCo simulation: scenes, tasks and scripted demonstrations.");
        // One line per subcommand; subcommands in their own files (e.g. SimServeCommand.Create()) add theirs here.
        cmd.Subcommands.Add(CreateCollect());
        cmd.Subcommands.Add(CreateSnapshot());
        cmd.Subcommands.Add(SimServeCommand.Create());
        return cmd;
    }

    private static Command CreateSnapshot()
    {
        var task = new Option<string>("--task") { Description = $"Task scene ({string.Join(", ", TaskRegistry.Names)})", DefaultValueFactory = _ => "push" };
        var seed = new Option<ulong>("--seed") { Description = "Episode seed", DefaultValueFactory = _ => 0UL };
        var size = new Option<int>("--size") { Description = "Square image size (≤ 256)", DefaultValueFactory = _ => 256 };
        var steps = new Option<int>("--steps") { Description = "Expert ticks to run before the snapshot", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Folder for <task>-<camera>.png", DefaultValueFactory = _ => "." };
        var robot = new Option<string>("--robot") { Description = "Robot profile", DefaultValueFactory = _ => "sim-arm" };
        var cmd = new Command("snapshot", "Render a task's scene from every camera to PNG files.") { task, seed, size, steps, output, robot };
        cmd.SetAction((ParseResult p, CancellationToken ct) => Task.FromResult(CliErrors.Run(() =>
        {
            var profile = RobotProfileLoader.Load(p.GetValue(robot)!);
            var n = p.GetValue(size);
            using var env = new SimEnv(profile, TaskRegistry.Create(p.GetValue(task)!), new SimEnvOptions { Render = false });
            var obs = env.Reset(p.GetValue(seed));
            var expert = Experts.For(env);
            for (var i = 0; i < p.GetValue(steps) && !ct.IsCancellationRequested; i++)
            {
                var r = env.Step(expert.Infer(obs).Targets[0]);
                obs = r.Observation;
                if (r.Done)
                    break;
            }
            var dir = p.GetValue(output)!;
            Directory.CreateDirectory(dir);
            foreach (var cam in env.CameraNames)
            {
                var f = env.Render(cam, n, n);
                var path = Path.Combine(dir, $"{env.Task.Name}-{cam}.png");
                Png.Write(path, f.Pixels.Span, n, n);
                AnsiConsole.MarkupLine($"{Markup.Escape(path)}  ({Markup.Escape(env.Episode!.Instruction)})");
            }
            return 0;
        })));
        return cmd;
    }

    private static Command CreateCollect()
    {
        var task = new Option<string>("--task") { Description = $"Task to demonstrate ({string.Join(", ", TaskRegistry.Names)})", DefaultValueFactory = _ => "push" };
        var episodes = new Option<int>("--episodes") { Description = "Successful episodes to write", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the first episode; episode i uses seed + i", DefaultValueFactory = _ => 0UL };
        var output = new Option<string>("--out") { Description = "Dataset folder (created; appended to if it exists)", Required = true };
        var noise = new Option<double>("--noise") { Description = "Expert noise level (σ = noise × 1 cm on each waypoint) for diverse demonstrations", DefaultValueFactory = _ => 0.3 };
        var size = new Option<int>("--image-size") { Description = "Square frame size in pixels", DefaultValueFactory = _ => 64 };
        var keepFailures = new Option<bool>("--keep-failures") { Description = "Also write episodes the expert failed (success=false)" };
        var robot = new Option<string>("--robot") { Description = "Robot profile", DefaultValueFactory = _ => "sim-arm" };
        var takeoverFrom = new Option<string?>("--takeover-from") { Description = "Let this policy (e.g. model) drive first and the expert take over after a random number of ticks; only the expert's part is written. Demonstrations then start where the policy drifts to (HG-DAgger)" };
        var takeoverAfter = new Option<int>("--takeover-after") { Description = "With --takeover-from: the switch tick is drawn per episode from 1..N", DefaultValueFactory = _ => 48 };
        var takeoverOnStall = new Option<bool>("--takeover-on-stall") { Description = "With --takeover-from: the expert also takes over as soon as the arm has stood still for 8 ticks (every joint within 0.005 rad of where it was), i.e. where the policy got stuck" };
        var takeoverNearGoal = new Option<double?>("--takeover-near-goal") { Description = "With --takeover-from: the expert also takes over as soon as the task's object is within this many metres of its goal (e.g. 0.07), where a push has to be finished" };
        var policyOptions = new Option<string[]>("--policy-option") { Description = "KEY=VALUE for the --takeover-from policy (repeatable), e.g. checkpoint=DIR", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("collect", "Record scripted-expert demonstrations (frames, state, actions, instruction, success) as a dataset.")
        {
            task, episodes, seed, output, noise, size, keepFailures, robot, takeoverFrom, takeoverAfter, takeoverOnStall, takeoverNearGoal, policyOptions,
        };
        cmd.SetAction((ParseResult p, CancellationToken ct) => Task.FromResult(CliErrors.Run(() => Collect(
            p.GetValue(robot)!, p.GetValue(task)!, p.GetValue(episodes), p.GetValue(seed), p.GetValue(output)!,
            p.GetValue(noise), p.GetValue(size), p.GetValue(keepFailures),
            p.GetValue(takeoverFrom), p.GetValue(takeoverAfter), p.GetValue(takeoverOnStall), p.GetValue(takeoverNearGoal), p.GetValue(policyOptions) ?? [], ct))));
        return cmd;
    }

    private static int Collect(string robot, string taskName, int episodes, ulong seed, string output, double noise, int size, bool keepFailures,
        string? takeoverFrom, int takeoverAfter, bool takeoverOnStall, double? takeoverNearGoal, string[] rawOptions, CancellationToken ct)
    {
        if (episodes <= 0)
            throw new ArgumentException("--episodes must be positive");
        if (size is < 8 or > 256)
            throw new ArgumentException("--image-size must be in [8, 256]");
        if (takeoverFrom is not null && takeoverAfter <= 0)
            throw new ArgumentException("--takeover-after must be positive");
        if (takeoverNearGoal is { } near && (!double.IsFinite(near) || near <= 0))
            throw new ArgumentException("--takeover-near-goal must be a positive distance in metres");
        if (takeoverFrom is null && (takeoverOnStall || takeoverNearGoal is not null))
            throw new ArgumentException("--takeover-on-stall and --takeover-near-goal need --takeover-from");
        var profile = RobotProfileLoader.Load(robot);
        using var env = new SimEnv(profile, TaskRegistry.Create(taskName), new SimEnvOptions { ImageSize = size });
        using var writer = new DatasetWriter(output, profile, env.CameraNames, size, size);
        var expert = Experts.For(env, noise, seed);
        var takeover = takeoverFrom is null ? null
            : new TakeoverPolicy(PolicyFactory.Create(takeoverFrom, new PolicyContext(env, seed, 0, EvalCommand.ParseOptions(rawOptions))), expert,
                takeoverOnStall ? new StallDetector(StallWindowTicks * profile.TickPeriod, StallDetector.DefaultRadians) : null,
                takeoverNearGoal is { } metres ? () => env.Remaining() < metres : null);
        IPolicy driver = takeover is null ? expert : takeover;
        var written = 0;
        var discarded = 0;
        var finishedFirst = 0;
        var atStall = 0;
        var nearGoal = 0;
        var frames = 0;
        var wall = Stopwatch.StartNew();
        var next = seed;
        // Failed expert episodes are retried with the next seed, up to 3× the request; with a takeover also the
        // episodes the other policy finished before the switch.
        var last = seed + (ulong)episodes * (takeover is null ? 3UL : 10UL);
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask($"{taskName} demonstrations", maxValue: episodes);
                while (written < episodes && next < last)
                {
                    ct.ThrowIfCancellationRequested();
                    var episodeSeed = next++;
                    if (takeover is not null)
                        takeover.SwitchAt = new Random(unchecked((int)(episodeSeed % int.MaxValue))).Next(1, takeoverAfter + 1);
                    var started = false;
                    // The switch tick is read as the episode runs: a stall can move it earlier.
                    int From() => takeover?.SwitchAt ?? 0;
                    var result = EpisodeRunner.Run(env, driver, episodeSeed, step =>
                    {
                        if (step.Index < From())
                            return;
                        if (!started)
                        {
                            writer.BeginEpisode(env.Episode!);
                            started = true;
                        }
                        // The label is the expert's noise-free target (DART); the noisy one was executed.
                        var labelled = expert is ScriptedExpert { CleanTargets: { } clean } ? step with { Action = clean } : step;
                        writer.AddStep(labelled with { Index = step.Index - From() });
                    }, ct);
                    if (!started)
                        finishedFirst++;
                    else if (result.Success || keepFailures)
                    {
                        frames += writer.EndEpisode(result.Success, takeover is null ? null : From()).Length;
                        written++;
                        atStall += takeover?.SwitchedOnStall == true ? 1 : 0;
                        nearGoal += takeover?.SwitchedNearGoal == true ? 1 : 0;
                        bar.Increment(1);
                    }
                    else
                    {
                        writer.DiscardEpisode();
                        discarded++;
                    }
                }
            });
        var seconds = wall.Elapsed.TotalSeconds;
        var table = new Table().AddColumns("dataset", "episodes written", "discarded (expert failed)", "frames", "dataset fps", "collection frames/s");
        table.AddRow(Markup.Escape(Path.GetFullPath(output)), $"{written}", $"{discarded}", $"{frames}",
            $"{profile.ControlRateHz:0.#}", $"{frames / Math.Max(seconds, 1e-9):0}");
        AnsiConsole.Write(table);
        if (takeover is not null)
            AnsiConsole.MarkupLine($"{finishedFirst} episodes ended before the expert took over from {Markup.Escape(takeoverFrom!)} (nothing to record)"
                + (takeoverOnStall ? $"; {atStall} of those written were taken over at a stall" : "")
                + (takeoverNearGoal is not null ? $"; {nearGoal} near the goal" : ""));
        return written == episodes ? 0 : 1;
    }
}
