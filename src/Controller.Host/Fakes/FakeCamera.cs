using Controller.Abstractions;

namespace Controller.Host.Fakes;

/// <summary>One camera of a <see cref="FakeArm"/>; frames arrive on the arm's timer thread.</summary>
public sealed class FakeCamera(FakeArm arm, CameraSpec spec) : ICamera
{
    public string Id => spec.Name;

    public Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken)
    {
        arm.AddFrameListener(f =>
        {
            if (f.CameraId == spec.Name)
                onFrame(f);
        });
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
