using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StbImageWriteSharp;

namespace Controller.Transports.Robots;

/// <summary>
/// Serves an <see cref="IRosRobotPlant"/> (the sim) behind a <see cref="RosbridgeServer"/> exactly like a
/// ros2_control robot behind rosbridge_server: publishes joint_states, camera image_raw and
/// image_raw/compressed (JPEG), the task instruction and success; accepts JointTrajectory
/// (timed points, interpolated), Float64MultiArray and JointJog commands, the FollowJointTrajectory
/// action, and a std_srvs/Trigger reset service. Topic names come from the robot profile.
/// <para>Threading: one loop task owns the plant. Incoming commands are validated on the client's
/// receive loop and handed over through volatile fields; stale and out-of-limit commands are
/// rejected with a metric and never reach the plant.</para>
/// </summary>
public sealed partial class RosRobotServer : IAsyncDisposable
{
    private const string MetricSource = "ros.robot_server";

    private readonly RosbridgeServer _server;
    private readonly IRosRobotPlant _plant;
    private readonly RosRobotServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly RobotProfile _profile;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly CancellationTokenSource _stop = new();
    private Plan? _plan;                        // written by command handlers, read by the loop
    private TaskCompletionSource<string>? _resetRequest;
    private Task? _loop;
    private long _ticks;
    private bool _success;

    /// <summary>A timed target sequence in profile joint order: due[i] is when targets[i] must be reached.</summary>
    private sealed record Plan(DateTimeOffset[] Due, double[][] Targets, long Generation);

    private long _generation;

    public RosRobotServer(RosbridgeServer server, IRosRobotPlant plant, RosRobotServerOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _server = server;
        _plant = plant;
        _profile = plant.Profile;
        _options = options ?? new RosRobotServerOptions();
        _time = time ?? TimeProvider.System;
        _log = logger ?? NullLogger.Instance;
    }

    /// <summary>Control ticks stepped so far.</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>Commands accepted from clients (trajectories, forward commands, jogs, goals).</summary>
    public long CommandsAccepted => Interlocked.Read(ref _generation);

    public string ImageTopic(string camera) => $"/camera/{camera}/image_raw";

    public string CompressedTopic(string camera) => $"/camera/{camera}/image_raw/compressed";

    /// <summary>The FollowJointTrajectory action next to the trajectory topic, e.g. /arm_controller/follow_joint_trajectory.</summary>
    public string ActionName => _profile.Topics.JointTrajectory[..(_profile.Topics.JointTrajectory.LastIndexOf('/') + 1)] + "follow_joint_trajectory";

    /// <summary>Advertises everything and starts the loop thread.</summary>
    public void Start()
    {
        var t = _profile.Topics;
        _server.Advertise<JointState>(t.JointStates);
        foreach (var cam in _profile.Cameras)
        {
            _server.Advertise<Image>(ImageTopic(cam.Name));
            _server.Advertise<CompressedImage>(CompressedTopic(cam.Name));
        }
        _server.Advertise<StringMessage>(_options.InstructionTopic);
        _server.Advertise<BoolMessage>(_options.SuccessTopic);
        _server.ClientSubscribed += OnClientSubscribed;
        _subscriptions.Add(_server.Subscribe<JointTrajectory>(t.JointTrajectory, OnTrajectory));
        _subscriptions.Add(_server.Subscribe<Float64MultiArray>(t.ForwardCommand, OnForward));
        _subscriptions.Add(_server.Subscribe<JointJog>(t.Jog, OnJog));
        _server.AdvertiseService<TriggerRequest, TriggerResponse>(_options.ResetService, ResetAsync);
        _server.AdvertiseAction(ActionName, FollowJointTrajectory.RosType.Format(_server.Options.Dialect), FollowAsync);
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        LogServing(_log, _profile.Name, _server.Uri, t.JointStates, t.JointTrajectory);
    }

