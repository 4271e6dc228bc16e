using Controller.Abstractions;
using Controller.Transports.Bus;

namespace Controller.Transports.Robots;

/// <summary>
/// A robot reached over the bus (`run --mqtt URL` / `--zmq URL`): joint state comes in on state, joint commands go out
/// on command (stream: the newest wins). States that are stale (older than the profile's stale_after_ms), out of
/// order, or for other joints than the profile's are rejected and counted. <see cref="SendAction"/> never blocks.
/// </summary>
public sealed class BusRobot : IRobot
{
    private readonly RobotProfile _profile;
    private readonly BusLink? _link;
    private readonly TimeSpan? _firstStateTimeout;
    private BusChannel? _channel;
    private IDisposable? _subscription;
    private long _states;

    public BusRobot(RobotProfile profile, BusChannel channel, TimeSpan? firstStateTimeout = null)
    {
        _profile = profile;
        _channel = channel;
        _firstStateTimeout = firstStateTimeout;
    }

    /// <summary>A robot whose bus connection opens on <see cref="ConnectAsync"/>.</summary>
    public BusRobot(RobotProfile profile, BusLink link, TimeSpan? firstStateTimeout = null)
    {
        _profile = profile;
        _link = link;
        _firstStateTimeout = firstStateTimeout;
    }

    public RobotProfile Profile => _profile;

    public long States => Interlocked.Read(ref _states);

    /// <summary>Subscribes to state and waits for the first valid one (default 5 s); throws <see cref="TimeoutException"/> naming the topic otherwise.</summary>
    public async Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken)
    {
        var channel = _channel ??= await _link!.ConnectAsync(cancellationToken);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new SequenceGate(channel.Sender.Time, _profile.StaleAfter);
        var names = _profile.JointNames;
        _subscription = channel.On<StateMessage>(channel.Topics.State, BusQos.Stream, (_, m) =>
        {
            if (!m.State.JointNames.SequenceEqual(names))
            {
                channel.Reject("joint_mismatch");
                return;
            }
            Interlocked.Increment(ref _states);
            onState(m.State);
            first.TrySetResult();
        }, gate);
        var timeout = _firstStateTimeout ?? TimeSpan.FromSeconds(5);
        try
        {
            await first.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no valid joint state for '{_profile.Name}' on {channel.Transport.Name} topic {channel.Topics.State} within {timeout.TotalSeconds:0.#} s (is the robot/sim serving? same cell/robot names?)");
        }
    }

    /// <summary>Queues the command for the bus and returns it; before <see cref="ConnectAsync"/> it is dropped (nothing to send to).</summary>
    public JointCommand SendAction(JointCommand command)
    {
        var channel = _channel;
        channel?.Post(channel.Topics.Command, h => new CommandMessage(h, command));
        return command;
    }

    public ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        return ValueTask.CompletedTask;
    }
}
