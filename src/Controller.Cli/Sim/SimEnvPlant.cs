using Controller.Abstractions;
using Controller.Sim;
using Controller.Sim.Tasks;
using Controller.Transports.Robots;

namespace Controller.Cli.Sim;

/// <summary>The MuJoCo <see cref="SimEnv"/> as the plant of a <see cref="RosRobotServer"/> (driven from its loop thread only).</summary>
internal sealed class SimEnvPlant : IRosRobotPlant, IDisposable
{
    private readonly SimEnv _env;
    private ulong _seed;

    public SimEnvPlant(RobotProfile profile, string task, ulong seed)
    {
        _env = new SimEnv(profile, TaskRegistry.Create(task), new SimEnvOptions { Render = false });
        _seed = seed;
        _env.Reset(seed);
    }

    /// <summary>The environment, for privileged readers such as the scripted expert (reads take the sim's lock).</summary>
    public SimEnv Env => _env;

    public RobotProfile Profile => _env.Profile;

    public string Instruction => _env.Episode?.Instruction ?? "";

    public string Reset()
    {
        _env.Reset(++_seed);
        return Instruction;
    }

    public double[] HoldTargets() => [.. _env.LastTargets];

    public bool Step(double[] targets) => _env.Step(targets).Success;

    public RobotState ReadState() => _env.ReadState();

    public Frame Render(string camera) => _env.Render(camera);

    public void Dispose() => _env.Dispose();
}
