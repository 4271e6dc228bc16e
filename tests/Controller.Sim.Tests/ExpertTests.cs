using Controller.Abstractions;
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
    [InlineData("push-wide", 0.0)]
    [InlineData("push-recover", 0.0)]
    [InlineData("push-recover", 0.5)]
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

    [Fact]
    public void PushExpert_TakingOverMidPush_PushesOnInsteadOfStartingAgain()
    {
        using var env = new SimEnv(SimFixtures.Profile, new PushTask(), new SimEnvOptions { Render = false });
        var alone = PolicyFactory.Create("expert", new PolicyContext(env, 102));
        var lowAt = -1;
        var heights = new List<double>();
        var whole = EpisodeRunner.Run(env, alone, 102, step =>
        {
            heights.Add(env.Sim.SitePosition(SimScene.TipSite).Z);
            if (lowAt < 0 && heights[^1] < 0.028)
                lowAt = step.Index;
        });
        Assert.True(whole.Success && lowAt > 0);
        // A fresh expert takes over from the first, three ticks into the push: it must carry on, not lift and re-approach.
        var first = PolicyFactory.Create("expert", new PolicyContext(env, 102));
        var fresh = PolicyFactory.Create("expert", new PolicyContext(env, 102));
        var switchAt = lowAt + 3;
        var gap = 0.0;
        var relay = EpisodeRunner.Run(env, new TakeoverPolicy(first, fresh) { SwitchAt = switchAt }, 102, step =>
        {
            if (step.Index >= switchAt && step.Index < switchAt + 4)
                gap = Math.Max(gap, Math.Abs(env.Sim.SitePosition(SimScene.TipSite).Z - heights[step.Index]));
        });
        Assert.True(relay.Success);
        // Tip heights track the uninterrupted expert's; starting again would lift towards 0.09 m at 2 cm a tick.
        Assert.True(gap < 0.005, $"the tip height differs by {gap:F3} m after the takeover");
        Assert.InRange(relay.Steps, whole.Steps - 3, whole.Steps + 3);
    }

    [Fact]
    public void TakeoverPolicy_CutsTheFirstPolicysChunkAtTheSwitch()
    {
        var first = new CountingPolicy("a", 8);
        var second = new CountingPolicy("b", 8);
        var relay = new TakeoverPolicy(first, second) { SwitchAt = 5 };
        relay.Reset();
        var obs = new Observation(new Dictionary<string, Frame>(), new RobotState(["j"], [0.0], [0.0], default), "", default);
        Assert.Equal(5, relay.Infer(obs).Steps);
        Assert.True(relay.Switched);
        Assert.Equal(8, relay.Infer(obs).Steps);
        Assert.Equal((1, 1), (first.Calls, second.Calls));
        Assert.Equal("a→b", relay.Name);
        relay.Reset();
        Assert.False(relay.Switched);
    }

    [Fact]
    public void TakeoverPolicy_ArmStillForTheStallWindow_SwitchesEarly()
    {
        var first = new CountingPolicy("a", 1);
        var second = new CountingPolicy("b", 1);
        var tick = TimeSpan.FromMilliseconds(50);
        var relay = new TakeoverPolicy(first, second, new StallDetector(4 * tick, StallDetector.DefaultRadians)) { SwitchAt = 100 };
        relay.Reset();
        Observation At(int i, double q) => new(new Dictionary<string, Frame>(), new RobotState(["j"], [q], [0.0], default), "", DateTimeOffset.UnixEpoch + i * tick);
        for (var i = 0; i < 3; i++)
            relay.Infer(At(i, 0.1 * i));                                 // moving: the first policy drives
        for (var i = 3; i < 6; i++)
            relay.Infer(At(i, 0.2));                                     // still since tick 2, not yet for 4 ticks
        Assert.False(relay.Switched);
        relay.Infer(At(6, 0.2));
        Assert.True(relay.Switched && relay.SwitchedOnStall);
        Assert.Equal(6, relay.SwitchAt);                                 // the expert's first tick
        Assert.Equal((6, 1), (first.Calls, second.Calls));
    }

    [Fact]
    public void TakeoverPolicy_NearGoalTriggerTurnsTrue_SwitchesBeforeTheNextChunk()
    {
        var first = new CountingPolicy("a", 4);
        var second = new CountingPolicy("b", 4);
        var near = false;
        var relay = new TakeoverPolicy(first, second, nearGoal: () => near) { SwitchAt = 100 };
        relay.Reset();
        var obs = new Observation(new Dictionary<string, Frame>(), new RobotState(["j"], [0.0], [0.0], default), "", default);
        relay.Infer(obs);
        relay.Infer(obs);
        Assert.False(relay.Switched);
        near = true;
        relay.Infer(obs);
        Assert.True(relay.Switched && relay.SwitchedNearGoal && !relay.SwitchedOnStall);
        Assert.Equal(8, relay.SwitchAt);                                 // after the two chunks the first policy drove
        Assert.Equal((2, 1), (first.Calls, second.Calls));
        relay.Reset();
        Assert.False(relay.SwitchedNearGoal);
    }

    /// <summary>Returns chunks of a fixed length and counts the calls.</summary>
    private sealed class CountingPolicy(string name, int steps) : IPolicy
    {
        public int Calls { get; private set; }

        public string Name => name;

        public ActionChunk Infer(Observation observation)
        {
            Calls++;
            return new ActionChunk([.. Enumerable.Repeat(new[] { 0.0 }, steps)], TimeSpan.FromMilliseconds(50), observation.Stamp, Calls, CommandSource.Policy);
        }

        public void Reset()
        {
        }
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
