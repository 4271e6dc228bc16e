using Controller.Abstractions;
using System.CommandLine;
using Controller.Cli.Live;
using Controller.Host.Control;
using Controller.Host.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>
/// `controller run`: the control loop against one robot connection. Each transport adds a
/// <see cref="RobotConnector"/> (an option such as --ros URL and how it registers robot, cameras and policy).
/// </summary>
public static class RunCommand
{
    /// <summary>How to reach a robot: the option that selects it and the registrations it makes.</summary>
    public sealed record RobotConnector(Option<string> Option, Action<HostApplicationBuilder, string> Register);

    /// <summary>Robot connections `run` knows, one line per transport.</summary>
    public static IReadOnlyList<RobotConnector> Connectors { get; } =
    [
        new(new Option<string>("--ros") { Description = "Connect to an arm behind rosbridge v2 at this URL (e.g. ws://127.0.0.1:9090 from `sim serve`), following the robot profile" }, (b, url) => Controller.Transports.Robots.RosRobotHostExtensions.AddRosArm(b, new Uri(url), sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()))),
        new(new Option<string>("--sim") { Description = "Run the in-process MuJoCo sim-arm on this task (reach, push) with its scripted expert" }, (b, task) => Controller.Sim.Robot.SimHostExtensions.AddSimArm(b, task)),
        new(new Option<string>("--mqtt") { Description = "Reach the robot over MQTT through this broker (mqtt://host:1883, mqtts:// for TLS); e.g. one served by `sim serve --mqtt`" }, (b, url) => Controller.Transports.Robots.BusHostExtensions.AddBusRobot(b, Controller.Transports.Bus.BusTransportKind.Mqtt, url, sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()))),
        new(new Option<string>("--zmq") { Description = "Reach the robot over ZeroMQ at tcp://host:P (state/frames from P, commands to P+1); e.g. one served by `sim serve --zmq`" }, (b, url) => Controller.Transports.Robots.BusHostExtensions.AddBusRobot(b, Controller.Transports.Bus.BusTransportKind.Zmq, url, sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()))),
    ];

    /// <summary>
    /// Policies `run --policy NAME` can use on any robot, one line per policy. Without --policy each
    /// connection uses its default (the sim its expert, the others the scripted policy).
    /// </summary>
    public static IReadOnlyDictionary<string, Func<IServiceProvider, IPolicy>> Policies { get; } = new Dictionary<string, Func<IServiceProvider, IPolicy>>
    {
        ["scripted"] = sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()),
    };

    public static Command Create()
    {
        var robot = new Option<string>("--robot") { Description = "Robot profile (robots/<name>/profile.json)", DefaultValueFactory = _ => "sim-arm" };
        var seconds = new Option<double>("--seconds") { Description = "Stop after this many seconds (default: until Ctrl+C)", DefaultValueFactory = _ => double.PositiveInfinity };
        var engage = new Option<bool>("--engage") { Description = "Go Autonomous as soon as inputs are fresh (default: wait Paused for an operator)" };
        var instruction = new Option<string>("--instruction") { Description = "Instruction given to the policy", DefaultValueFactory = _ => "" };
        var fake = new Option<bool>("--fake") { Description = "Drive the in-process deterministic fake arm with the scripted policy" };
        var policy = new Option<string>("--policy") { Description = $"Policy to run: {string.Join(", ", Policies.Keys)} (default: the connection's own)" };
        var set = new Option<string[]>("--set") { Description = "Override a setting, e.g. --set Controller:Scheduler:ActionsPerChunk=4 (repeatable)" };
        var cmd = new Command("run", "Run the control loop against a robot. Choose one connection: --fake" + string.Concat(Connectors.Select(c => $", {c.Option.Name} URL")) + ".")
        {
            robot, seconds, engage, instruction, fake, policy, set,
        };
        foreach (var c in Connectors)
            cmd.Options.Add(c.Option);
        cmd.SetAction((p, ct) => CliErrors.RunAsync(async () =>
        {
            var chosen = Connectors.Where(c => !string.IsNullOrEmpty(p.GetValue(c.Option))).ToList();
            var count = chosen.Count + (p.GetValue(fake) ? 1 : 0);
            if (count != 1)
            {
                AnsiConsole.MarkupLine($"[red]choose exactly one robot connection[/]: --fake{string.Concat(Connectors.Select(c => $", {c.Option.Name} URL"))}");
                return 2;
            }
            var s = p.GetValue(seconds);
            if (s <= 0)
            {
                AnsiConsole.MarkupLine("[red]--seconds must be > 0[/]");
                return 2;
            }
            var overrides = (p.GetValue(set) ?? []).Select(kv => kv.Split('=', 2)).ToArray();
            if (overrides.Any(kv => kv.Length != 2 || kv[0].Length == 0))
            {
                AnsiConsole.MarkupLine("[red]--set expects KEY=VALUE, e.g. --set Controller:Scheduler:ActionsPerChunk=4[/]");
                return 2;
            }
            var builder = ControllerApp.CreateBuilder(
            [
                new("Controller:Robot", p.GetValue(robot)),
                new("Controller:Instruction", p.GetValue(instruction)),
                new("Controller:AutoEngage", p.GetValue(engage).ToString()),
                .. overrides.Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])),
            ], quietLogs: true);
            if (chosen.Count == 1)
                chosen[0].Register(builder, p.GetValue(chosen[0].Option)!);
            else
                builder.AddFakeArm();
            if (p.GetValue(policy) is { } name)
            {
                if (!Policies.TryGetValue(name, out var create))
                {
                    AnsiConsole.MarkupLine($"[red]unknown policy '{name.EscapeMarkup()}'[/]; known: {string.Join(", ", Policies.Keys)}");
                    return 2;
                }
                builder.Services.AddSingleton(create); // the last IPolicy registration wins
            }
            using var host = builder.Build();
            await host.StartAsync(ct);
            var loop = host.Services.GetRequiredService<ControlLoop>();
            var profile = host.Services.GetRequiredService<Controller.Abstractions.RobotProfile>();
            // The view ends early when the loop service stops (e.g. the robot could not be reached).
            var service = host.Services.GetServices<IHostedService>().OfType<ControlLoopService>().Single();
            await LiveLoop.ShowAsync(loop, profile, s, null, ct, service.ExecuteTask);
            await host.StopAsync(CancellationToken.None);
            if (service.ExecuteTask is { IsFaulted: true } failed)
                throw failed.Exception!.GetBaseException();
            return 0;
        }));
        return cmd;
    }
}
