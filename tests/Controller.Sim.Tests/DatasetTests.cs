using Controller.Sim.Dataset;
using Controller.Sim.Tasks;

namespace Controller.Sim.Tests;

public sealed class DatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sim-dataset-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, true);
    }

    [Fact]
    public void Writer_TwoEpisodes_RoundTripThroughReader()
    {
        var profile = SimFixtures.Profile;
        var recorded = new List<List<EpisodeStep>>();
        using (var env = new SimEnv(profile, new ReachTask()))
        using (var writer = new DatasetWriter(_dir, profile, env.CameraNames, 64, 64))
        {
            var expert = Experts.Experts.For(env, 0.3, 1);
            for (ulong seed = 1; seed <= 2; seed++)
            {
                var steps = new List<EpisodeStep>();
                var r = EpisodeRunner.Run(env, expert, seed, s =>
                {
                    if (steps.Count == 0)
                        writer.BeginEpisode(env.Episode!);
                    steps.Add(s);
                    writer.AddStep(s);
                });
                writer.EndEpisode(r.Success);
                recorded.Add(steps);
            }
        }

        var reader = DatasetReader.Open(_dir);
        Assert.Equal(2, reader.Info.TotalEpisodes);
        Assert.Equal(recorded.Sum(s => s.Count), reader.Info.TotalFrames);
        Assert.Equal(20, reader.Info.Fps);
        Assert.Equal(["overhead", "side"], reader.Cameras.Order(StringComparer.Ordinal));
        for (var e = 0; e < 2; e++)
        {
            var demo = reader.Load(e);
            var steps = recorded[e];
            Assert.Equal(steps.Count, demo.Length);
            Assert.Equal(steps[0].Observation.Instruction, demo.Instruction);
            Assert.True(demo.Info.Success);
            Assert.Equal(e == 0 ? 0 : recorded[0].Count, demo.Info.DatasetFromIndex);
            Assert.Equal(demo.Info.DatasetFromIndex + demo.Length, demo.Info.DatasetToIndex);
            for (var i = 0; i < steps.Count; i++)
            {
                Assert.Equal(steps[i].Action, demo.Actions[i]);
                Assert.Equal(steps[i].Observation.State.Positions, demo.States[i]);
                Assert.Equal(steps[i].Environment, demo.Environment![i]);
                Assert.Equal(i / 20.0, demo.Timestamps[i], 9);
                foreach (var cam in reader.Cameras)
                    Assert.Equal(steps[i].Observation.Frames[cam].Pixels.ToArray(), demo.Frames[cam][i]);
            }
        }
    }

    [Fact]
    public void EnvironmentState_ReachEpisode_IsTheNamedSpheresPositionThenTheGoal()
    {
        using var env = new SimEnv(SimFixtures.Profile, new ReachTask());
        env.Reset(7);
        var sphere = env.Sim.BodyPosition(SimScene.Target(env.Episode!.Colour));
        var state = env.EnvironmentState();
        Assert.Equal(SimEnv.EnvironmentNames.Count, state.Length);
        Assert.Equal([sphere.X, sphere.Y, sphere.Z], state[..3]);
        Assert.Equal([env.Episode.Goal.X, env.Episode.Goal.Y, env.Episode.Goal.Z], state[3..]);
        Assert.True(sphere.PlanarDistance(new Vec3(0, 0, 0)) > 0.1, "the sphere should be on the table, not parked at the origin");
    }

    [Fact]
    public void Open_FolderWithoutMeta_ThrowsClearError()
    {
        Directory.CreateDirectory(_dir);
        var e = Assert.Throws<SimException>(() => DatasetReader.Open(_dir));
        Assert.Contains("info.json", e.Message, StringComparison.Ordinal);
    }
}
