using Controller.Sim.Policies;
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

    [Theory]
    [InlineData("push", false)]
    [InlineData("push-recover", true)]
    public void Reset_PushVariant_StartsTheTipHighOrDownClearOfEveryBlock(string task, bool down)
    {
        using var env = new SimEnv(SimFixtures.Profile, TaskRegistry.Create(task), new SimEnvOptions { Render = false });
        for (ulong seed = 0; seed < 20; seed++)
        {
            env.Reset(seed);
            var tip = env.Sim.SitePosition(SimScene.TipSite);
            if (!down)
            {
                Assert.InRange(tip.Z, 0.15, 0.25);    // the home pose
                continue;
            }
            Assert.InRange(tip.Z, PushTask.RecoverTipHeight - 0.01, PushTask.RecoverTipHeight + 0.01);
            Assert.InRange(tip.PlanarDistance(env.ObjectPosition()), 0.06 - 0.005, 0.2 + 0.005);
            foreach (var colour in SimScene.Colours)
                Assert.True(tip.PlanarDistance(env.Sim.BodyPosition(SimScene.Block(colour))) > 0.05, $"seed {seed}: {colour} block under the tip");
        }
    }

    [Theory]
    [InlineData("push", false)]
    [InlineData("push-slip", true)]
    public void Step_PushVariantUnderTheExpert_KnocksThePushedBlockAwayOnlyInPushSlip(string task, bool slips)
    {
        using var env = new SimEnv(SimFixtures.Profile, TaskRegistry.Create(task), new SimEnvOptions { Render = false });
        var expert = PolicyFactory.Create("expert", new PolicyContext(env, 100));
        var jumps = new List<(double FromTip, double FromGoal)>();
        for (ulong seed = 100; seed < 110; seed++)
        {
            Vec3? before = null;
            EpisodeRunner.Run(env, expert, seed, _ =>
            {
                var block = env.ObjectPosition();
                // A pushed block moves under a centimetre per tick; a jump of 3 cm is a slip.
                if (before is { } b && b.PlanarDistance(block) > 0.03)
                    jumps.Add((block.PlanarDistance(env.Sim.SitePosition(SimScene.TipSite)), block.PlanarDistance(env.Episode!.Goal)));
                before = block;
            });
        }
        if (!slips)
        {
            Assert.Empty(jumps);
            return;
        }
        Assert.InRange(jumps.Count, 3, 40);
        Assert.All(jumps, j => Assert.InRange(j.FromTip, 0.06 - 0.01, 0.16 + 0.01));   // the tip moves a little in the same tick
        Assert.All(jumps, j => Assert.InRange(j.FromGoal, 0.05, 0.22));
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
