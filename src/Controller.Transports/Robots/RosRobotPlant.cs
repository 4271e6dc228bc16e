using Controller.Abstractions;

namespace Controller.Transports.Robots;

/// <summary>
/// What <see cref="RosRobotServer"/> drives: a simulated (or fake) arm stepped in real time.
/// Every member is called from the server's single loop thread, so implementations need no locking.
/// </summary>
public interface IRosRobotPlant
{
    RobotProfile Profile { get; }

    /// <summary>The task instruction of the current episode.</summary>
    string Instruction { get; }

    /// <summary>Starts a new episode and returns its instruction.</summary>
    string Reset();

    /// <summary>Joint targets that hold the arm where it is (used until a command arrives).</summary>
    double[] HoldTargets();

    /// <summary>Advances one control period toward <paramref name="targets"/> (profile joint order); returns true once the task succeeded.</summary>
    bool Step(double[] targets);

    RobotState ReadState();

    /// <summary>Renders the named profile camera as an rgb8 frame.</summary>
    Frame Render(string camera);
}
