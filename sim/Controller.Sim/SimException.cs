namespace Controller.Sim;

/// <summary>
/// A simulator failure with MuJoCo's or the shim's own text: invalid MJCF, an unknown camera,
/// joint or body name, a rejected command, or an unstable simulation.
/// </summary>
public sealed class SimException(string message, Exception? inner = null) : Exception(message, inner);