    private void OnClientSubscribed(string topic, RosCompression _)
    {
        if (topic == _options.InstructionTopic)
            _server.Publish(topic, new StringMessage(_plant.Instruction));
        else if (topic == _options.SuccessTopic)
            _server.Publish(topic, new BoolMessage(Volatile.Read(ref _success)));
    }

    // ---------------------------------------------------------------- commands (client receive loops)

    private void OnTrajectory(JointTrajectory jt)
    {
        var now = _time.GetUtcNow();
        var start = jt.Header.Stamp is { Sec: 0, Nanosec: 0 } ? now : jt.Header.Stamp.ToDateTimeOffset();
        var plan = ToPlan(jt, start, now);
        if (plan is not null)
            Accept(plan);
    }

    /// <summary>Maps a trajectory to profile order and absolute due times; null (and a reject) when unusable or stale.</summary>
    private Plan? ToPlan(JointTrajectory jt, DateTimeOffset start, DateTimeOffset now)
    {
        if (jt.Points.Length == 0)
            return Reject<Plan>("empty_trajectory");
        var index = _profile.JointNames.Select(n => Array.IndexOf(jt.JointNames, n)).ToArray();
        if (index.Any(i => i < 0))
            return Reject<Plan>("trajectory_joint_names");
        var due = new DateTimeOffset[jt.Points.Length];
        var targets = new double[jt.Points.Length][];
        for (var p = 0; p < jt.Points.Length; p++)
        {
            var pos = jt.Points[p].Positions;
            if (pos.Length != jt.JointNames.Length)
                return Reject<Plan>("trajectory_point_size");
            targets[p] = [.. index.Select(i => pos[i])];
            if (!InLimits(targets[p]))
                return Reject<Plan>("trajectory_out_of_limits");
            due[p] = start + jt.Points[p].TimeFromStart.ToTimeSpan();
        }
        if (now - due[^1] > _profile.StaleAfter)
            return Reject<Plan>("stale_trajectory");
        return new Plan(due, targets, 0);
    }

    private void OnForward(Float64MultiArray cmd)
    {
        if (cmd.Data.Length != _profile.Dof || !InLimits(cmd.Data))
        {
            Reject<Plan>("forward_command");
            return;
        }
        Accept(new Plan([_time.GetUtcNow()], [cmd.Data], 0));
    }

    private void OnJog(JointJog jog)
    {
        var now = _time.GetUtcNow();
        if (jog.Header.Stamp is not { Sec: 0, Nanosec: 0 } && now - jog.Header.Stamp.ToDateTimeOffset() > _profile.StaleAfter)
        {
            Reject<Plan>("stale_jog");
            return;
        }
        var current = Volatile.Read(ref _lastTargets);
        var next = (double[])current.Clone();
        for (var j = 0; j < jog.JointNames.Length; j++)
        {
            var i = _profile.JointNames.ToList().IndexOf(jog.JointNames[j]);
            if (i < 0)
            {
                Reject<Plan>("jog_joint_names");
                return;
            }
            var d = j < jog.Displacements.Length ? jog.Displacements[j] : j < jog.Velocities.Length ? jog.Velocities[j] * Math.Max(jog.Duration, _profile.TickPeriod.TotalSeconds) : 0;
            next[i] = current[i] + d;
        }
        if (!InLimits(next))
        {
            Reject<Plan>("jog_out_of_limits");
            return;
        }
        Accept(new Plan([now + TimeSpan.FromSeconds(Math.Max(jog.Duration, 0))], [next], 0));
    }

    private void Accept(Plan plan) => Volatile.Write(ref _plan, plan with { Generation = Interlocked.Increment(ref _generation) });

    private bool InLimits(double[] targets)
    {
        for (var i = 0; i < targets.Length; i++)
            if (!double.IsFinite(targets[i]) || targets[i] < _profile.Joints[i].MinPosition || targets[i] > _profile.Joints[i].MaxPosition)
                return false;
        return targets.Length == _profile.Dof;
    }

    private T? Reject<T>(string reason) where T : class
    {
        ControllerMetrics.Reject(MetricSource, reason);
        LogRejected(_log, reason);
        return null;
    }

