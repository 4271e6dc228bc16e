using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Sim.Tasks;

namespace Controller.Sim.Robot;

/// <summary>
/// The MuJoCo sim-arm as an <see cref="IRobot"/> for the control loop, with its cameras as
/// <see cref="SimCamera"/>s. After <see cref="ConnectAsync"/>, a dedicated loop thread ticks at the
/// profile rate (real time from the <see cref="TimeProvider"/>, or as fast as possible): it applies the
/// latest accepted command, steps physics, then reports state and frames. <see cref="SendAction"/> is
/// thread-safe and never blocks; a NaN or out-of-limit command is refused (metric
/// controller.input.rejected) and the last accepted targets are held.
/// </summary>
public sealed class SimRobot : IRobot
{
    private readonly SimEnv _env;
    private readonly SimRobotOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SimCamera> _cameras;
    private readonly CancellationTokenSource _stop = new();
    private double[] _targets;
    private Task? _loop;
    private long _ticks;

    public SimRobot(RobotProfile profile, SimRobotOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new SimRobotOptions();
        _time = timeProvider ?? TimeProvider.System;
        _env = new SimEnv(profile, TaskRegistry.Create(_options.Task), new SimEnvOptions { Render = false, ImageSize = _options.ImageSize });
        _env.Reset(_options.Seed);
        _targets = [.. _env.LastTargets];
        _cameras = profile.Cameras.ToDictionary(c => c.Name, c => new SimCamera(c.Name), StringComparer.Ordinal);
    }

    public RobotProfile Profile => _env.Profile;

    /// <summary>The instruction of the scene's current episode.</summary>
    public string Instruction => _env.Episode?.Instruction ?? "";

    /// <summary>Raised on the loop thread after every tick, with the tick count. Handlers must not block.</summary>
    public event Action<long>? Ticked;

    /// <summary>Whether the scene's task is solved right now (e.g. the tip is on the named target). Thread-safe.</summary>
    public bool TaskSucceeded => _env.Task.IsSuccess(_env.Sim, _env.Episode!);

    /// <summary>Control ticks simulated since connect.</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>Every camera of the profile, in profile order.</summary>
    public IReadOnlyList<SimCamera> Cameras => [.. Profile.Cameras.Select(c => _cameras[c.Name])];

    /// <summary>
    /// The task's scripted expert reading this robot's scene (privileged state), for driving the control
    /// loop without a model. Its reads go through the sim's instance lock, so it may run on the loop thread.
    /// </summary>
    public IPolicy ExpertPolicy(double noise = 0) => Experts.Experts.For(_env, noise, _options.Seed);

    /// <summary>The named camera; unknown names throw <see cref="SimException"/>.</summary>
    public SimCamera Camera(string name)
        => _cameras.TryGetValue(name, out var c)
            ? c
            : throw new SimException($"unknown camera '{name}'. Known cameras: {string.Join(", ", _cameras.Keys)}");

    public Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onState);
        if (_loop is not null)
            throw new InvalidOperationException("already connected");
        onState(_env.ReadState());
        _loop = Task.Factory.StartNew(() => RunAsync(onState), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The failure that stopped the loop (e.g. the simulation diverged), or null. After a fault the robot
    /// stops reporting state, so the control loop's watchdog sees it as stale and pauses.
    /// </summary>
    public Exception? Fault { get; private set; }

    private async Task RunAsync(Action<RobotState> onState)
    {
        try
        {
            await TickUntilStoppedAsync(onState).ConfigureAwait(false);
        }
        catch (SimException e)
        {
            Fault = e;
            ControllerMetrics.Reject("sim-robot", "sim_fault");
        }
    }

    private async Task TickUntilStoppedAsync(Action<RobotState> onState)
    {
        var period = Profile.TickPeriod;
        var next = _time.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            var targets = Volatile.Read(ref _targets);
            _env.Step(targets);
            var tick = Interlocked.Increment(ref _ticks);
            onState(_env.ReadState());
            foreach (var cam in _cameras.Values)
            {
                if (cam.Started)
                    cam.Publish(_env.Render(cam.Id));
            }
            Ticked?.Invoke(tick);
            if (_options.RealTime)
            {
                next += (long)(period.TotalSeconds * _time.TimestampFrequency);
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), next);
                try
                {
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, _time, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public JointCommand SendAction(JointCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var reason = Validate(command.Positions);
        if (reason is not null)
        {
            ControllerMetrics.Reject("sim-robot", reason);
            return command with { Positions = [.. Volatile.Read(ref _targets)], IsHold = true };
        }
        Volatile.Write(ref _targets, [.. command.Positions]);
        return command;
    }

    private string? Validate(double[] positions)
    {
        if (positions.Length != Profile.Dof)
            return "action_size";
        for (var i = 0; i < positions.Length; i++)
        {
            if (!double.IsFinite(positions[i]))
                return "action_not_finite";
            if (positions[i] < Profile.Joints[i].MinPosition || positions[i] > Profile.Joints[i].MaxPosition)
                return "action_out_of_range";
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        foreach (var cam in _cameras.Values)
            await cam.DisposeAsync().ConfigureAwait(false);
        _env.Dispose();
        _stop.Dispose();
    }
}
