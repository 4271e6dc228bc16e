using Controller.Abstractions;

namespace Controller.Transports.Robots;

/// <summary>
/// Serves the plant a <see cref="RosRobotServer"/> drives (the MuJoCo sim in `sim serve`) on the bus as well, so that
/// the same sim robot is reachable over ROS, MQTT and ZeroMQ at once. It sits between the ROS server and the plant:
/// every state the loop reads is published on the bus, every <c>cameraEveryTicks</c> steps each camera is rendered and
/// published, and bus commands (received through <see cref="SendAction"/> from a <see cref="BusRobotServer"/>) steer the
/// plant. The most recent commander wins: a bus command overrides the ROS targets until ROS targets change again.
/// State and frames are restamped with the wall clock (a sim stamps them with sim time). All plant calls stay on the ROS server's loop thread; <see cref="SendAction"/> may come from any thread.
/// </summary>
public sealed class BusPlantTap(IRosRobotPlant inner, int cameraEveryTicks = 1, TimeProvider? time = null) : IRosRobotPlant, IRobot
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private JointCommand? _pending;
    private double[]? _busTargets;
    private double[]? _rosPrevious;
    private long _ticks;

    /// <summary>The server that publishes what this tap sees; set before the ROS server starts ticking.</summary>
    public BusRobotServer? Server { get; set; }

    public RobotProfile Profile => inner.Profile;

    public string Instruction => inner.Instruction;

    /// <summary>The profile's cameras by name (for the birth message; frames come from <see cref="Step"/>).</summary>
    public IReadOnlyList<ICamera> Cameras => [.. inner.Profile.Cameras.Select(c => new NamedCamera(c.Name))];

    public string Reset()
    {
        lock (_gate)
        {
            _busTargets = null;
            _pending = null;
        }
        return inner.Reset();
    }

    public double[] HoldTargets() => inner.HoldTargets();

    public bool Step(double[] targets)
    {
        double[] chosen;
        lock (_gate)
        {
            var rosChanged = _rosPrevious is not null && !_rosPrevious.AsSpan().SequenceEqual(targets);
            _rosPrevious = targets;
            if (_pending is not null)
            {
                _busTargets = _pending.Positions;
                _pending = null;
            }
            else if (rosChanged)
            {
                _busTargets = null; // ROS commands again
            }
            chosen = _busTargets ?? targets;
        }
        var success = inner.Step(chosen);
        if (Server is { } server && ++_ticks % Math.Max(1, cameraEveryTicks) == 0)
        {
            foreach (var c in inner.Profile.Cameras)
                server.OnFrame(inner.Render(c.Name) with { Timestamp = _time.GetUtcNow() }); // wall clock at capture, as on ROS
        }
        return success;
    }

    public RobotState ReadState()
    {
        var s = inner.ReadState();
        // A sim stamps state with sim time; bus receivers judge freshness on the wall clock, as ROS clients do.
        Server?.OnState(s with { Stamp = _time.GetUtcNow() });
        return s;
    }

    public Frame Render(string camera) => inner.Render(camera);

    /// <summary>The loop owns the plant; the bus server only feeds commands in.</summary>
    public Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Queues a bus command for the next plant step and returns it.</summary>
    public JointCommand SendAction(JointCommand command)
    {
        lock (_gate)
            _pending = command;
        return command;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class NamedCamera(string id) : ICamera
    {
        public string Id => id;

        public Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
