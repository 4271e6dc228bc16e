using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Sim.Tasks;

namespace Controller.Sim;

/// <summary>
/// The synchronous episode API over one MuJoCo instance: Reset(seed) → Observation, then
/// Step(joint targets) → StepResult, one call per control tick (1 / profile.control_rate_hz of sim time,
/// i.e. 25 physics steps at 20 Hz). Frames are rendered once per tick, never per physics step.
/// Not thread-safe: one caller drives an environment; separate environments may run in parallel.
/// </summary>
public sealed class SimEnv : IDisposable
{
    private readonly int[] _qposAddress;
    private readonly int[] _dofAddress;
    private readonly int[] _actuatorOf; // profile joint i -> actuator index
    private readonly (string Name, int Id, int W, int H)[] _cameras;
    private readonly double[] _ctrl;
    private readonly double[] _qpos;
    private readonly double[] _qvel;
    private Random _rng = new(0); // the episode's stream: reset draws from it, then the task's disturbances

    public SimEnv(RobotProfile profile, SimTask task, SimEnvOptions? options = null)
    {
        Profile = profile;
        Task = task;
        Options = options ?? new SimEnvOptions();
        Sim = MujocoSim.LoadFile(Options.ModelPath ?? SimScene.FindModel());
        try
        {
            var n = profile.Dof;
            _qposAddress = new int[n];
            _dofAddress = new int[n];
            _actuatorOf = new int[n];
            for (var i = 0; i < n; i++)
            {
                var name = profile.Joints[i].Name;
                var j = Sim.Joint(name);
                if (j.Type is not (2 or 3))
                    throw new SimException($"profile joint '{name}' must be a hinge or slide joint in {Sim.Source}");
                _qposAddress[i] = j.QposAddress;
                _dofAddress[i] = j.DofAddress;
                var a = Sim.Actuators.FirstOrDefault(x => x.JointId == j.Id)
                    ?? throw new SimException($"profile joint '{name}' has no actuator in {Sim.Source}");
                _actuatorOf[i] = a.Id;
            }
            if (Sim.Nu != n)
                throw new SimException($"{Sim.Source} has {Sim.Nu} actuators but profile '{profile.Name}' has {n} joints");
            _cameras = [.. profile.Cameras.Select(c => (c.Name, Sim.Id(SimObject.Camera, c.Name),
                Options.ImageSize ?? c.Width, Options.ImageSize ?? c.Height))];
            SubSteps = Math.Max(1, (int)Math.Round(profile.TickPeriod.TotalSeconds / Sim.Timestep));
            _ctrl = new double[Sim.Nu];
            _qpos = new double[Sim.Nq];
            _qvel = new double[Sim.Nv];
        }
        catch
        {
            Sim.Dispose();
            throw;
        }
    }

    public RobotProfile Profile { get; }
    public SimTask Task { get; }
    public SimEnvOptions Options { get; }

    /// <summary>The underlying simulator (privileged state for experts and tests).</summary>
    public MujocoSim Sim { get; }

    /// <summary>Physics steps per control tick.</summary>
    public int SubSteps { get; }

    /// <summary>The current episode; null before the first <see cref="Reset"/>.</summary>
    public TaskEpisode? Episode { get; private set; }

    /// <summary>Control ticks taken in the current episode.</summary>
    public int StepIndex { get; private set; }

    /// <summary>The targets applied at the last tick (profile joint order).</summary>
    public double[] LastTargets { get; private set; } = [];

    public IReadOnlyList<string> CameraNames => [.. _cameras.Select(c => c.Name)];

    /// <summary>Starts an episode: arm to a jittered home pose, task objects randomised from <paramref name="seed"/>.</summary>
    public Observation Reset(ulong seed)
    {
        Sim.Reset(seed);
        var rng = _rng = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var j = Options.StartJitter;
        var home = new Vec3(0.2 + (rng.NextDouble() * 2 - 1) * j, (rng.NextDouble() * 2 - 1) * j, 0.2 + (rng.NextDouble() * 2 - 1) * j);
        var q = ArmKinematics.Inverse(Task.StartTip(rng, home));
        double[] start = [q[0], q[1], q[2], q[3], 0.0];
        Sim.GetState(_qpos, _qvel);
        Array.Clear(_qvel);
        for (var i = 0; i < Profile.Dof; i++)
            _qpos[_qposAddress[i]] = i < start.Length ? start[i] : 0;
        Sim.SetState(_qpos, _qvel);
        Episode = Task.Reset(Sim, rng);
        StepIndex = 0;
        ApplyTargets(start.Length == Profile.Dof ? start : [.. ReadState().Positions]);
        // Let blocks settle on the table before the first observation.
        Sim.Step(SubSteps);
        return Observe();
    }

