using Controller.Abstractions;
using Controller.Transports.Robots;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>A first-order-lag arm with a gradient camera: the smallest plant a RosRobotServer can serve.</summary>
internal sealed class TinyPlant(RobotProfile profile) : IRosRobotPlant
{
    private double[] _positions = new double[profile.Dof];
    private int _episode;

    public RobotProfile Profile => profile;

    public string Instruction => $"push the block ({_episode})";

    public int Steps { get; private set; }

    public string Reset()
    {
        _episode++;
        _positions = new double[profile.Dof];
        return Instruction;
    }

    public double[] HoldTargets() => (double[])_positions.Clone();

    public bool Step(double[] targets)
    {
        Steps++;
        for (var i = 0; i < _positions.Length; i++)
            _positions[i] += 0.5 * (targets[i] - _positions[i]);
        return _positions[0] > 0.3;
    }

    public RobotState ReadState() => new(profile.JointNames, (double[])_positions.Clone(), new double[profile.Dof], DateTimeOffset.UtcNow);

    public Frame Render(string camera)
    {
        var spec = profile.Cameras.First(c => c.Name == camera);
        var px = new byte[spec.Width * spec.Height * 3];
        for (var i = 0; i < px.Length; i++)
            px[i] = (byte)(i * 7);
        return new Frame(camera, PixelFormat.Rgb8, spec.Width, spec.Height, DateTimeOffset.UtcNow, px);
    }
}
