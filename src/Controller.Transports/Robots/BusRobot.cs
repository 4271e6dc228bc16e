using Controller.Abstractions;
using Controller.Transports.Bus;

namespace Controller.Transports.Robots;

/// <summary>
/// A robot reached over the bus (`run --mqtt URL` / `--zmq URL`): joint state comes in on state, joint commands go out
/// on command (stream: the newest wins). States that are stale (older than the profile's stale_after_ms), out of
/// order, or for other joints than the profile's are rejected and counted. <see cref="SendAction"/> never blocks.
/// </summary>
public sealed class BusRobot(RobotProfile profile, BusChannel channel, TimeSpan? firstStateTimeout = null) : IRobot
{
    private IDisposable? _subscription;
    private long _states;

    public RobotProfile Profile => profile;

    public long States => Interlocked.Read(ref _states);

    /// <summary>Subscribes to state and waits for the first valid one (default 5 s); throws <see cref="TimeoutException"/> naming the topic otherwise.</summary>
    public async Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken)
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new SequenceGate(channel.Sender.Time, profile.StaleAfter);
        var names = profile.JointNames;
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
        var timeout = firstStateTimeout ?? TimeSpan.FromSeconds(5);
        try
        {
            await first.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no valid joint state for '{profile.Name}' on {channel.Transport.Name} topic {channel.Topics.State} within {timeout.TotalSeconds:0.#} s (is the robot/sim serving? same cell/robot names?)");
        }
    }

    public JointCommand SendAction(JointCommand command)
    {
        channel.Post(channel.Topics.Command, h => new CommandMessage(h, command));
        return command;
    }

    public ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        return ValueTask.CompletedTask;
    }
}
