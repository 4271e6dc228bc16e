using Controller.Abstractions;
using Controller.Transports.Bus;
using StbImageWriteSharp;

namespace Controller.Transports.Robots;

/// <summary>
/// Exposes any <see cref="IRobot"/> and its <see cref="ICamera"/>s on the bus (what `sim serve --mqtt/--zmq` runs):
/// state and frames go out as streams; commands come in (stale, out-of-order, wrong-sized ones and any while e-stopped
/// are rejected and counted) and go to <see cref="IRobot.SendAction"/>; e-stop engage/release comes in on estop
/// (engage is never dropped for age: fail-safe) and is acknowledged on ack. Callbacks run on the robot's, cameras' and
/// transport's threads; nothing here blocks them.
/// </summary>
public sealed class BusRobotServer(IRobot robot, IReadOnlyList<ICamera> cameras, BusChannel channel, bool jpegFrames = false, int jpegQuality = 80) : IAsyncDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _gate = new();
    private volatile bool _estopped;
    private long _applied;
    private JointCommand? _last;

    public const string Role = "robot";

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
        var t = channel.Topics;
        var profile = robot.Profile;
        var commandGate = new SequenceGate(channel.Sender.Time, profile.StaleAfter);
        var estopGate = new SequenceGate(channel.Sender.Time, TimeSpan.FromSeconds(2));
        _subscriptions.Add(channel.On<CommandMessage>(t.Command, BusQos.Stream, (_, m) => OnCommand(m), commandGate));
        _subscriptions.Add(channel.On<EStopMessage>(t.EStop, BusQos.Reliable, (_, m) => OnEStop(m), estopGate, m => m.Engage));
        await robot.ConnectAsync(state => channel.Post(t.State, h => new StateMessage(h, state)), cancellationToken);
        foreach (var camera in cameras)
            await camera.StartAsync(frame => channel.Post(t.Camera(frame.CameraId), h => ToMessage(h, frame)), cancellationToken);
        await channel.PublishAsync(t.Birth(Role), h => new BirthMessage(h, Role, profile.JointNames, [.. cameras.Select(c => c.Id)], profile.ControlRateHz),
            BusQos.Reliable, retain: true, cancellationToken);
    }

    private FrameMessage ToMessage(BusHeader h, Frame f)
    {
        if (!jpegFrames || f.Format is not (PixelFormat.Rgb8 or PixelFormat.Mono8 or PixelFormat.Rgba8))
            return new FrameMessage(h, f.CameraId, BusCodec.FormatName(f.Format), f.Width, f.Height, f.Timestamp, f.Pixels);
        using var ms = new MemoryStream();
        var components = f.Format switch
        {
            PixelFormat.Mono8 => ColorComponents.Grey,
            PixelFormat.Rgba8 => ColorComponents.RedGreenBlueAlpha,
            _ => ColorComponents.RedGreenBlue,
        };
        new ImageWriter().WriteJpg(f.Pixels.ToArray(), f.Width, f.Height, components, ms, jpegQuality);
        return new FrameMessage(h, f.CameraId, "jpeg", f.Width, f.Height, f.Timestamp, ms.ToArray());
    }

    private void OnCommand(CommandMessage m)
    {
        if (_estopped)
        {
            channel.Reject("estopped");
            return;
        }
        if (m.Command.Positions.Length != robot.Profile.Dof)
        {
            channel.Reject("dof_mismatch");
            return;
        }
        var sent = robot.SendAction(m.Command);
        Interlocked.Increment(ref _applied);
        lock (_gate)
            _last = sent;
    }

    private void OnEStop(EStopMessage m)
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
