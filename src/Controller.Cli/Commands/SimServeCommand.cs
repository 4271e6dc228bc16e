using System.CommandLine;
using Controller.Abstractions;
using Controller.Sim;
using Controller.Sim.Tasks;
using Controller.Transports.Robots;
using Controller.Cli.Sim;
using Controller.Transports.Rosbridge;
using Messages = Controller.Transports.Rosbridge.Messages;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>
/// `controller sim serve`: the MuJoCo sim in real time behind our rosbridge v2 server on 127.0.0.1, so
/// roslib, ROS tools and `controller run --ros` see it exactly like a real arm behind rosbridge_server.
/// </summary>
public static class SimServeCommand
{
    public static Command Create()
    {
        var robot = new Option<string>("--robot") { Description = "Robot profile", DefaultValueFactory = _ => "sim-arm" };
        var task = new Option<string>("--task") { Description = $"Task scene ({string.Join(", ", TaskRegistry.Names)})", DefaultValueFactory = _ => "push" };
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (rosbridge's usual port is 9090; 0 picks a free one)", DefaultValueFactory = _ => 9090 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the first episode (each /sim/reset uses the next one)", DefaultValueFactory = _ => 0UL };
        var seconds = new Option<double>("--seconds") { Description = "Stop after this many seconds (default: until Ctrl+C)", DefaultValueFactory = _ => double.PositiveInfinity };
        var ros1 = new Option<bool>("--ros1") { Description = "Speak ROS 1 type names and stamps (sensor_msgs/Image, secs/nsecs) instead of ROS 2" };
        var mqtt = new Option<string>("--mqtt") { Description = "Also serve the same sim on MQTT through this broker (mqtt://host:1883), or 'embedded' / 'embedded:PORT' to start one here" };
        var zmq = new Option<string>("--zmq") { Description = "Also serve the same sim on ZeroMQ: PUB state/frames on tcp://host:P, SUB commands on P+1" };
        var cell = new Option<string>("--cell") { Description = "Bus topic cell level (wm/v1/<cell>/<robot>/...)", DefaultValueFactory = _ => "cell0" };
        var cmd = new Command("serve", "Run the sim in real time behind a rosbridge v2 server (joint_states, cameras, trajectories, /sim/reset), and optionally on MQTT and ZeroMQ.")
        {
            robot, task, port, seed, seconds, ros1, mqtt, zmq, cell,
        };
        cmd.SetAction(async (ParseResult p, CancellationToken ct) =>
        {
            try
            {
                return await ServeAsync(p.GetValue(robot)!, p.GetValue(task)!, p.GetValue(port), p.GetValue(seed), p.GetValue(seconds), p.GetValue(ros1),
                    new BusServeOptions(p.GetValue(mqtt), p.GetValue(zmq), p.GetValue(cell)!), ct);
            }
            catch (Exception e) when (e is SimException or ProfileException or ArgumentException or System.Net.Sockets.SocketException or TimeoutException
                or NetMQ.NetMQException)
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>The bus side of sim serve: MQTT and/or ZeroMQ endpoints (none: ROS only).</summary>
    private sealed record BusServeOptions(string? Mqtt, string? Zmq, string Cell)
    {
        public bool Any => !string.IsNullOrEmpty(Mqtt) || !string.IsNullOrEmpty(Zmq);
    }

    private static async Task<int> ServeAsync(string robotName, string taskName, int port, ulong seed, double seconds, bool ros1, BusServeOptions busOptions, CancellationToken ct)
    {
        if (port is < 0 or > 65535)
            throw new ArgumentException("--port must be in [0, 65535]");
        if (seconds <= 0)
            throw new ArgumentException("--seconds must be > 0");
        var profile = RobotProfileLoader.Load(robotName);
        using var plant = new SimEnvPlant(profile, taskName, seed);
        await using var server = new RosbridgeServer(new RosbridgeServerOptions { Port = port, Dialect = ros1 ? RosDialect.Ros1 : RosDialect.Ros2 });
        server.Start();
        // The bus taps the plant the ROS server drives, so ROS, MQTT and ZeroMQ clients all see and steer the same sim.
        var tap = new BusPlantTap(plant);
        await using var bus = busOptions.Any
            ? await BusServe.StartAsync(tap, tap.Cameras, busOptions.Mqtt, busOptions.Zmq, busOptions.Cell, connectRobot: false, cancellationToken: ct)
            : null;
        tap.Server = bus?.Server;
        await using var host = new RosRobotServer(server, bus is null ? plant : tap);
        host.Start();

        var table = new Table().AddColumns("what", "ROS name", "type");
        var d = server.Options.Dialect;
        table.AddRow("joint state (out)", profile.Topics.JointStates, Messages.JointState.RosType.Format(d));
        foreach (var c in profile.Cameras)
        {
            table.AddRow($"camera {c.Name} (out)", host.ImageTopic(c.Name), Messages.Image.RosType.Format(d));
            table.AddRow($"camera {c.Name} jpeg (out)", host.CompressedTopic(c.Name), Messages.CompressedImage.RosType.Format(d));
        }
        table.AddRow("instruction / success (out)", "/task/instruction, /task/success", "std_msgs String, Bool");
        table.AddRow("trajectory (in)", profile.Topics.JointTrajectory, Messages.JointTrajectory.RosType.Format(d));
        table.AddRow("forward position (in)", profile.Topics.ForwardCommand, Messages.Float64MultiArray.RosType.Format(d));
        table.AddRow("jog (in)", profile.Topics.Jog, Messages.JointJog.RosType.Format(d));
        table.AddRow("action", host.ActionName, Messages.FollowJointTrajectory.RosType.Format(d));
        table.AddRow("reset (service)", "/sim/reset", Messages.TriggerRequest.RosType.Format(d));
        AnsiConsole.MarkupLine($"[green]sim serve[/]: {Markup.Escape(profile.Name)} / {Markup.Escape(taskName)} on [bold]{server.Uri}[/] — \"{Markup.Escape(plant.Instruction)}\"");
        AnsiConsole.Write(table);
        if (bus is not null)
        {
            var topics = new Controller.Transports.Bus.BusTopics(busOptions.Cell, profile.Name);
            AnsiConsole.MarkupLine($"[green]bus[/]: {Markup.Escape(string.Join(", ", bus.Endpoints))}; topics {Markup.Escape(topics.Root)}/{{state, camera/<name>, command, estop, ack, birth/robot}} (see docs/bus.md)");
        }

        try
        {
            if (double.IsPositiveInfinity(seconds))
                await Task.Delay(Timeout.Infinite, ct);
            else
                await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
        }
        catch (OperationCanceledException)
        {
        }
        AnsiConsole.MarkupLine($"served {host.Ticks} ticks, accepted {host.CommandsAccepted} commands, {server.ClientCount} clients connected at exit");
        if (bus is not null)
            AnsiConsole.MarkupLine($"bus: applied {bus.Server.CommandsApplied} commands, rejected {bus.Rejected} inputs");
        return 0;
    }
}
