using System.Diagnostics;
using Controller.Abstractions;
using Controller.Abstractions.Buffers;
using Controller.Abstractions.Telemetry;
using Controller.Host.Scheduling;
using Controller.Safety;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Control;

/// <summary>
/// One control tick: read the latest inputs → watchdog → (refill from the policy) → schedule →
/// arbitrate → safety → send. Inputs arrive through <see cref="OnState"/>, <see cref="OnFrame"/>
/// and <see cref="SubmitTeleop"/> from any thread and only touch latest-value buffers.
/// <see cref="Tick"/> is called in the (real-time) control loop, from one thread at a time.
/// </summary>
public sealed partial class ControlLoop
{
    private const string StateInput = "state";
    private readonly RobotProfile _profile;
    private readonly IRobot _robot;
    private readonly IPolicy _policy;
    private readonly Arbiter _arbiter;
    private readonly SafetyLimiter _safety;
    private readonly ChunkScheduler _scheduler;
    private readonly Watchdog _watchdog;
    private readonly IReadOnlyList<IActionSink> _sinks;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly LatestValueBuffer<RobotState> _state = new();
    private readonly Dictionary<string, LatestValueBuffer<Frame>> _frames;
    private readonly Dictionary<string, CameraSpec> _cameras;
    private readonly LatestValueBuffer<JointCommand> _teleop = new();
    private readonly TimeSpan _maxCommandAge;
    private DateTimeOffset _lastTick;
    private long _sequence;
    private long _framesDroppedReported;
    private long _policyCallsThisTick;
    private ModeTransition? _lastTransition;
    private bool _resetRequested;
    private LoopStatus _status = LoopStatus.Empty;

    public ControlLoop(
        RobotProfile profile,
        IRobot robot,
        IPolicy policy,
        Arbiter arbiter,
        ChunkScheduler scheduler,
        IEnumerable<IActionSink> sinks,
        TimeProvider time,
        ILogger<ControlLoop> log,
        TimeSpan maxCommandAge,
        TimeSpan? staleAfter = null)
    {
        _profile = profile;
        _robot = robot;
        _policy = policy;
        _arbiter = arbiter;
        _scheduler = scheduler;
        _sinks = [.. sinks];
        _time = time;
        _log = log;
        _maxCommandAge = maxCommandAge;
        _safety = new SafetyLimiter(profile, maxCommandAge);
        _frames = profile.Cameras.ToDictionary(c => c.Name, _ => new LatestValueBuffer<Frame>());
        _cameras = profile.Cameras.ToDictionary(c => c.Name);
        _watchdog = new Watchdog(time, staleAfter ?? profile.StaleAfter, [StateInput, .. profile.Cameras.Select(c => CameraInput(c.Name))]);
        _arbiter.Changed += t =>
        {
            Volatile.Write(ref _lastTransition, t);
            LogTransition(t.From, t.To, t.Reason);
        };
    }

    /// <summary>The instruction given to the policy with every observation. Thread-safe.</summary>
    public string Instruction { get; set; } = "";

    public LoopStatus Status => Volatile.Read(ref _status);

    public Arbiter Arbiter => _arbiter;

    public Watchdog Watchdog => _watchdog;

    /// <summary>Robot-state callback. Rejects malformed state (counted); never blocks.</summary>
    public void OnState(RobotState state)
    {
        if (!state.IsWellFormed || state.Positions.Length != _profile.Dof)
        {
            ControllerMetrics.Reject("state", state.Positions.Length != _profile.Dof ? "wrong joint count" : "non-finite value");
            return;
        }
        _state.Write(state, _time.GetUtcNow());
        _watchdog.Mark(StateInput);
    }

    /// <summary>Camera callback. Rejects unknown cameras and frames whose size does not match the profile (counted); never blocks.</summary>
    public void OnFrame(Frame frame)
    {
        if (!_frames.TryGetValue(frame.CameraId, out var buffer))
        {
            ControllerMetrics.Reject("camera", "unknown camera");
            return;
        }
        var spec = _cameras[frame.CameraId];
        try
        {
            frame.Validate();
        }
        catch (InvalidFrameException)
        {
            ControllerMetrics.Reject("camera", "malformed frame");
            return;
        }
        if (frame.Width != spec.Width || frame.Height != spec.Height)
        {
            ControllerMetrics.Reject("camera", "wrong image size");
            return;
        }
        buffer.Write(frame, _time.GetUtcNow());
        _watchdog.Mark(CameraInput(frame.CameraId));
    }

    /// <summary>A teleop jog/target. Counts only in Teleop mode; elsewhere refused (false, counted).</summary>
    public bool SubmitTeleop(JointCommand command)
    {
        if (!_arbiter.Accepts(CommandSource.Teleop))
        {
            ControllerMetrics.Reject("teleop", $"not accepted in {_arbiter.Mode}");
            return false;
        }
        _teleop.Write(command with { Source = CommandSource.Teleop }, _time.GetUtcNow());
        return true;
    }

