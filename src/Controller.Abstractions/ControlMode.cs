namespace Controller.Abstractions;

/// <summary>Who may command the arm. <see cref="Stopped"/> is latched (e-stop) and only a reset leaves it, to <see cref="Paused"/>.</summary>
public enum ControlMode
{
    Paused,
    Autonomous,
    Teleop,
    Stopped,
}
