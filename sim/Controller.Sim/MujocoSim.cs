using Controller.Abstractions.Telemetry;
using Controller.Sim.Native;

namespace Controller.Sim;

/// <summary>MuJoCo object kinds the wrapper looks names up for (values of mjtObj in MuJoCo 2.2).</summary>
public enum SimObject
{
    Body = 1,
    Joint = 3,
    Geom = 5,
    Site = 6,
    Camera = 7,
    Actuator = 18,
}

/// <summary>A joint of the loaded model: MuJoCo type (0 free, 1 ball, 2 slide, 3 hinge), addresses into qpos/qvel, and range.</summary>
public sealed record SimJoint(string Name, int Id, int Type, int QposAddress, int DofAddress, bool Limited, double Min, double Max);

/// <summary>A position actuator: the joint it drives and its control range.</summary>
public sealed record SimActuator(string Name, int Id, int JointId, double Min, double Max);

/// <summary>
/// One MuJoCo model + data pair with offscreen rendering, over the native shim.
/// Thread-safety: every member takes an instance lock, so calls from several threads are serialised;
/// separate instances run in parallel. Rendering makes this instance's own OSMesa context current on
/// the calling thread for each call. Failures throw <see cref="SimException"/> with MuJoCo's text.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit] // error buffers are written by the shim before they are read
public sealed unsafe class MujocoSim : IDisposable
{
    private readonly Lock _gate = new();
    private IntPtr _handle;
    private readonly Dictionary<string, int>[] _ids = [.. Enumerable.Range(0, 19).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal))];

    private MujocoSim(IntPtr handle, string source)
    {
        _handle = handle;
        Source = source;
        var sizes = stackalloc int[8];
        NativeMethods.cm_sizes(handle, sizes);
        (Nq, Nv, Nu, BodyCount, JointCount, CameraCount, SiteCount) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5], sizes[6]);
        Timestep = NativeMethods.cm_timestep(handle);
        Joints = [.. Enumerable.Range(0, JointCount).Select(ReadJoint)];
        Actuators = [.. Enumerable.Range(0, Nu).Select(ReadActuator)];
        Cameras = [.. Enumerable.Range(0, CameraCount).Select(i => NameOf(SimObject.Camera, i))];
    }

    /// <summary>Where the model came from (a path, or "string").</summary>
    public string Source { get; }

    public int Nq { get; }
    public int Nv { get; }
    public int Nu { get; }
    public int BodyCount { get; }
    public int JointCount { get; }
    public int CameraCount { get; }
    public int SiteCount { get; }

    /// <summary>Physics step in seconds (MJCF option timestep).</summary>
    public double Timestep { get; }

    public IReadOnlyList<SimJoint> Joints { get; }
    public IReadOnlyList<SimActuator> Actuators { get; }
    public IReadOnlyList<string> Cameras { get; }

    /// <summary>The seed given to the last <see cref="Reset"/>.</summary>
    public ulong Seed { get; private set; }

    /// <summary>Simulated time in seconds since the last reset.</summary>
    public double Time { get { lock (_gate) return NativeMethods.cm_time(Handle); } }

    /// <summary>MuJoCo's version number, e.g. 222 for 2.2.2. Throws <see cref="SimException"/> when the shim cannot be loaded.</summary>
    public static int MujocoVersion => Guard(NativeMethods.cm_mujoco_version);

    public static MujocoSim LoadFile(string path)
    {
        if (!File.Exists(path))
            throw new SimException($"MJCF file not found: {path}");
        _ = MujocoVersion; // surfaces a missing shim as SimException
        var err = stackalloc byte[NativeMethods.ErrLen];
        if (NativeMethods.cm_load_file(Path.GetFullPath(path), out var h, err, NativeMethods.ErrLen) != 0)
            throw new SimException($"{path}: {NativeMethods.Text(err, NativeMethods.ErrLen)}");
        return new MujocoSim(h, path);
    }

    public static MujocoSim LoadXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        _ = MujocoVersion; // surfaces a missing shim as SimException
        var err = stackalloc byte[NativeMethods.ErrLen];
        if (NativeMethods.cm_load_string(xml, out var h, err, NativeMethods.ErrLen) != 0)
            throw new SimException($"MJCF string: {NativeMethods.Text(err, NativeMethods.ErrLen)}");
        return new MujocoSim(h, "string");
    }

    private static T Guard<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (DllNotFoundException e)
        {
            throw new SimException("the native shim libcontroller_mujoco.so was not found; build sim/Controller.Sim (needs cmake, libmujoco-dev, libosmesa6-dev)", e);
        }
    }

    private IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(MujocoSim));

    private static void Check(int rc, byte* err, string what)
    {
        if (rc != 0)
            throw new SimException($"{what}: {NativeMethods.Text(err, NativeMethods.ErrLen)}");
    }

    // ---------------------------------------------------------------- names

    private string NameOf(SimObject kind, int id)
    {
        var buf = stackalloc byte[256];
        NativeMethods.cm_id2name(_handle, (int)kind, id, buf, 256);
        return NativeMethods.Text(buf, 256);
    }

    /// <summary>Id of a named object, or -1.</summary>
    public int TryId(SimObject kind, string name)
    {
        lock (_gate)
        {
            var map = _ids[(int)kind];
            if (!map.TryGetValue(name, out var id))
                map[name] = id = NativeMethods.cm_name2id(Handle, (int)kind, name);
            return id;
        }
    }

    /// <summary>Id of a named object; an unknown name throws <see cref="SimException"/> listing what exists for cameras, joints and actuators.</summary>
    public int Id(SimObject kind, string name)
    {
        var id = TryId(kind, name);
        if (id >= 0)
            return id;
        var known = kind switch
        {
            SimObject.Camera => $" Known cameras: {string.Join(", ", Cameras)}.",
            SimObject.Joint => $" Known joints: {string.Join(", ", Joints.Select(j => j.Name))}.",
            SimObject.Actuator => $" Known actuators: {string.Join(", ", Actuators.Select(a => a.Name))}.",
            _ => "",
        };
        throw new SimException($"unknown {kind.ToString().ToLowerInvariant()} '{name}' in model {Source}.{known}");
    }

    public SimJoint Joint(string name) => Joints[Id(SimObject.Joint, name)];

    private SimJoint ReadJoint(int id)
    {
        var info = stackalloc int[4];
        var range = stackalloc double[2];
        NativeMethods.cm_joint_info(_handle, id, info, range);
        return new SimJoint(NameOf(SimObject.Joint, id), id, info[0], info[1], info[2], info[3] != 0, range[0], range[1]);
    }

    private SimActuator ReadActuator(int id)
    {
        var info = stackalloc int[2];
        var range = stackalloc double[2];
        NativeMethods.cm_actuator_info(_handle, id, info, range);
        var limited = info[1] != 0;
        return new SimActuator(NameOf(SimObject.Actuator, id), id, info[0],
            limited ? range[0] : double.NegativeInfinity, limited ? range[1] : double.PositiveInfinity);
    }

    // ---------------------------------------------------------------- state

    /// <summary>Resets to the model's initial state and records <paramref name="seed"/> (physics itself is deterministic).</summary>
    public void Reset(ulong seed)
    {
        var err = stackalloc byte[NativeMethods.ErrLen];
        lock (_gate)
        {
            Check(NativeMethods.cm_reset(Handle, seed, err, NativeMethods.ErrLen), err, "reset");
            Seed = seed;
        }
    }

    /// <summary>Advances physics by <paramref name="n"/> steps of <see cref="Timestep"/>. Throws if the simulation diverges.</summary>
    public void Step(int n = 1)
    {
        var err = stackalloc byte[NativeMethods.ErrLen];
        lock (_gate)
            Check(NativeMethods.cm_step(Handle, n, err, NativeMethods.ErrLen), err, "step");
    }

    /// <summary>
    /// Sets every actuator's control (position targets, actuator order). NaN/∞ or a value outside an
    /// actuator's ctrlrange is rejected: <see cref="SimException"/>, counted as controller.input.rejected.
    /// </summary>
    public void SetControls(ReadOnlySpan<double> ctrl)
    {
        if (ctrl.Length != Nu)
        {
            ControllerMetrics.Reject("sim", "control_size");
            throw new SimException($"expected {Nu} controls, got {ctrl.Length}");
        }
        for (var i = 0; i < ctrl.Length; i++)
        {
            var a = Actuators[i];
            if (!double.IsFinite(ctrl[i]))
            {
                ControllerMetrics.Reject("sim", "control_not_finite");
                throw new SimException($"control for actuator '{a.Name}' is {ctrl[i]}; commands must be finite");
            }
            // A small tolerance so a target clipped to the limit in float arithmetic is not refused.
            if (ctrl[i] < a.Min - 1e-9 || ctrl[i] > a.Max + 1e-9)
            {
                ControllerMetrics.Reject("sim", "control_out_of_range");
                throw new SimException(FormattableString.Invariant($"control for actuator '{a.Name}' is {ctrl[i]:G6}, outside [{a.Min}, {a.Max}]"));
            }
        }
        var err = stackalloc byte[NativeMethods.ErrLen];
        lock (_gate)
        {
            fixed (double* p = ctrl)
                Check(NativeMethods.cm_set_ctrl(Handle, p, ctrl.Length, err, NativeMethods.ErrLen), err, "set controls");
        }
    }

    public void GetState(Span<double> qpos, Span<double> qvel)
    {
        if (qpos.Length != Nq || qvel.Length != Nv)
            throw new ArgumentException($"state buffers must hold nq={Nq} and nv={Nv} values");
        lock (_gate)
        {
            fixed (double* p = qpos)
            fixed (double* v = qvel)
                NativeMethods.cm_get_state(Handle, p, Nq, v, Nv);
        }
    }

    public (double[] Qpos, double[] Qvel) GetState()
    {
        var q = new double[Nq];
        var v = new double[Nv];
        GetState(q, v);
        return (q, v);
    }

    /// <summary>Overwrites qpos/qvel and recomputes kinematics (mj_forward).</summary>
    public void SetState(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel)
    {
        if (qpos.Length != Nq || qvel.Length != Nv)
            throw new ArgumentException($"state must hold nq={Nq} and nv={Nv} values");
        var err = stackalloc byte[NativeMethods.ErrLen];
        lock (_gate)
        {
            fixed (double* p = qpos)
            fixed (double* v = qvel)
                Check(NativeMethods.cm_set_state(Handle, p, Nq, v, Nv, err, NativeMethods.ErrLen), err, "set state");
        }
    }

    public Vec3 SitePosition(string site)
    {
        var id = Id(SimObject.Site, site);
        var pos = stackalloc double[3];
        lock (_gate)
            NativeMethods.cm_site_pose(Handle, id, pos, null);
        return new Vec3(pos[0], pos[1], pos[2]);
    }

    /// <summary>Body position (world) and orientation quaternion (w, x, y, z).</summary>
    public (Vec3 Position, double[] Quaternion) BodyPose(string body)
    {
        var id = Id(SimObject.Body, body);
        var pos = stackalloc double[3];
        var quat = new double[4];
        lock (_gate)
        {
            fixed (double* q = quat)
                NativeMethods.cm_body_pose(Handle, id, pos, q);
        }
        return (new Vec3(pos[0], pos[1], pos[2]), quat);
    }

    public Vec3 BodyPosition(string body) => BodyPose(body).Position;

    /// <summary>Moves a mocap body (a marker) to <paramref name="position"/>.</summary>
    public void SetMocap(string body, Vec3 position)
    {
        var id = Id(SimObject.Body, body);
        var pos = stackalloc double[] { position.X, position.Y, position.Z };
        var err = stackalloc byte[NativeMethods.ErrLen];
        lock (_gate)
            Check(NativeMethods.cm_set_mocap(Handle, id, pos, null, err, NativeMethods.ErrLen), err, $"move marker '{body}'");
    }

    /// <summary>Places the body of free joint <paramref name="joint"/> at rest at a position with a yaw angle (rad).</summary>
    public void PlaceFree(string joint, Vec3 position, double yaw)
    {
        var j = Joint(joint);
        if (j.Type != 0)
            throw new SimException($"joint '{joint}' is not a free joint");
        var (q, v) = GetState();
        q[j.QposAddress] = position.X;
        q[j.QposAddress + 1] = position.Y;
        q[j.QposAddress + 2] = position.Z;
        q[j.QposAddress + 3] = Math.Cos(yaw / 2);
        q[j.QposAddress + 4] = 0;
        q[j.QposAddress + 5] = 0;
        q[j.QposAddress + 6] = Math.Sin(yaw / 2);
        Array.Clear(v, j.DofAddress, 6);
        SetState(q, v);
    }

    // ---------------------------------------------------------------- rendering

    /// <summary>
    /// Renders fixed camera <paramref name="cameraId"/> at width × height into <paramref name="rgb"/>
    /// (RGB8, top row first, w*h*3 bytes). Blocking; about 1–3 ms at 64×64 on one CPU core.
    /// </summary>
    public void Render(int cameraId, int width, int height, Span<byte> rgb)
    {
        if (rgb.Length < width * height * 3)
            throw new ArgumentException($"buffer holds {rgb.Length} bytes; {width}x{height} RGB needs {width * height * 3}");
        var err = stackalloc byte[NativeMethods.ErrLen];
        lock (_gate)
        {
            fixed (byte* p = rgb)
                Check(NativeMethods.cm_render(Handle, cameraId, width, height, p, err, NativeMethods.ErrLen), err, $"render camera {cameraId}");
        }
    }

    public byte[] Render(string camera, int width, int height)
    {
        var rgb = new byte[width * height * 3];
        Render(Id(SimObject.Camera, camera), width, height, rgb);
        return rgb;
    }

    /// <summary>
    /// The shim's own loop over the same work as a C# loop of SetControls/Step/Render: per iteration set
    /// <paramref name="ctrl"/>, step <paramref name="steps"/> times, render when <paramref name="cameraId"/> ≥ 0.
    /// Returns wall seconds. For the wrapper-overhead benchmark.
    /// </summary>
    public double NativeBenchLoop(int iterations, int steps, ReadOnlySpan<double> ctrl, int cameraId, int width, int height)
    {
        var rgb = new byte[width * height * 3];
        var err = stackalloc byte[NativeMethods.ErrLen];
        double seconds;
        lock (_gate)
        {
            fixed (double* c = ctrl)
            fixed (byte* p = rgb)
                Check(NativeMethods.cm_bench_loop(Handle, iterations, steps, c, cameraId, width, height, p, &seconds, err, NativeMethods.ErrLen), err, "bench loop");
        }
        return seconds;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_handle == IntPtr.Zero)
                return;
            NativeMethods.cm_free(_handle);
            _handle = IntPtr.Zero;
        }
    }
}
