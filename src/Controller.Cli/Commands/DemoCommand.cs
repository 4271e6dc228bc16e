using System.CommandLine;
using System.Globalization;
using Controller.Abstractions;
using Controller.Cli.Live;
using Controller.Cli.Sim;
using Controller.Host.Control;
using Controller.Sim;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;
using Controller.Transports.Robots;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>
/// `controller demo`: the product end to end in one process. The MuJoCo sim-arm is served behind our
/// rosbridge server on a free loopback port (as `sim serve` does), and the controller drives it over
/// ROS exactly as it would a real arm (as `run --ros` does). By default the shipped world model does reach (the
/// task it solves most of the time; docs/model.md has the numbers); `--policy expert` runs the task's scripted expert.
/// Episodes are reset through the /sim/reset service and scored from /task/success.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = $"Task ({string.Join(", ", TaskRegistry.Names)})", DefaultValueFactory = _ => "reach" };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to run", DefaultValueFactory = _ => 5 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the first episode (the shipped model's demonstrations used seeds from 100000 up, so the default is one it never saw)", DefaultValueFactory = _ => 1_000UL };
        var policy = new Option<string>("--policy") { Description = "Policy: model (default: the shipped world model in models/default), expert (the task's scripted expert, which reads the sim's state), random", DefaultValueFactory = _ => "model" };
        var timeout = new Option<double>("--episode-seconds") { Description = "Give up on an episode after this many seconds", DefaultValueFactory = _ => 15 };
        var cmd = new Command("demo", "Run the controller end to end: the sim arm served over rosbridge, driven over ROS by the world model, live in the terminal.")
        {
            task, episodes, seed, policy, timeout,
        };
        cmd.SetAction((p, ct) => CliErrors.RunAsync(() => RunAsync(p.GetValue(task)!, p.GetValue(episodes), p.GetValue(seed), p.GetValue(policy)!, p.GetValue(timeout), ct)));
        return cmd;
    }

    private sealed record EpisodeResult(int Index, string Instruction, bool Success, double Seconds);

    private static async Task<int> RunAsync(string taskName, int episodes, ulong seed, string policyName, double episodeSeconds, CancellationToken ct)
    {
        if (episodes is < 1 or > 1000)
            throw new ArgumentException("--episodes must be in [1, 1000]");
        if (episodeSeconds is <= 0 or > 600)
            throw new ArgumentException("--episode-seconds must be in (0, 600]");
        var profile = RobotProfileLoader.Load("sim-arm");

        // The robot side: the sim behind rosbridge on 127.0.0.1, as `sim serve` runs it.
        using var plant = new SimEnvPlant(profile, taskName, seed - 1);
        await using var server = new RosbridgeServer(new RosbridgeServerOptions { Port = 0 });
        server.Start();
        await using var robotServer = new RosRobotServer(server, plant);
        robotServer.Start();

        // The controller side: the control loop reaching the arm over ROS only, as `run --ros` runs it.
        var policy = PolicyFactory.Create(policyName, new PolicyContext(plant.Env, seed));
        var builder = ControllerApp.CreateBuilder([new("Controller:Robot", profile.Name)], quietLogs: true);
        builder.AddRosArm(server.Uri, _ => policy);
        using var host = builder.Build();
        await host.StartAsync(ct);
        var loop = host.Services.GetRequiredService<ControlLoop>();
        var transitions = new List<string>();
        loop.Arbiter.Changed += t => transitions.Add($"{t.From} -> {t.To} ({t.Reason})");

        // The referee: resets and success over ROS too.
        await using var referee = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await referee.ConnectAsync(ct);
        var success = false;
        await referee.SubscribeAsync<BoolMessage>("/task/success", m => Volatile.Write(ref success, m.Data), cancellationToken: ct);

        AnsiConsole.MarkupLine($"[bold]controller demo[/]: {profile.Name} / {taskName.EscapeMarkup()}, policy [bold]{policyName.EscapeMarkup()}[/] ({PolicyFactory.Get(policyName).Description.EscapeMarkup()}), sim served on {server.Uri} and driven over rosbridge");
        if (policyName == "expert")
            AnsiConsole.MarkupLine("[yellow]the scripted expert drives: it reads the sim's state, which a real arm's controller would not have[/]");
        if (policyName == "model" && taskName == "push")
            AnsiConsole.MarkupLine("[yellow]the shipped model solves about 9 pushes in 10 in `eval` (docs/model.md); five live episodes vary more than that[/]");

        var results = new System.Collections.Concurrent.ConcurrentQueue<EpisodeResult>(); // written by the episode task, read by the view
        var current = (Index: 0, Instruction: "", Started: DateTime.UtcNow);
        var run = Task.Run(async () =>
        {
            for (var i = 1; i <= episodes && !ct.IsCancellationRequested; i++)
            {
                var reset = await referee.CallServiceAsync<TriggerRequest, TriggerResponse>("/sim/reset", new TriggerRequest(), TimeSpan.FromSeconds(10), ct);
                Volatile.Write(ref success, false);
                loop.Instruction = reset.Message;
                loop.RequestEpisodeReset();
                current = (i, reset.Message, DateTime.UtcNow);
                var solved = false;
                while (!ct.IsCancellationRequested && (DateTime.UtcNow - current.Started).TotalSeconds < episodeSeconds)
                {
                    // An operator would press "engage" again after a stale-input pause; the demo does it for them.
                    if (loop.Arbiter.Mode == ControlMode.Paused && loop.Status.StaleInputs.Count == 0)
                        loop.Arbiter.Engage($"demo: episode {i}");
                    await Task.Delay(50, ct);
                    // Ignore the first half second: a success published before the reset may still be in flight.
                    if ((DateTime.UtcNow - current.Started).TotalSeconds > 0.5 && Volatile.Read(ref success))
                    {
                        solved = true;
                        break;
                    }
                }
                results.Enqueue(new EpisodeResult(i, reset.Message, solved, (DateTime.UtcNow - current.Started).TotalSeconds));
            }
        }, ct);

        IEnumerable<(string, string)> Rows()
        {
            var done = results.ToArray();
            yield return ("task", $"{taskName.EscapeMarkup()}: \"{current.Instruction.EscapeMarkup()}\"");
            yield return ("episode", $"{current.Index} / {episodes}, {(DateTime.UtcNow - current.Started).TotalSeconds:F1} s");
            yield return ("successes", $"{done.Count(r => r.Success)} / {done.Length}");
        }
        var tickMs = await LiveLoop.ShowAsync(loop, profile, double.PositiveInfinity, null, ct, run, Rows);
        await run;
        await host.StopAsync(CancellationToken.None);
        return Summarise(loop.Status, [.. results], tickMs, transitions, robotServer.CommandsAccepted, policyName);
    }

    private static int Summarise(LoopStatus final, List<EpisodeResult> results, IReadOnlyList<double> tickMs, List<string> transitions, long commandsAccepted, string policyName)
    {
        var inv = CultureInfo.InvariantCulture;
        var episodes = new Table().Border(TableBorder.Rounded).Title("episodes").AddColumns("#", "instruction", "success", "seconds");
        foreach (var r in results)
            episodes.AddRow(r.Index.ToString(inv), r.Instruction.EscapeMarkup(), r.Success ? "[green]yes[/]" : "[red]no[/]", r.Seconds.ToString("F1", inv));
        AnsiConsole.Write(episodes);

        var summary = new Table().Border(TableBorder.Rounded).Title("summary").AddColumns("what", "value");
        summary.AddRow("policy", policyName.EscapeMarkup());
        summary.AddRow("success rate", $"{results.Count(r => r.Success)} / {results.Count}");
        summary.AddRow("ticks / policy calls", $"{final.Ticks} / {final.PolicyCalls}");
        summary.AddRow("commands the served arm accepted over ROS", commandsAccepted.ToString(inv));
        summary.AddRow("tick p50 / p99 (ms, policy included)", tickMs.Count == 0 ? "-" : $"{LoopView.Percentile(tickMs, 0.5):F2} / {LoopView.Percentile(tickMs, 0.99):F2}");
        summary.AddRow("holds / clamps / late steps", $"{final.Holds} / {final.Clamps} / {final.LateSteps}");
        summary.AddRow("mode transitions", string.Join("\n", transitions.TakeLast(8)).EscapeMarkup());
        AnsiConsole.Write(summary);
        var closed = final.PolicyCalls > 0 && commandsAccepted > 0;
        AnsiConsole.MarkupLine(closed ? "[green]demo finished: the loop closed over rosbridge[/]" : "[red]demo failed: the loop did not close[/]");
        return closed ? 0 : 1;
    }
}
