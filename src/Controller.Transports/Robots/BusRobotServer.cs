using Controller.Abstractions;
using Controller.Transports.Bus;
using StbImageWriteSharp;

namespace Controller.Transports.Robots;

/// <summary>
/// Exposes any <see cref="IRobot"/> and its <see cref="ICamera"/>s on one or more buses (what `sim serve --mqtt/--zmq`
/// runs): state and frames go out as streams on every channel; commands come in from any channel (stale, out-of-order,
/// wrong-sized ones and any while e-stopped are rejected and counted) and go to <see cref="IRobot.SendAction"/>;
/// e-stop engage/release comes in on estop (engage is never dropped for age: fail-safe), latches for all channels and is
/// acknowledged on ack. With <c>connectRobot: false</c> the caller owns the robot's and cameras' callbacks (e.g. to fan
/// out to ROS as well) and feeds <see cref="OnState"/>/<see cref="OnFrame"/> itself. Nothing here blocks the callers' threads.
/// </summary>
public sealed class BusRobotServer : IAsyncDisposable
{
    private readonly IRobot _robot;
    private readonly IReadOnlyList<ICamera> _cameras;
    private readonly IReadOnlyList<BusChannel> _channels;
    private readonly bool _connectRobot;
    private readonly bool _jpegFrames;
    private readonly int _jpegQuality;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _gate = new();
    private volatile bool _estopped;
    private long _applied;
    private JointCommand? _last;

    public const string Role = "robot";

    public BusRobotServer(IRobot robot, IReadOnlyList<ICamera> cameras, BusChannel channel, bool jpegFrames = false, int jpegQuality = 80)
        : this(robot, cameras, [channel], jpegFrames, jpegQuality)
    {
    }

    public BusRobotServer(IRobot robot, IReadOnlyList<ICamera> cameras, IReadOnlyList<BusChannel> channels, bool jpegFrames = false, int jpegQuality = 80,
        bool connectRobot = true)
    {
        _robot = robot;
        _cameras = cameras;
        _channels = channels;
        _jpegFrames = jpegFrames;
        _jpegQuality = jpegQuality;
        _connectRobot = connectRobot;
    }

    public bool IsEStopped => _estopped;

    /// <summary>Commands handed to the robot.</summary>
    public long CommandsApplied => Interlocked.Read(ref _applied);

    public JointCommand? LastCommand
    {
        get { lock (_gate) return _last; }
    }

    /// <summary>Raised with the new e-stop state after each accepted estop message.</summary>
    public event Action<bool>? EStopChanged;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var profile = _robot.Profile;
        foreach (var channel in _channels)
        {
            var t = channel.Topics;
            var commandGate = new SequenceGate(channel.Sender.Time, profile.StaleAfter);
            var estopGate = new SequenceGate(channel.Sender.Time, TimeSpan.FromSeconds(2));
            var ch = channel;
            _subscriptions.Add(channel.On<CommandMessage>(t.Command, BusQos.Stream, (_, m) => OnCommand(ch, m), commandGate));
            _subscriptions.Add(channel.On<EStopMessage>(t.EStop, BusQos.Reliable, (_, m) => OnEStop(ch, m), estopGate, m => m.Engage));
        }
        if (_connectRobot)
        {
            await _robot.ConnectAsync(OnState, cancellationToken);
            foreach (var camera in _cameras)
                await camera.StartAsync(OnFrame, cancellationToken);
        }
        foreach (var channel in _channels)
        {
            await channel.PublishAsync(channel.Topics.Birth(Role), h => new BirthMessage(h, Role, profile.JointNames, [.. _cameras.Select(c => c.Id)], profile.ControlRateHz),
                BusQos.Reliable, retain: true, cancellationToken);
        }
    }

    /// <summary>Publishes one joint state on every channel. Never blocks; call from the robot's thread.</summary>
    public void OnState(RobotState state)
    {
        foreach (var c in _channels)
            c.Post(c.Topics.State, h => new StateMessage(h, state));
    }

    /// <summary>Publishes one frame on every channel (raw, or JPEG when enabled). Never blocks; call from the camera's thread.</summary>
    public void OnFrame(Frame frame)
    {
        byte[]? jpeg = _jpegFrames ? Jpeg(frame) : null;
        foreach (var c in _channels)
        {
            c.Post(c.Topics.Camera(frame.CameraId), h => jpeg is null
                ? new FrameMessage(h, frame.CameraId, BusCodec.FormatName(frame.Format), frame.Width, frame.Height, frame.Timestamp, frame.Pixels)
                : new FrameMessage(h, frame.CameraId, "jpeg", frame.Width, frame.Height, frame.Timestamp, jpeg));
        }
    }

    private byte[]? Jpeg(Frame f)
    {
        if (f.Format is not (PixelFormat.Rgb8 or PixelFormat.Mono8 or PixelFormat.Rgba8))
            return null;
        using var ms = new MemoryStream();
        var components = f.Format switch
        {
            PixelFormat.Mono8 => ColorComponents.Grey,
            PixelFormat.Rgba8 => ColorComponents.RedGreenBlueAlpha,
            _ => ColorComponents.RedGreenBlue,
        };
        new ImageWriter().WriteJpg(f.Pixels.ToArray(), f.Width, f.Height, components, ms, _jpegQuality);
        return ms.ToArray();
    }

    private void OnCommand(BusChannel channel, CommandMessage m)
    {
        if (_estopped)
        {
            channel.Reject("estopped");
            return;
        }
        if (m.Command.Positions.Length != _robot.Profile.Dof)
        {
            channel.Reject("dof_mismatch");
            return;
        }
        var sent = _robot.SendAction(m.Command);
        Interlocked.Increment(ref _applied);
        lock (_gate)
            _last = sent;
    }

    private void OnEStop(BusChannel channel, EStopMessage m)
    {
        _estopped = m.Engage;
        EStopChanged?.Invoke(m.Engage);
        channel.Post(channel.Topics.Ack, h => new AckMessage(h, BusKinds.EStop, m.Header.Sender, m.Header.Sequence, true, m.Engage ? "stopped" : "released"),
            BusQos.Reliable);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var s in _subscriptions)
            s.Dispose();
        _subscriptions.Clear();
        return ValueTask.CompletedTask;
    }
}