    private async Task<TriggerResponse> ResetAsync(TriggerRequest _, CancellationToken ct)
    {
        var request = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _resetRequest, request);
        var instruction = await request.Task.WaitAsync(ct).ConfigureAwait(false);
        return new TriggerResponse(true, instruction);
    }

    private async Task<RosActionOutcome> FollowAsync(RosMap goalMap, RosActionGoalContext ctx)
    {
        var goal = FollowJointTrajectory.Goal.FromRos(goalMap);
        var now = _time.GetUtcNow();
        var start = goal.Trajectory.Header.Stamp is { Sec: 0, Nanosec: 0 } ? now : goal.Trajectory.Header.Stamp.ToDateTimeOffset();
        var plan = ToPlan(goal.Trajectory, start, now);
        if (plan is null)
            return RosActionOutcome.Aborted(new FollowJointTrajectory.Result(FollowJointTrajectory.InvalidGoal, "trajectory rejected (joint names, limits or stale)").ToRos(_server.Options.Dialect));
        Accept(plan);
        var mine = Volatile.Read(ref _plan)!.Generation;
        var names = _profile.JointNames.ToArray();
        while (true)
        {
            await Task.Delay(_profile.TickPeriod, _time, ctx.Cancellation).ConfigureAwait(false);
            var current = Volatile.Read(ref _plan);
            if (current is null || current.Generation != mine)
                return RosActionOutcome.Aborted(new FollowJointTrajectory.Result(FollowJointTrajectory.InvalidGoal, "preempted by a newer command").ToRos(_server.Options.Dialect));
            var state = Volatile.Read(ref _lastState);
            if (state is not null)
                ctx.SendFeedback(new FollowJointTrajectory.Feedback(Header.Now(_time), names, Volatile.Read(ref _lastTargets), state.Positions).ToRos(_server.Options.Dialect));
            if (_time.GetUtcNow() >= plan.Due[^1])
                return RosActionOutcome.Succeeded(new FollowJointTrajectory.Result(FollowJointTrajectory.Successful).ToRos(_server.Options.Dialect));
        }
    }

    // ---------------------------------------------------------------- the loop (owns the plant)

    private double[] _lastTargets = [];
    private RobotState? _lastState;

    private async Task RunAsync()
    {
        var period = _profile.TickPeriod;
        Volatile.Write(ref _lastTargets, _plant.HoldTargets());
        var from = Volatile.Read(ref _lastTargets);
        long planGeneration = -1;
        var next = _time.GetTimestamp();
        var instructionEvery = Math.Max(1, (int)Math.Round(_profile.ControlRateHz));
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (Interlocked.Exchange(ref _resetRequest, null) is { } reset)
                {
                    var instruction = _plant.Reset();
                    Volatile.Write(ref _plan, null);
                    Volatile.Write(ref _lastTargets, _plant.HoldTargets());
                    Volatile.Write(ref _success, false);
                    reset.TrySetResult(instruction);
                    _server.Publish(_options.InstructionTopic, new StringMessage(instruction));
                    _server.Publish(_options.SuccessTopic, new BoolMessage(false));
                }
                var now = _time.GetUtcNow();
                var plan = Volatile.Read(ref _plan);
                if (plan is not null && plan.Generation != planGeneration)
                {
                    planGeneration = plan.Generation;
                    from = Volatile.Read(ref _lastTargets);
                }
                var targets = plan is null ? Volatile.Read(ref _lastTargets) : Interpolate(plan, from, now);
                Volatile.Write(ref _lastTargets, targets);
                var success = _plant.Step(targets);
                var state = _plant.ReadState();
                Volatile.Write(ref _lastState, state);
                var ticks = Interlocked.Increment(ref _ticks);
                _server.Publish(_profile.Topics.JointStates, new JointState(new Header(RosTime.FromDateTimeOffset(now)), [.. state.JointNames], state.Positions, state.Velocities, []));
                if (success != Volatile.Read(ref _success) || ticks % instructionEvery == 0)
                {
                    Volatile.Write(ref _success, success);
                    _server.Publish(_options.SuccessTopic, new BoolMessage(success));
                    _server.Publish(_options.InstructionTopic, new StringMessage(_plant.Instruction));
                }
                if (ticks % Math.Max(1, _options.CameraEveryTicks) == 0)
                    PublishCameras();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // the sim must keep serving: log, count and go on with the next tick
                ControllerMetrics.Reject(MetricSource, "tick_failed");
                LogTickFailed(_log, e.ToString());
            }
            if (_options.RealTime)
            {
                next += (long)(period.TotalSeconds * _time.TimestampFrequency);
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), next);
                if (wait < -period * 5)
                    next = _time.GetTimestamp(); // fell far behind: do not try to catch up in a burst
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
            else
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>Linear interpolation from the targets held when the plan arrived, through the plan's timed points.</summary>
    private static double[] Interpolate(Plan plan, double[] from, DateTimeOffset now)
    {
        var k = Array.FindIndex(plan.Due, d => d > now);
        if (k < 0)
            return plan.Targets[^1];
        var (t0, p0) = k == 0 ? (plan.Due[0] - (plan.Due.Length > 1 ? plan.Due[1] - plan.Due[0] : TimeSpan.Zero), from) : (plan.Due[k - 1], plan.Targets[k - 1]);
        var span = (plan.Due[k] - t0).TotalSeconds;
        var a = span <= 0 ? 1 : Math.Clamp((now - t0).TotalSeconds / span, 0, 1);
        var p1 = plan.Targets[k];
        var r = new double[p1.Length];
        for (var i = 0; i < r.Length; i++)
            r[i] = p0[i] + a * (p1[i] - p0[i]);
        return r;
    }

    private void PublishCameras()
    {
        foreach (var cam in _profile.Cameras)
        {
            var raw = _server.SubscriberCount(ImageTopic(cam.Name)) > 0;
            var jpeg = _server.SubscriberCount(CompressedTopic(cam.Name)) > 0;
            if (!raw && !jpeg)
                continue;
            var frame = _plant.Render(cam.Name);
            // stamp at capture: after rendering, so frame age downstream is honest
            var header = new Header(RosTime.FromDateTimeOffset(_time.GetUtcNow()), cam.Name);
            var bpp = frame.Format.BytesPerPixel();
            var encoding = frame.Format switch { PixelFormat.Bgr8 => "bgr8", PixelFormat.Mono8 => "mono8", PixelFormat.Rgba8 => "rgba8", _ => "rgb8" };
            if (raw)
                _server.Publish(ImageTopic(cam.Name), new Image(header, (uint)frame.Height, (uint)frame.Width, encoding, 0, (uint)(frame.Width * bpp), frame.Pixels.ToArray()));
            if (jpeg)
                _server.Publish(CompressedTopic(cam.Name), new CompressedImage(header, "jpeg", Jpeg(frame)));
        }
    }

    private byte[] Jpeg(Frame frame)
    {
        var components = frame.Format switch
        {
            PixelFormat.Mono8 => ColorComponents.Grey,
            PixelFormat.Rgba8 => ColorComponents.RedGreenBlueAlpha,
            _ => ColorComponents.RedGreenBlue,
        };
        using var ms = new MemoryStream();
        new ImageWriter().WriteJpg(frame.Pixels.ToArray(), frame.Width, frame.Height, components, ms, _options.JpegQuality);
        return ms.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _server.ClientSubscribed -= OnClientSubscribed;
        foreach (var s in _subscriptions)
            s.Dispose();
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving robot {Robot} on {Uri}: state on {States}, trajectories on {Trajectory}")]
    private static partial void LogServing(ILogger logger, string robot, Uri uri, string states, string trajectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "robot server: command rejected ({Reason})")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "robot server: tick failed: {Error}")]
    private static partial void LogTickFailed(ILogger logger, string error);
}
