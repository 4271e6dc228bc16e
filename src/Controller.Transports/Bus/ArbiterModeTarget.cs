using Controller.Abstractions;
using Controller.Safety;

namespace Controller.Transports.Bus;

/// <summary>The adapter a host registers so that bus mode/e-stop requests drive the Arbiter.</summary>
public sealed class ArbiterModeTarget(Arbiter arbiter) : IBusModeTarget
{
    public bool RequestMode(ControlMode mode, string reason) => arbiter.Mode == mode || mode switch
    {
        ControlMode.Autonomous => arbiter.Engage(reason),
        ControlMode.Paused => arbiter.Pause(reason),
        ControlMode.Teleop => arbiter.TakeOver(reason),
        _ => false,
    };

    public bool EStop(bool engage, string reason) => engage ? arbiter.Mode == ControlMode.Stopped || arbiter.EStop(reason) : arbiter.Reset(reason);
}
