namespace Controller.Abstractions;

/// <summary>Who produced a command. Safety limits apply to every source alike.</summary>
public enum CommandSource
{
    Policy,
    Teleop,
    Scripted,
    Safety,
}
