using System.Security.Cryptography;
using Controller.Abstractions;
using Controller.Sim.Experts;
using Controller.Sim.Tasks;

namespace Controller.Sim.Tests;

public class SimEnvTests
{
    private static (List<string> FrameHashes, List<double[]> States) Rollout(string task, ulong seed, int ticks)
    {
        using var env = new SimEnv(SimFixtures.Profile, TaskRegistry.Create(task));
        var obs = env.Reset(seed);
        var expert = Experts.Experts.For(env, noise: 0.5, seed: seed);
        expert.Reset();
        var hashes = new List<string>();
        var states = new List<double[]>();
        for (var i = 0; i < ticks; i++)
        {
            foreach (var (cam, frame) in obs.Frames.OrderBy(f => f.Key, StringComparer.Ordinal))
                hashes.Add(cam + Convert.ToHexString(SHA256.HashData(frame.Pixels.Span)));
            states.Add(obs.State.Positions);
            var r = env.Step(expert.Infer(obs).Targets[0]);
            obs = r.Observation;
            if (r.Done)
                break;
        }
        return (hashes, states);
    }

    [Fact]
    public void Reset_SameSeed_SameFrameHashesAndStates()
    {
        var a = Rollout("push", 11, 12);
        var b = Rollout("push", 11, 12);
        Assert.Equal(a.FrameHashes, b.FrameHashes);
        Assert.Equal(a.States.Count, b.States.Count);
        for (var i = 0; i < a.States.Count; i++)
            Assert.Equal(a.States[i], b.States[i]);
    }

    [Fact]
    public void Reset_DifferentSeeds_DifferentScenes()
    {
        var a = Rollout("reach", 1, 1);
        var b = Rollout("reach", 2, 1);
        Assert.NotEqual(a.FrameHashes, b.FrameHashes);
    }

    [Fact]
    public void Reset_Observation_HasBothCamerasAt64AndInstructionNamingAColour()
    {
        using var env = new SimEnv(SimFixtures.Profile, new PushTask());
        var obs = env.Reset(3);
        Assert.Equal(["overhead", "side"], obs.Frames.Keys.Order(StringComparer.Ordinal));
        Assert.All(obs.Frames.Values, f => Assert.Equal((64, 64, PixelFormat.Rgb8), (f.Width, f.Height, f.Format)));
        Assert.All(obs.Frames.Values, f => f.Validate());
        Assert.Contains(env.Episode!.Colour, obs.Instruction, StringComparison.Ordinal);
        Assert.Equal(5, obs.State.Positions.Length);
        Assert.Equal(25, env.SubSteps);
    }

    [Fact]
    public void Step_NaNTarget_IsRejectedAndTimeDoesNotAdvance()
    {
        using var counter = new SimFixtures.RejectCounter("sim");
        using var env = new SimEnv(SimFixtures.Profile, new ReachTask(), new SimEnvOptions { Render = false });
        env.Reset(0);
        var before = env.Sim.Time;
        Assert.Throws<SimException>(() => env.Step([0, double.NaN, 0, 0, 0]));
        Assert.Equal(before, env.Sim.Time);
        Assert.True(counter.Count >= 1);
    }

    [Fact]
    public void Step_TargetOutsideProfileLimits_IsRejectedNamingTheJoint()
    {
        using var env = new SimEnv(SimFixtures.Profile, new ReachTask(), new SimEnvOptions { Render = false });
        env.Reset(0);
        var e = Assert.Throws<SimException>(() => env.Step([0, 0, 3.0, 0, 0]));
        Assert.Contains("elbow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_WrongActionLength_IsRejected()
    {
        using var env = new SimEnv(SimFixtures.Profile, new ReachTask(), new SimEnvOptions { Render = false });
        env.Reset(0);
        Assert.Throws<SimException>(() => env.Step([0, 0, 0]));
    }

    [Fact]
    public void TaskRegistry_UnknownTask_ThrowsListingKnownTasks()
    {
        var e = Assert.Throws<SimException>(() => TaskRegistry.Create("juggle"));
        Assert.Contains("reach", e.Message, StringComparison.Ordinal);
        Assert.Contains("push", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ProfileJointMissingFromModel_Throws()
    {
        var p = SimFixtures.Profile;
        var renamed = p with { Joints = [.. p.Joints.Select((j, i) => i == 2 ? j with { Name = "knee" } : j)] };
        var e = Assert.Throws<SimException>(() => new SimEnv(renamed, new ReachTask()));
        Assert.Contains("knee", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ProfileCameraMissingFromModel_Throws()
    {
        var p = SimFixtures.Profile;
        var bad = p with { Cameras = [new CameraSpec("wrist_cam", 64, 64, "/camera/wrist")] };
        var e = Assert.Throws<SimException>(() => new SimEnv(bad, new ReachTask()));
        Assert.Contains("wrist_cam", e.Message, StringComparison.Ordinal);
    }
}
