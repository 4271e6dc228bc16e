using Controller.Abstractions;

namespace Controller.Host.Fakes;

/// <summary>
/// A deterministic in-process arm for the foundation demo and tests: each joint moves toward its
/// commanded target as a first-order lag (time constant <see cref="TimeConstant"/>), stepping on the
/// injected <see cref="TimeProvider"/>'s timer at the profile rate. It reports state and renders
/// one bar per joint into each camera. A stand-in until the MuJoCo sim replaces it.
/// </summary>
public sealed class FakeArm(RobotProfile profile, TimeProvider time) : IRobot
{
    private readonly Lock _gate = new();
    private readonly double[] _position = [.. profile.Joints.Select((j, i) => (profile.Workspace.Min[i] + profile.Workspace.Max[i]) / 2)];
    private readonly double[] _velocity = new double[profile.Dof];
    private double[] _target = [.. profile.Joints.Select((j, i) => (profile.Workspace.Min[i] + profile.Workspace.Max[i]) / 2)];
    private readonly List<Action<Frame>> _frameListeners = [];
    private ITimer? _timer;
    private Action<RobotState>? _onState;

    public static TimeSpan TimeConstant { get; } = TimeSpan.FromMilliseconds(100);

    public RobotProfile Profile => profile;

    /// <summary>Commands received, for tests and the demo summary.</summary>
    public long Commands { get; private set; }

    public IReadOnlyList<ICamera> Cameras => [.. profile.Cameras.Select(c => new FakeCamera(this, c))];

    public Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken)
    {
        _onState = onState;
        _timer = time.CreateTimer(_ => Step(), null, TimeSpan.Zero, profile.TickPeriod);
        return Task.CompletedTask;
    }

    public JointCommand SendAction(JointCommand command)
    {
        lock (_gate)
        {
            if (command.Positions.Length == profile.Dof)
                _target = (double[])command.Positions.Clone();
            Commands++;
        }
        return command;
    }

    internal void AddFrameListener(Action<Frame> listener)
    {
        lock (_gate)
            _frameListeners.Add(listener);
    }

    private void Step()
    {
        RobotState state;
        Action<Frame>[] listeners;
        lock (_gate)
        {
            var dt = profile.TickPeriod.TotalSeconds;
            var alpha = 1 - Math.Exp(-dt / TimeConstant.TotalSeconds);
            for (var j = 0; j < _position.Length; j++)
            {
                var next = _position[j] + alpha * (_target[j] - _position[j]);
                _velocity[j] = (next - _position[j]) / dt;
                _position[j] = next;
            }
            state = new RobotState(profile.JointNames, (double[])_position.Clone(), (double[])_velocity.Clone(), time.GetUtcNow());
            listeners = [.. _frameListeners];
        }
        _onState?.Invoke(state);
        foreach (var camera in profile.Cameras)
        {
            var frame = Render(camera, state);
            foreach (var l in listeners)
                l(frame);
        }
    }

    /// <summary>Draws one vertical bar per joint whose height is the joint's position within its workspace.</summary>
    private Frame Render(CameraSpec camera, RobotState state)
    {
        var pixels = new byte[camera.Width * camera.Height * 3];
        var barWidth = Math.Max(1, camera.Width / profile.Dof);
        for (var j = 0; j < profile.Dof; j++)
        {
            var share = (state.Positions[j] - profile.Workspace.Min[j]) / (profile.Workspace.Max[j] - profile.Workspace.Min[j]);
            var top = camera.Height - (int)Math.Round(Math.Clamp(share, 0, 1) * camera.Height);
            for (var y = top; y < camera.Height; y++)
            {
                for (var x = j * barWidth; x < Math.Min(camera.Width, (j + 1) * barWidth - 1); x++)
                {
                    var p = (y * camera.Width + x) * 3;
                    pixels[p] = (byte)(60 + 40 * j);
                    pixels[p + 1] = 180;
                    pixels[p + 2] = (byte)(255 - 40 * j);
                }
            }
        }
        return new Frame(camera.Name, PixelFormat.Rgb8, camera.Width, camera.Height, state.Stamp, pixels);
    }

    public ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        return ValueTask.CompletedTask;
    }
}