    /// <summary>
    /// Asks the loop to start a new episode at its next tick: queued chunks are dropped, the policy's
    /// episode state is reset and the safety layer forgets its motion history. Thread-safe.
    /// </summary>
    public void RequestEpisodeReset() => Volatile.Write(ref _resetRequested, true);

    /// <summary>Runs one tick at <paramref name="now"/> and returns what was sent. Called in the (real-time) control loop.</summary>
    public SafetyResult Tick(DateTimeOffset now)
    {
        var started = Stopwatch.GetTimestamp();
        _policyCallsThisTick = 0;
        if (Interlocked.Exchange(ref _resetRequested, false))
        {
            _scheduler.Clear();
            _policy.Reset();
            _safety.Reset();
        }
        var dt = _lastTick == default ? _profile.TickPeriod : now - _lastTick;
        _lastTick = now;
        _state.TryGetLatest(now, out var state, out _);
        var stale = _watchdog.StaleInputs();

        SafetyResult result;
        if (stale.Count > 0)
        {
            if (_arbiter.Mode is ControlMode.Autonomous or ControlMode.Teleop)
            {
                Watchdog.CountTrip(stale);
                _arbiter.Pause($"watchdog: no fresh {string.Join(", ", stale)}");
            }
            _scheduler.Clear();
            result = _safety.Hold(state, now, SafetyReason.Stale);
        }
        else
        {
            result = Command(state!, now, dt);
        }

        // One sequence for everything the loop sends (policy, teleop and holds alike): receivers drop out-of-order commands.
        var outgoing = result.Command with { Sequence = ++_sequence };
        var sent = outgoing.Positions.Length == 0 ? outgoing : _robot.SendAction(outgoing);
        var mode = _arbiter.Mode;
        foreach (var sink in _sinks)
            sink.OnCommand(sent, mode);

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        ControllerMetrics.TickDuration.Record(elapsed);
        ReportDroppedFrames();
        var previous = _status;
        _status = new LoopStatus(
            previous.Ticks + 1,
            mode,
            sent,
            result.Reasons,
            previous.Holds + (sent.IsHold ? 1 : 0),
            previous.Clamps + (result.Reasons != SafetyReason.None && !sent.IsHold ? 1 : 0),
            previous.PolicyCalls + _policyCallsThisTick,
            _scheduler.LateSteps,
            elapsed,
            stale,
            Volatile.Read(ref _lastTransition));
        return result with { Command = sent };
    }

    private SafetyResult Command(RobotState state, DateTimeOffset now, TimeSpan dt)
    {
        switch (_arbiter.Mode)
        {
            case ControlMode.Autonomous:
                if (_scheduler.NeedsRefill(now) && !Refill(state, now))
                    return _safety.Hold(state, now, SafetyReason.NotAllowed);
                var target = _scheduler.Next(now);
                return target is null
                    ? _safety.Hold(state, now, SafetyReason.None)
                    : _safety.Apply(new JointCommand(target, now, 0, CommandSource.Policy), state, now, dt);
            case ControlMode.Teleop:
                return _teleop.TryGetFresh(now, _maxCommandAge, out var jog)
                    ? _safety.Apply(jog, state, now, dt)
                    : _safety.Hold(state, now, SafetyReason.None);
            default:
                _scheduler.Clear();
                return _safety.Hold(state, now, SafetyReason.None);
        }
    }

    private bool Refill(RobotState state, DateTimeOffset now)
    {
        var frames = new Dictionary<string, Frame>(_frames.Count);
        foreach (var (name, buffer) in _frames)
        {
            if (buffer.TryGetLatest(now, out var frame, out var age))
            {
                frames[name] = frame;
                ControllerMetrics.FrameAge.Record(age.TotalMilliseconds, new KeyValuePair<string, object?>("camera", name));
            }
        }
        try
        {
            var chunk = _policy.Infer(new Observation(frames, state, Instruction, now));
            _policyCallsThisTick++;
            if (!_scheduler.Add(chunk))
                return false;
            foreach (var sink in _sinks)
                sink.OnChunk(chunk);
            return true;
        }
#pragma warning disable CA1031 // A failing policy must never take the loop down: pause and hold instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogPolicyFailed(e);
            ControllerMetrics.Reject("policy", e.GetType().Name);
            _arbiter.Pause($"policy failed: {e.Message}");
            return false;
        }
    }

    private void ReportDroppedFrames()
    {
        var dropped = _frames.Values.Sum(b => b.Dropped);
        if (dropped > _framesDroppedReported)
        {
            ControllerMetrics.FramesDropped.Add(dropped - _framesDroppedReported);
            _framesDroppedReported = dropped;
        }
    }

    private static string CameraInput(string name) => $"camera:{name}";

    [LoggerMessage(Level = LogLevel.Information, Message = "mode {From} -> {To} ({Reason})")]
    private partial void LogTransition(ControlMode from, ControlMode to, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "policy failed; pausing")]
    private partial void LogPolicyFailed(Exception error);
}
