using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Controller.Transports.Robots;

/// <summary>
/// An arm behind rosbridge as an <see cref="IRobot"/>, following its <see cref="RobotProfile"/>:
/// joint state comes in on <c>ros.joint_states</c> (reordered to the profile's joints); commands go
/// out per <c>control_mode</c> as a stamped JointTrajectory, a Float64MultiArray or a JointJog.
/// <para>Stale commands are never sent: a command older than <c>stale_after_ms</c>, or not newer
/// (by sequence) than the last one sent, is rejected with a metric. <see cref="SendAction"/> never
/// blocks (the publish is queued on the client) and is safe to call from the control thread;
/// <c>onState</c> runs on the subscription's task.</para>
/// </summary>
public sealed partial class RosRobot(RosbridgeClient client, RobotProfile profile, ILogger? logger = null, TimeProvider? time = null) : IRobot
{
    private const string MetricSource = "ros.robot";

    private readonly ILogger _log = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private RosSubscription? _states;
    private RobotState? _latest;
    private JointCommand? _lastSent;
    private long _sent;

    public RobotProfile Profile => profile;

    /// <summary>Commands handed to the client for publishing.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public RobotState? Latest
    {
        get
        {
            lock (_gate)
                return _latest;
        }
    }

    public async Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken)
    {
        await client.EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var topic = profile.Topics.JointTrajectory;
        await (profile.ControlMode switch
        {
            RosControlMode.JointTrajectory => client.AdvertiseAsync<JointTrajectory>(topic, cancellationToken),
            RosControlMode.ForwardPosition => client.AdvertiseAsync<Float64MultiArray>(profile.Topics.ForwardCommand, cancellationToken),
            _ => client.AdvertiseAsync<JointJog>(profile.Topics.Jog, cancellationToken),
        }).ConfigureAwait(false);
        _states = await client.SubscribeAsync<JointState>(profile.Topics.JointStates, js =>
        {
            var state = ToRobotState(js);
            if (state is null)
                return;
            lock (_gate)
                _latest = state;
            onState(state);
        }, new SubscribeOptions { LocalQueue = 1 }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Maps a JointState (any joint order, extra joints allowed) to the profile's joints; null (and a reject) when one is missing.</summary>
    public RobotState? ToRobotState(JointState js)
    {
        var names = profile.JointNames;
        var positions = new double[names.Count];
        var velocities = js.Velocity.Length == js.Name.Length ? new double[names.Count] : [];
        for (var j = 0; j < names.Count; j++)
        {
            var i = Array.IndexOf(js.Name, names[j]);
            if (i < 0 || i >= js.Position.Length)
            {
                ControllerMetrics.Reject(MetricSource, "missing_joint");
                LogBadState(_log, profile.Topics.JointStates, $"joint '{names[j]}' is missing");
                return null;
            }
            positions[j] = js.Position[i];
            if (velocities.Length > 0)
                velocities[j] = js.Velocity[i];
        }
        var stamp = js.Header.Stamp.Sec == 0 && js.Header.Stamp.Nanosec == 0 ? _time.GetUtcNow() : js.Header.Stamp.ToDateTimeOffset();
        var state = new RobotState(names, positions, velocities, stamp);
        if (!state.IsWellFormed)
        {
            ControllerMetrics.Reject(MetricSource, "non_finite_state");
            return null;
        }
        return state;
    }

    /// <summary>
    /// Publishes one command per the profile's control mode and returns it. When the command is stale
    /// or malformed nothing is sent and the last command actually sent is returned with IsHold = true
    /// (or the given one flagged IsHold if nothing was ever sent).
    /// </summary>
    public JointCommand SendAction(JointCommand command)
    {
        var refusal = Refuse(command.Stamp, command.Sequence, command.Positions);
        if (refusal is not null)
            return Refused(command, refusal);
        var period = profile.TickPeriod;
        switch (profile.ControlMode)
        {
            case RosControlMode.JointTrajectory:
                Publish(profile.Topics.JointTrajectory, new JointTrajectory(new Header(RosTime.FromDateTimeOffset(command.Stamp)), [.. profile.JointNames],
                    [JointTrajectoryPoint.At(command.Positions, period)]));
                break;
            case RosControlMode.ForwardPosition:
                Publish(profile.Topics.ForwardCommand, new Float64MultiArray(command.Positions));
                break;
            default:
                var current = Latest;
                if (current is null)
                    return Refused(command, "no_state_for_jog");
                var delta = command.Positions.Select((p, i) => p - current.Positions[i]).ToArray();
                Publish(profile.Topics.Jog, new JointJog(new Header(RosTime.FromDateTimeOffset(command.Stamp)), [.. profile.JointNames], delta, [], period.TotalSeconds));
                break;
        }
        lock (_gate)
            _lastSent = command;
        return command;
    }

    /// <summary>
    /// Sends a whole chunk as one JointTrajectory (joint_trajectory mode): header stamp = chunk stamp and
    /// one point per step that is not yet due, with time_from_start = (i+1) × step period. In the other
    /// modes only the next due step is sent. Returns the number of steps sent (0 when all are stale).
    /// </summary>
    public int SendChunk(ActionChunk chunk)
    {
        var now = _time.GetUtcNow();
        var first = Enumerable.Range(0, chunk.Steps).FirstOrDefault(i => chunk.DueAt(i) >= now, -1);
        if (first < 0 || Refuse(chunk.Stamp + chunk.StepPeriod * first, chunk.Sequence, chunk.Targets[first]) is not null)
        {
            ControllerMetrics.Reject(MetricSource, "stale_chunk");
            return 0;
        }
        if (profile.ControlMode != RosControlMode.JointTrajectory)
        {
            SendAction(new JointCommand(chunk.Targets[first], chunk.DueAt(first) - chunk.StepPeriod, chunk.Sequence, chunk.Source));
            return 1;
        }
        if (chunk.Targets.Skip(first).Any(t => t.Length != profile.Dof || !Array.TrueForAll(t, double.IsFinite)))
        {
            ControllerMetrics.Reject(MetricSource, "bad_chunk");
            return 0;
        }
        var points = Enumerable.Range(first, chunk.Steps - first)
            .Select(i => JointTrajectoryPoint.At(chunk.Targets[i], chunk.StepPeriod * (i + 1)))
            .ToArray();
        Publish(profile.Topics.JointTrajectory, new JointTrajectory(new Header(RosTime.FromDateTimeOffset(chunk.Stamp)), [.. profile.JointNames], points));
        lock (_gate)
            _lastSent = new JointCommand(chunk.Targets[^1], chunk.Stamp, chunk.Sequence, chunk.Source);
        return points.Length;
    }

    /// <summary>Null when the command may go out, else the reject reason.</summary>
    private string? Refuse(DateTimeOffset stamp, long sequence, double[] positions)
    {
        if (positions.Length != profile.Dof || !Array.TrueForAll(positions, double.IsFinite))
            return "bad_command";
        if (_time.GetUtcNow() - stamp > profile.StaleAfter)
            return "stale_command";
        lock (_gate)
            if (_lastSent is { } last && sequence < last.Sequence)
                return "out_of_order_command";
        return null;
    }

    private JointCommand Refused(JointCommand command, string reason)
    {
        ControllerMetrics.Reject(MetricSource, reason);
        LogRefused(_log, command.Sequence, reason);
        lock (_gate)
            return (_lastSent ?? command) with { IsHold = true };
    }

    private void Publish<T>(string topic, T message) where T : IRosMessage<T>
    {
        Interlocked.Increment(ref _sent);
        _ = client.PublishAsync(topic, message).ContinueWith(t =>
        {
            if (t.IsFaulted || t is { IsCompletedSuccessfully: true, Result: false })
                LogNotSent(_log, topic, t.Exception?.GetBaseException().Message ?? "not connected");
        }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        if (_states is not null)
            await _states.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ROS robot: joint state on {Topic} rejected: {Reason}")]
    private static partial void LogBadState(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ROS robot: command {Sequence} not sent: {Reason}")]
    private static partial void LogRefused(ILogger logger, long sequence, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ROS robot: command on {Topic} not delivered: {Reason}")]
    private static partial void LogNotSent(ILogger logger, string topic, string reason);
}
