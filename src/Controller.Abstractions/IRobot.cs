namespace Controller.Abstractions;

/// <summary>An arm the control loop commands (a real robot over ROS or a bus, or the simulator).</summary>
public interface IRobot : IAsyncDisposable
{
    RobotProfile Profile { get; }

    /// <summary>Connects and starts reporting joint state through <paramref name="onState"/> (called on the robot's own thread).</summary>
    Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken);

    /// <summary>Sends one command and returns the command actually sent (after any robot-side clipping).</summary>
    JointCommand SendAction(JointCommand command);
}
