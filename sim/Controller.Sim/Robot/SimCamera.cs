using Controller.Abstractions;

namespace Controller.Sim.Robot;

/// <summary>
/// A camera of a <see cref="SimRobot"/>'s scene. Frames arrive once per sim tick on the robot's loop
/// thread, only while started. Get one from <see cref="SimRobot.Camera"/>.
/// </summary>
public sealed class SimCamera : ICamera
{
    private Action<Frame>? _onFrame;

    internal SimCamera(string id) => Id = id;

    public string Id { get; }

    internal bool Started => Volatile.Read(ref _onFrame) is not null;

    public Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        Volatile.Write(ref _onFrame, onFrame);
        return Task.CompletedTask;
    }

    internal void Publish(Frame frame) => Volatile.Read(ref _onFrame)?.Invoke(frame);

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref _onFrame, null);
        return ValueTask.CompletedTask;
    }
}
