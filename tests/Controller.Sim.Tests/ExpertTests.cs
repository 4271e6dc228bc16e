using Controller.Sim.Experts;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;

namespace Controller.Sim.Tests;

public class ExpertTests
{
    [Theory]
    [InlineData("reach", 0.0)]
    [InlineData("reach", 1.0)]
    [InlineData("push", 0.0)]
    [InlineData("push", 0.5)]
    public void Expert_SmallSeedSet_SucceedsEveryTime(string task, double noise)
    {
        using var env = new SimEnv(SimFixtures.Profile, TaskRegistry.Create(task), new SimEnvOptions { Render = false });
        var expert = PolicyFactory.Create("expert", new PolicyContext(env, 100, noise));
        for (ulong seed = 100; seed < 106; seed++)
        {
            var r = EpisodeRunner.Run(env, expert, seed);
            Assert.True(r.Success, $"{task} seed {seed}: remaining {r.FinalRemaining:F3} m after {r.Steps} steps");
        }
    }

    [Fact]
    public void Run_PushExpert_ReportsStartDistanceAndHowFarTheBlockMoved()
    {
        using var env = new SimEnv(SimFixtures.Profile, new PushTask(), new SimEnvOptions { Render = false });
        var r = EpisodeRunner.Run(env, PolicyFactory.Create("expert", new PolicyContext(env, 101)), 101);
        Assert.True(r.Success);
        Assert.InRange(r.StartRemaining, 0.08, 0.16);                       // PushTask places block and goal 8–16 cm apart
        // The block closed the gap to within the tolerance, so it travelled at least the difference.
        Assert.True(r.ObjectTravel >= r.StartRemaining - r.FinalRemaining - 1e-6, $"travel {r.ObjectTravel:F3} m");
    }

    [Fact]
    public void Run_ReachExpert_SpheresDoNotMove()
    {
        using var env = new SimEnv(SimFixtures.Profile, new ReachTask(), new SimEnvOptions { Render = false });
        var r = EpisodeRunner.Run(env, PolicyFactory.Create("expert", new PolicyContext(env, 101)), 101);
        Assert.True(r.StartRemaining > r.FinalRemaining);
        Assert.Equal(0, r.ObjectTravel, 9);
    }

    [Theory]
    [InlineData("reach")]
    [InlineData("push")]
    public void CleanTargets_NoisyExpert_AreWhatTheNoiseFreeExpertCommandsFromTheSameState(string task)
    {
        using var env = new SimEnv(SimFixtures.Profile, TaskRegistry.Create(task), new SimEnvOptions { Render = false });
        var clean = (ScriptedExpert)Controller.Sim.Experts.Experts.For(env, 0, 7);
        var noisy = (ScriptedExpert)Controller.Sim.Experts.Experts.For(env, 1.0, 7);
        var obs = env.Reset(300);
        clean.Reset();
        noisy.Reset();
        var sent = noisy.Infer(obs).Targets[0];
        var expected = clean.Infer(obs).Targets[0];
        Assert.Equal(expected, noisy.CleanTargets);
        Assert.NotEqual(expected, sent);
        Assert.Equal(expected, clean.CleanTargets);
    }

    [Fact]
    public void RandomPolicy_StaysInsideTheWorkspace()
    {
        var profile = SimFixtures.Profile;
        using var env = new SimEnv(profile, new ReachTask(), new SimEnvOptions { Render = false });
        var policy = PolicyFactory.Create("random", new PolicyContext(env, 5));
        EpisodeRunner.Run(env, policy, 5, step =>
        {
            for (var i = 0; i < profile.Dof; i++)
                Assert.InRange(step.Action[i], profile.Workspace.Min[i], profile.Workspace.Max[i]);
        });
    }

    [Fact]
    public void PolicyFactory_UnknownName_ThrowsListingKnownPolicies()
    {
        var e = Assert.Throws<SimException>(() => PolicyFactory.Get("oracle"));
        Assert.Contains("expert", e.Message, StringComparison.Ordinal);
        Assert.Contains("random", e.Message, StringComparison.Ordinal);
    }
}