    /// <summary>
    /// Applies joint position targets (profile order and units) for one tick and advances the sim.
    /// NaN/∞ or targets outside the profile's joint limits are rejected with <see cref="SimException"/>
    /// (counted as controller.input.rejected) and the sim does not advance.
    /// </summary>
    public StepResult Step(ReadOnlySpan<double> targets)
    {
        var episode = Current(nameof(Step));
        ApplyTargets(targets);
        Sim.Step(SubSteps);
        Task.Disturb(Sim, episode, _rng);
        StepIndex++;
        var remaining = Remaining();
        var success = remaining <= Task.SuccessDistance;
        var done = success || StepIndex >= Task.MaxSteps;
        return new StepResult(Observe(), success, done, StepIndex, remaining);
    }

    private void ApplyTargets(ReadOnlySpan<double> targets)
    {
        if (targets.Length != Profile.Dof)
        {
            ControllerMetrics.Reject("sim", "action_size");
            throw new SimException($"action has {targets.Length} values but '{Profile.Name}' has {Profile.Dof} joints");
        }
        for (var i = 0; i < targets.Length; i++)
        {
            var limits = Profile.Joints[i];
            var t = targets[i];
            if (!double.IsFinite(t))
            {
                ControllerMetrics.Reject("sim", "action_not_finite");
                throw new SimException($"target for joint '{limits.Name}' is {t}; actions must be finite");
            }
            if (t < limits.MinPosition - 1e-9 || t > limits.MaxPosition + 1e-9)
            {
                ControllerMetrics.Reject("sim", "action_out_of_range");
                throw new SimException(FormattableString.Invariant(
                    $"target for joint '{limits.Name}' is {t:G6}, outside its limits [{limits.MinPosition}, {limits.MaxPosition}]"));
            }
            _ctrl[_actuatorOf[i]] = t;
        }
        Sim.SetControls(_ctrl);
        LastTargets = targets.ToArray();
    }

    /// <summary>Sim time as a timestamp (Unix epoch + simulated seconds): deterministic across runs.</summary>
    public DateTimeOffset SimStamp => DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(Sim.Time);

    public RobotState ReadState()
    {
        Sim.GetState(_qpos, _qvel);
        var pos = new double[Profile.Dof];
        var vel = new double[Profile.Dof];
        for (var i = 0; i < Profile.Dof; i++)
        {
            pos[i] = _qpos[_qposAddress[i]];
            vel[i] = _qvel[_dofAddress[i]];
        }
        return new RobotState(Profile.JointNames, pos, vel, SimStamp);
    }

    /// <summary>Renders one profile camera (or any camera of the model) as an RGB8 frame.</summary>
    public Frame Render(string camera, int? width = null, int? height = null)
    {
        var spec = Array.Find(_cameras, c => c.Name == camera);
        var id = spec.Name is null ? Sim.Id(SimObject.Camera, camera) : spec.Id;
        var w = width ?? (spec.Name is null ? 64 : spec.W);
        var h = height ?? (spec.Name is null ? 64 : spec.H);
        var rgb = new byte[w * h * 3];
        Sim.Render(id, w, h, rgb);
        return new Frame(camera, PixelFormat.Rgb8, w, h, SimStamp, rgb);
    }

    /// <summary>The task's distance to success now (m): what <see cref="StepResult"/> reports after each step.</summary>
    public double Remaining() => Task.Remaining(Sim, Current(nameof(Remaining)));

    /// <summary>Where the object the instruction names is now (world, m).</summary>
    public Vec3 ObjectPosition() => Sim.BodyPosition(Current(nameof(ObjectPosition)).ObjectBody);

    private TaskEpisode Current(string caller) => Episode ?? throw new InvalidOperationException($"call Reset before {caller}");

    /// <summary>Names of <see cref="EnvironmentState"/>'s values, in order.</summary>
    public static readonly IReadOnlyList<string> EnvironmentNames = ["object_x", "object_y", "object_z", "goal_x", "goal_y", "goal_z"];

    /// <summary>
    /// Privileged scene state (LeRobot's <c>observation.environment_state</c>), metres in the world frame: where the
    /// object the instruction names is now (the reach sphere, the push block), then the task's goal position.
    /// Recorded in demonstrations as a training target; policies never receive it.
    /// </summary>
    public double[] EnvironmentState()
    {
        var goal = Current(nameof(EnvironmentState)).Goal;
        var o = ObjectPosition();
        return [o.X, o.Y, o.Z, goal.X, goal.Y, goal.Z];
    }

    public Observation Observe()
    {
        var frames = new Dictionary<string, Frame>(StringComparer.Ordinal);
        if (Options.Render)
        {
            foreach (var c in _cameras)
                frames[c.Name] = Render(c.Name);
        }
        return new Observation(frames, ReadState(), Episode?.Instruction ?? "", SimStamp);
    }

    public void Dispose() => Sim.Dispose();
}
