using Controller.Abstractions;
using Controller.Abstractions.Telemetry;

namespace Controller.Safety;

/// <summary>
/// The source of truth for who commands the arm.
/// <list type="bullet">
/// <item>Stopped (e-stop) is latched: it overrides everything and only <see cref="Reset"/> leaves it, to Paused.</item>
/// <item>Autonomous accepts policy and scripted commands; Teleop accepts teleop commands; Paused and Stopped accept none.</item>
/// </list>
/// Every transition raises <see cref="Changed"/> and is counted. Thread-safe: consoles and buses call it from their own threads.
/// </summary>
public sealed class Arbiter(TimeProvider time)
{
    private readonly Lock _gate = new();
    private ControlMode _mode = ControlMode.Paused;

    /// <summary>Raised after a transition, outside the lock: (from, to, reason, when).</summary>
    public event Action<ModeTransition>? Changed;

    public ControlMode Mode
    {
        get { lock (_gate) return _mode; }
    }

    /// <summary>Paused → Autonomous, or Teleop → Autonomous (hand back). Refused when Stopped.</summary>
    public bool Engage(string reason = "engage") => Move(ControlMode.Autonomous, reason, ControlMode.Paused, ControlMode.Teleop);

    /// <summary>Any moving mode → Paused. Refused when Stopped (use <see cref="Reset"/>).</summary>
    public bool Pause(string reason = "pause") => Move(ControlMode.Paused, reason, ControlMode.Autonomous, ControlMode.Teleop);

    /// <summary>A human takes over: Paused or Autonomous → Teleop. Refused when Stopped.</summary>
    public bool TakeOver(string reason = "take over") => Move(ControlMode.Teleop, reason, ControlMode.Paused, ControlMode.Autonomous);

    /// <summary>E-stop from any mode. Latched until <see cref="Reset"/>.</summary>
    public bool EStop(string reason = "e-stop") => Move(ControlMode.Stopped, reason, ControlMode.Paused, ControlMode.Autonomous, ControlMode.Teleop);

    /// <summary>Stopped → Paused, never straight to motion.</summary>
    public bool Reset(string reason = "reset") => Move(ControlMode.Paused, reason, ControlMode.Stopped);

    /// <summary>Whether a command from <paramref name="source"/> may move the arm in the current mode.</summary>
    public bool Accepts(CommandSource source)
    {
        var mode = Mode;
        return mode switch
        {
            ControlMode.Autonomous => source is CommandSource.Policy or CommandSource.Scripted,
            ControlMode.Teleop => source is CommandSource.Teleop,
            _ => false,
        };
    }

    private bool Move(ControlMode to, string reason, params ControlMode[] allowedFrom)
    {
        ModeTransition transition;
        lock (_gate)
        {
            if (!allowedFrom.Contains(_mode))
                return false;
            transition = new ModeTransition(_mode, to, reason, time.GetUtcNow());
            _mode = to;
        }
        ControllerMetrics.ModeChanges.Add(1,
            new KeyValuePair<string, object?>("from", transition.From.ToString()),
            new KeyValuePair<string, object?>("to", transition.To.ToString()));
        Changed?.Invoke(transition);
        return true;
    }
}

/// <summary>One arbiter transition.</summary>
public sealed record ModeTransition(ControlMode From, ControlMode To, string Reason, DateTimeOffset At);
