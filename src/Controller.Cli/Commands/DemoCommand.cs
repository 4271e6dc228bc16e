using System.CommandLine;
using Controller.Abstractions;
using Controller.Cli.Live;
using Controller.Host.Control;
using Controller.Host.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>
/// `controller demo`: the whole loop, live in the terminal. Today it drives the deterministic
/// in-process FakeArm with the ScriptedPolicy (the README says so); the sim and the model replace them.
/// Script: wait for fresh inputs → engage → run → e-stop → reset (to Paused) → engage → summary.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long the demo runs, in seconds", DefaultValueFactory = _ => 8 };
        var robot = new Option<string>("--robot") { Description = "Robot profile to drive (robots/<name>/profile.json)", DefaultValueFactory = _ => "sim-arm" };
        var cmd = new Command("demo", "Run the controller end to end on an in-process arm and show it live: modes, tick latency, safety, joint targets.") { seconds, robot };
        cmd.SetAction((p, ct) => RunAsync(p.GetValue(robot)!, p.GetValue(seconds), ct));
        return cmd;
    }

    private static async Task<int> RunAsync(string robot, double seconds, CancellationToken ct)
    {
        if (seconds is <= 0 or > 3600)
        {
            AnsiConsole.MarkupLine("[red]--seconds must be in (0, 3600][/]");
            return 2;
        }
        var builder = ControllerApp.CreateBuilder([new("Controller:Robot", robot)], quietLogs: true);
        builder.AddFakeArm();
        using var host = builder.Build();
        await host.StartAsync(ct);
        var loop = host.Services.GetRequiredService<ControlLoop>();
        var profile = host.Services.GetRequiredService<RobotProfile>();
        var arm = host.Services.GetRequiredService<FakeArm>();
        var transitions = new List<string>();
        loop.Arbiter.Changed += t => transitions.Add($"{t.From} -> {t.To} ({t.Reason})");
        AnsiConsole.MarkupLine($"[bold]controller demo[/]: {profile.Name} ({profile.Dof} joints, {profile.ControlRateHz} Hz), scripted policy on the in-process fake arm");
        var phase = 0;
        var tickMs = await LiveLoop.ShowAsync(loop, profile, seconds, (s, t) => phase = Script(loop, s, t, phase), ct);
        await host.StopAsync(CancellationToken.None);

        var final = loop.Status;
        var summary = new Table().Border(TableBorder.Rounded).Title("summary").AddColumn("what").AddColumn("value");
        summary.AddRow("ticks", final.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        summary.AddRow("commands the arm received", arm.Commands.ToString(System.Globalization.CultureInfo.InvariantCulture));
        summary.AddRow("policy calls", final.PolicyCalls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        summary.AddRow("tick p50 / p99 (ms)", tickMs.Count == 0 ? "-" : $"{LoopView.Percentile(tickMs, 0.5):F3} / {LoopView.Percentile(tickMs, 0.99):F3}");
        summary.AddRow("holds / clamps", $"{final.Holds} / {final.Clamps}");
        summary.AddRow("mode transitions", string.Join("\n", transitions));
        AnsiConsole.Write(summary);
        var ok = final.PolicyCalls > 0 && arm.Commands > 0 && final.Mode == ControlMode.Autonomous;
        AnsiConsole.MarkupLine(ok ? "[green]demo finished: the loop closed, e-stop latched and reset to Paused as designed[/]" : "[red]demo did not close the loop[/]");
        return ok ? 0 : 1;
    }

    /// <summary>Engage once inputs are fresh; e-stop at 50%; reset at 60% (to Paused); engage again at 70%.</summary>
    private static int Script(ControlLoop loop, LoopStatus s, double progress, int phase)
    {
        var a = loop.Arbiter;
        switch (phase)
        {
            case 0 when s.StaleInputs.Count == 0 && s.Ticks > 2:
                a.Engage("demo: inputs fresh");
                return 1;
            case 1 when progress > 0.5:
                a.EStop("demo: e-stop button");
                return 2;
            case 2 when progress > 0.6:
                a.Reset("demo: operator reset");
                return 3;
            case 3 when progress > 0.7:
                a.Engage("demo: operator engages again");
                return 4;
            default:
                return phase;
        }
    }
}
