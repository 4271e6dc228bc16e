using Controller.Abstractions;

namespace Controller.Transports.Bus;

/// <summary>
/// Where mode and e-stop requests from the bus go. The host registers one adapter around its Arbiter; without one,
/// such requests are refused (and acked as refused). Called on the transport's thread; must not block.
/// </summary>
public interface IBusModeTarget
{
    /// <summary>Requests Paused, Autonomous or Teleop. Returns whether the mode changed (or already was that mode).</summary>
    bool RequestMode(ControlMode mode, string reason);

    /// <summary>Engages (true) or releases (false) the e-stop. Returns whether it took effect.</summary>
    bool EStop(bool engage, string reason);
}
