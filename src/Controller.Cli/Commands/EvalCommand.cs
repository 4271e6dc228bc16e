using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Controller.Abstractions;
using Controller.Sim.Eval;
using Controller.Sim.Imaging;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>`controller eval`: closed-loop episodes of a policy on a sim task, with a success table, JSON and a PNG plot.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = $"Task ({string.Join(", ", TaskRegistry.Names)})", DefaultValueFactory = _ => "reach" };
        var policy = new Option<string>("--policy") { Description = $"Policy name from the registry ({string.Join(", ", PolicyFactory.Names)}, …)", DefaultValueFactory = _ => "expert" };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to run", DefaultValueFactory = _ => 50 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the first episode; episode i uses seed + i", DefaultValueFactory = _ => 0UL };
        var noise = new Option<double>("--noise") { Description = "Noise level for policies that take one (expert)", DefaultValueFactory = _ => 0.0 };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file" };
        var plot = new Option<string?>("--plot") { Description = "PNG plot path (default: next to --json, else eval-<task>-<policy>.png)" };
        var policyOptions = new Option<string[]>("--policy-option") { Description = "KEY=VALUE passed to the policy factory (repeatable). For --policy model: checkpoint=DIR, camera=NAME, steps=N (of each 8-step chunk; default 4 for FAST action tokens, 8 for bins), ensemble=DECAY (temporal ensembling, off by default), temperature=T (sample every plan; default 0.25, 0 = greedy), stall-temperature=T (sample the next plan at T after the arm stood still for a chunk; default 1, 0 = off)", AllowMultipleArgumentsPerToken = false };
        var robot = new Option<string>("--robot") { Description = "Robot profile", DefaultValueFactory = _ => "sim-arm" };
        var render = new Option<bool>("--render") { Description = "Render camera frames every tick even if the policy does not need them (exercises the full observation path)" };
        var filmstrip = new Option<string?>("--filmstrip") { Description = "Save each failed episode to this directory as a PNG contact sheet of the first camera (every 4th step), to see why it failed. With --policy model, under each frame: the frame the model expects a chunk (8 steps) later under its own plan" };
        var cmd = new Command("eval", "Evaluate a policy in closed loop on a simulated task: success rate with a 95% Wilson interval.")
        {
            task, policy, episodes, seed, noise, json, plot, policyOptions, robot, render, filmstrip,
        };
        cmd.SetAction((ParseResult p, CancellationToken ct) => Task.FromResult(CliErrors.Run(() => Run(
            p.GetValue(robot)!, p.GetValue(task)!, p.GetValue(policy)!, p.GetValue(episodes), p.GetValue(seed), p.GetValue(noise),
            p.GetValue(json), p.GetValue(plot), p.GetValue(policyOptions) ?? [], p.GetValue(render), p.GetValue(filmstrip), ct))));
        return cmd;
    }

    private static int Run(string robot, string task, string policy, int episodes, ulong seed, double noise, string? json, string? plot, string[] rawOptions, bool render, string? filmstrip, CancellationToken ct)
    {
        if (episodes <= 0)
            throw new ArgumentException("--episodes must be positive");
        var options = ParseOptions(rawOptions);
        _ = TaskRegistry.Create(task);
        _ = PolicyFactory.Get(policy);
        var profile = RobotProfileLoader.Load(robot);
        EvalReport? report = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask($"{task} / {policy}", maxValue: episodes);
                report = Evaluator.Run(profile, task, policy, episodes, seed, noise, options, _ => bar.Increment(1), render, filmstrip, ct);
            });
        var r = report!;
        var table = new Table().AddColumns("task", "policy", "episodes", "seed", "success rate", "95% CI (Wilson)", "mean steps", "wall s");
        table.AddRow(r.Task, r.Policy, $"{r.Episodes}", $"{r.Seed}", Pct(r.SuccessRate), Markup.Escape($"[{Pct(r.CiLow)}, {Pct(r.CiHigh)}]"),
            r.MeanSteps.ToString("0.0", CultureInfo.InvariantCulture), r.WallSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(r.Failures.ToString());
        if (filmstrip is not null && r.Failures.Count > 0)
            AnsiConsole.MarkupLine($"filmstrips of the failures: {Markup.Escape(filmstrip)}");

        if (json is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
            File.WriteAllText(json, JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true }));
            AnsiConsole.MarkupLine($"report: {Markup.Escape(json)}");
        }
        var plotPath = plot ?? (json is not null ? Path.ChangeExtension(json, ".png") : $"eval-{task}-{policy}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(plotPath))!);
        File.WriteAllBytes(plotPath, EvalPlot.Render(r));
        AnsiConsole.MarkupLine($"plot: {Markup.Escape(plotPath)} (blue: running success rate; band: its 95% Wilson interval; dashed: 95%; bottom: green success / red failure per episode)");
        return 0;
    }

    private static string Pct(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>--policy-option KEY=VALUE pairs → a map (the last value of a repeated key wins).</summary>
    internal static Dictionary<string, string> ParseOptions(string[] raw)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in raw)
        {
            var i = kv.IndexOf('=', StringComparison.Ordinal);
            if (i <= 0)
                throw new ArgumentException($"--policy-option '{kv}' must look like KEY=VALUE");
            map[kv[..i]] = kv[(i + 1)..];
        }
        return map;
    }
}
