using Controller.Abstractions;

namespace Controller.Transports.Bus;

/// <summary>
/// Publishes every action chunk the control loop schedules on actions (tokens + decoded targets), for consoles,
/// recorders and fleet tools. With <c>mirrorCommands</c> it also publishes each sent command on command — leave it
/// off when a <see cref="Robots.BusRobot"/> already commands the same robot. Never blocks (queued, drop oldest).
/// </summary>
public sealed class BusActionSink(BusChannel channel, bool mirrorCommands = false) : IActionSink
{
    public void OnChunk(ActionChunk chunk) => channel.Post(channel.Topics.Actions, h => new ActionsMessage(h, chunk));

    public void OnCommand(JointCommand sent, ControlMode mode)
    {
        if (mirrorCommands)
            channel.Post(channel.Topics.Command, h => new CommandMessage(h, sent));
    }
}
