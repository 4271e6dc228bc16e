using Controller.Sim.Tasks;

namespace Controller.Sim.Tests;

public class PushTaskTests
{
    [Fact]
    public void Reset_Push_KeepsTheBlockInItsAnnulus8To16CmFromTheGoal()
    {
        var (outside, distances) = Starts("push", 30);
        Assert.Equal(0, outside);
        Assert.All(distances, d => Assert.InRange(d, 0.08 - 0.002, 0.16 + 0.002));
    }

    [Fact]
    public void Reset_PushWide_StartsBlocksBeyondPushsAnnulus5To22CmFromTheGoal()
    {
        var (outside, distances) = Starts("push-wide", 30);
        Assert.InRange(outside, 5, 29);               // push never starts a block there; push-wide often does
        Assert.All(distances, d => Assert.InRange(d, 0.05 - 0.002, 0.22 + 0.002));
        Assert.Contains(distances, d => d is < 0.08 or > 0.16);
    }

    /// <summary>Over seeds 0..n-1: how many named blocks start outside push's annulus, and each start distance to the goal.</summary>
    private static (int Outside, List<double> Distances) Starts(string task, int n)
    {
        using var env = new SimEnv(SimFixtures.Profile, TaskRegistry.Create(task), new SimEnvOptions { Render = false });
        var outside = 0;
        var distances = new List<double>();
        for (ulong seed = 0; seed < (ulong)n; seed++)
        {
            env.Reset(seed);
            Assert.Equal(task, env.Episode!.Task);
            var block = env.ObjectPosition();
            var r = Math.Sqrt(block.X * block.X + block.Y * block.Y);
            if (r < 0.2 - 0.002 || r > 0.34 + 0.002 || Math.Abs(block.Y) > 0.14 + 0.002)
                outside++;
            distances.Add(env.Remaining());
        }
        return (outside, distances);
    }
}
