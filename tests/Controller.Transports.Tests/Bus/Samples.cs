using Controller.Abstractions;
using Controller.Transports.Bus;

namespace Controller.Transports.Tests.Bus;

/// <summary>One valid message of every kind, for round trips and as fuzz seeds.</summary>
internal static class Samples
{
    public static BusHeader Header(long seq = 1, DateTimeOffset? at = null) => new(at ?? DateTimeOffset.UtcNow, seq, "test/peer", "s1");

    public static RobotState State(int dof = 5) =>
        new([.. Enumerable.Range(0, dof).Select(i => $"j{i}")], [.. Enumerable.Range(0, dof).Select(i => 0.1 * i)], new double[dof], DateTimeOffset.UtcNow);

    public static ActionChunk Chunk(int steps = 4, int dof = 5) => new(
        [.. Enumerable.Range(0, steps).Select(s => Enumerable.Range(0, dof).Select(j => 0.01 * s + 0.1 * j).ToArray())],
        TimeSpan.FromMilliseconds(50), DateTimeOffset.UtcNow, 7, CommandSource.Policy, [.. Enumerable.Range(0, steps * dof).Select(i => 1000 + i)]);

    public static Frame Frame(string cam = "overhead", int w = 8, int h = 6) =>
        new(cam, PixelFormat.Rgb8, w, h, DateTimeOffset.UtcNow, Enumerable.Range(0, w * h * 3).Select(i => (byte)i).ToArray());

    public static IReadOnlyList<BusMessage> All()
    {
        var f = Frame();
        return
        [
            new StateMessage(Header(1), State()),
            new FrameMessage(Header(2), f.CameraId, "rgb8", f.Width, f.Height, f.Timestamp, f.Pixels),
            new ActionsMessage(Header(3), Chunk()),
            new CommandMessage(Header(4), new JointCommand([0.1, 0.2, 0.3, 0.4, 0.01], DateTimeOffset.UtcNow, 42, CommandSource.Teleop)),
            new ModeMessage(Header(5), ControlMode.Autonomous, "go"),
            new EStopMessage(Header(6), true, "red button"),
            new AckMessage(Header(7), BusKinds.EStop, "console/1", 6, true, "stopped"),
            new BirthMessage(Header(8), "controller", ["j0", "j1"], ["overhead"], 20),
            new DeathMessage(Header(9), "controller", "connection lost"),
            new InferRequest(Header(10), 99, new Observation(new Dictionary<string, Frame> { [f.CameraId] = f }, State(), "push the block", DateTimeOffset.UtcNow)),
            new InferReply(Header(11), 99, Chunk(), null),
            new InferReply(Header(12), 100, null, "model not loaded"),
        ];
    }
}
