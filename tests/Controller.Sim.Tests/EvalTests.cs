using System.Text.Json;
using Controller.Cli;
using Controller.Abstractions;
using Controller.Sim.Eval;
using Controller.Sim.Imaging;
using Controller.Sim.Policies;

namespace Controller.Sim.Tests;

public sealed class EvalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sim-eval-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task EvalVerb_Json_ReportsWhatItRanAndWritesPlot()
    {
        var json = Path.Combine(_dir, "reach.json");
        var code = await CliApp.RunAsync(["eval", "--task", "reach", "--policy", "expert", "--episodes", "3", "--seed", "7", "--json", json]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("reach", root.GetProperty("task").GetString());
        Assert.Equal("expert", root.GetProperty("policy").GetString());
        Assert.Equal(3, root.GetProperty("episodes").GetInt32());
        Assert.Equal(7UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal(1.0, root.GetProperty("success_rate").GetDouble());
        Assert.InRange(root.GetProperty("ci_low").GetDouble(), 0.3, 0.5);
        Assert.Equal(1.0, root.GetProperty("ci_high").GetDouble(), 9);
        Assert.True(root.GetProperty("mean_steps").GetDouble() > 0);
        Assert.Equal([7UL, 8UL, 9UL], root.GetProperty("per_episode").EnumerateArray().Select(e => e.GetProperty("seed").GetUInt64()));
        Assert.All(root.GetProperty("per_episode").EnumerateArray(), e =>
            Assert.True(e.GetProperty("start_distance_m").GetDouble() > e.GetProperty("final_distance_m").GetDouble()));
        Assert.Equal(0, root.GetProperty("failures").GetProperty("count").GetInt32());
        var png = File.ReadAllBytes(Path.ChangeExtension(json, ".png"));
        Assert.Equal((byte)0x89, png[0]);
    }

    [Theory]
    [InlineData("fast", 4)]
    [InlineData("bins", 8)]
    public void DefaultStepsPerChunk_ByActionTokens_HalfAFastChunkAndAWholeBinsChunk(string kind, int expected)
    {
        var actions = new Controller.Model.Tokens.ActionTokenizerConfig(kind, 8, new Controller.Model.Tokens.Normalizer([-1f], [1f]));
        Assert.Equal(expected, Cli.Commands.TrainCommand.DefaultStepsPerChunk(actions));
    }

    [Fact]
    public async Task EvalVerb_UnknownTask_ExitsWithError()
        => Assert.Equal(2, await CliApp.RunAsync(["eval", "--task", "juggle", "--episodes", "1"]));

    [Fact]
    public async Task EvalVerb_UnknownPolicy_ExitsWithError()
        => Assert.Equal(2, await CliApp.RunAsync(["eval", "--task", "reach", "--policy", "oracle", "--episodes", "1"]));

    [Fact]
    public async Task CollectVerb_WritesReadableDataset()
    {
        var code = await CliApp.RunAsync(["sim", "collect", "--task", "push", "--episodes", "1", "--seed", "4", "--out", _dir]);
        Assert.Equal(0, code);
        var reader = Dataset.DatasetReader.Open(_dir);
        Assert.Single(reader.Episodes);
        var demonstration = reader.Load(0);
        Assert.True(demonstration.Length > 0);

        // What `train model` reads from it: per step the block's and the goal's table position (the scene tokens).
        var episode = Assert.Single(Cli.Commands.TrainCommand.LoadEpisodes(_dir));
        var scene = episode.Objects!;
        Assert.All(scene, s => Assert.Equal(4, s.Length));
        Assert.All(scene, s => Assert.Equal((scene[0][2], scene[0][3]), (s[2], s[3])));   // the goal disc does not move
        var apart = Math.Sqrt(Math.Pow(scene[0][0] - scene[0][2], 2) + Math.Pow(scene[0][1] - scene[0][3], 2));
        Assert.InRange(apart, 0.079, 0.161);                                               // push puts them 8–16 cm apart

        // With a waypoint lead of 8, each step also names where the target 7 steps on puts the tip.
        var steps = Assert.Single(Cli.Commands.TrainCommand.LoadEpisodes(_dir, waypointLead: 8)).Objects!;
        Assert.All(steps, s => Assert.Equal(7, s.Length));
        var end = ArmKinematics.Forward(demonstration.Actions[Math.Min(7, demonstration.Length - 1)]);
        Assert.Equal(end.X, steps[0][4], 5);
        Assert.Equal(end.Y, steps[0][5], 5);
        Assert.Equal(end.Z, steps[0][6], 5);
        Assert.InRange(steps.Min(s => s[6]), 0.0, 0.03);                                   // the pusher comes down to the block
        Assert.InRange(steps.Max(s => s[6]), 0.06, 0.2);                                   // after travelling in the air
    }

    [Fact]
    public void FailureBreakdown_MixedEpisodes_CountsOnlyFailuresByWhereTheyEnded()
    {
        EvalEpisode E(bool ok, double start, double final, double moved) => new(0, "", ok, 10, final, start, moved);
        var breakdown = FailureBreakdown.From(
        [
            E(true, 0.10, 0.02, 0.08),     // a success: not counted anywhere
            E(false, 0.12, 0.04, 0.10),    // closer, moved, a near miss (≤ 1.5 × 3 cm)
            E(false, 0.10, 0.20, 0.15),    // farther, moved
            E(false, 0.14, 0.14, 0.0),     // untouched: neither closer nor farther
        ], tolerance: 0.03);
        Assert.Equal(new FailureBreakdown(3, 0.12, 0.14, 1, 1, 2, 1), breakdown);
        Assert.StartsWith("3 failures: median distance 12.0 → 14.0 cm; 1 ended closer, 1 farther; 2 moved", breakdown.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectVerb_TakeoverFromRandom_RecordsOnlyTheExpertsPartFromTickZero()
    {
        var code = await CliApp.RunAsync(["sim", "collect", "--task", "reach", "--episodes", "2", "--seed", "9", "--noise", "0",
            "--takeover-from", "random", "--takeover-after", "10", "--out", _dir]);
        Assert.Equal(0, code);
        var reader = Dataset.DatasetReader.Open(_dir);
        Assert.Equal(2, reader.Episodes.Count);
        using var env = new SimEnv(SimFixtures.Profile, new Tasks.ReachTask(), new SimEnvOptions { Render = false });
        foreach (var info in reader.Episodes)
        {
            Assert.InRange(info.TakeoverStep ?? -1, 1, 10);
            Assert.True(info.Success);
            var demo = reader.Load(info.EpisodeIndex);
            Assert.Equal(0, demo.Timestamps[0]);                                        // rows restart at the takeover
            var start = env.Reset(info.Seed).State.Positions;
            Assert.True(start.Zip(demo.States[0]).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the random policy moved the arm first");
        }

        // The first episode starts exactly where the random policy left the arm: replay its seed to the same tick.
        var first = reader.Episodes[0];
        var random = Policies.PolicyFactory.Create("random", new Policies.PolicyContext(env, 9));
        double[]? reached = null;
        EpisodeRunner.Run(env, new Policies.TakeoverPolicy(random, new HoldPolicy()) { SwitchAt = first.TakeoverStep!.Value }, first.Seed, step =>
        {
            if (step.Index == first.TakeoverStep)
                reached = step.Observation.State.Positions;
        });
        Assert.Equal(reached!, reader.Load(0).States[0]);
    }

    [Fact]
    public async Task CollectVerb_TakeoverNearGoalFromTheStart_ExpertRecordsWholeEpisodes()
    {
        // Every push starts 8–16 cm from its goal, so with 20 cm the switch comes before the first chunk.
        var code = await CliApp.RunAsync(["sim", "collect", "--task", "push", "--episodes", "2", "--seed", "9", "--noise", "0",
            "--takeover-from", "random", "--takeover-after", "10000", "--takeover-near-goal", "0.2", "--out", _dir]);
        Assert.Equal(0, code);
        var reader = Dataset.DatasetReader.Open(_dir);
        Assert.Equal(2, reader.Episodes.Count);
        Assert.All(reader.Episodes, e => Assert.Equal((0, true), (e.TakeoverStep, e.Success)));
    }

    [Theory]
    [InlineData("--takeover-near-goal", "0.05")]                               // without --takeover-from
    [InlineData("--takeover-on-stall")]
    [InlineData("--takeover-from", "random", "--takeover-near-goal", "0")]
    [InlineData("--takeover-from", "random", "--takeover-near-goal", "-0.1")]
    public async Task CollectVerb_BadTakeoverOptions_ExitsWithError(params string[] options)
    {
        Assert.Equal(2, await CliApp.RunAsync(["sim", "collect", "--task", "push", "--episodes", "1", "--out", _dir, .. options]));
        Assert.False(Directory.Exists(_dir), "nothing is written");
    }

    [Fact]
    public async Task TrainReportVerb_ShippedModelOnFreshEpisodes_MeasuresImaginationAheadOnly()
    {
        var data = Path.Combine(_dir, "data");
        Assert.Equal(0, await CliApp.RunAsync(["sim", "collect", "--task", "push", "--episodes", "2", "--seed", "5", "--noise", "0", "--out", data]));
        var json = Path.Combine(_dir, "report.json");
        var gallery = Path.Combine(_dir, "png", "imagined.png");                   // a folder that does not exist yet

        var code = await CliApp.RunAsync(["train", "report", "--model", Cli.Commands.TrainCommand.FindDefaultModel(), "--data", data,
            "--samples", "10000", "--json", json, "--gallery", gallery]);

        Assert.Equal(0, code);
        var steps = Dataset.DatasetReader.Open(data).Episodes.Sum(e => e.Length - 8);   // frame t+8 exists
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(steps, root.GetProperty("ImaginationSamples").GetInt32());
        var gain = root.GetProperty("ImaginedPsnr").GetDouble() - root.GetProperty("CopyLastPsnr").GetDouble();
        Assert.True(gain > 1, $"the shipped model imagines a push better than copy-last: {gain:F2} dB");
        Assert.InRange(root.GetProperty("HeldOutActionMae").GetDouble(), 0, 0.2);
        Assert.Equal((byte)0x89, File.ReadAllBytes(gallery)[0]);
    }

    [Fact]
    public async Task TrainReportVerb_NoGalleryOption_WritesSamplesNextToJsonOnly()
    {
        var data = Path.Combine(_dir, "data");
        Assert.Equal(0, await CliApp.RunAsync(["sim", "collect", "--task", "push", "--episodes", "1", "--seed", "6", "--noise", "0", "--out", data]));
        var json = Path.Combine(_dir, "out", "eval.json");
        var inWorkingDir = Directory.GetFiles(Directory.GetCurrentDirectory(), "*.png").ToHashSet();

        Assert.Equal(0, await CliApp.RunAsync(["train", "report", "--model", Cli.Commands.TrainCommand.FindDefaultModel(), "--data", data,
            "--samples", "4", "--json", json]));

        Assert.Equal((byte)0x89, File.ReadAllBytes(Path.Combine(_dir, "out", "eval_samples.png"))[0]);
        Assert.Equal(inWorkingDir, Directory.GetFiles(Directory.GetCurrentDirectory(), "*.png").ToHashSet());
    }

    [Fact]
    public async Task TrainReportVerb_NotAModelDirectory_ExitsWithError()
    {
        Directory.CreateDirectory(_dir);
        Assert.Equal(2, await CliApp.RunAsync(["train", "report", "--model", _dir, "--data", _dir]));
    }

    /// <summary>Holds the arm where it is: ends a replay without moving it.</summary>
    private sealed class HoldPolicy : IPolicy
    {
        public string Name => "hold";

        public ActionChunk Infer(Observation observation) =>
            new([observation.State.Positions], TimeSpan.FromMilliseconds(50), observation.Stamp, 0, CommandSource.Scripted);

        public void Reset()
        {
        }
    }

    [Fact]
    public async Task EvalVerb_Filmstrip_SavesOneSheetPerFailedEpisodeOnly()
    {
        var json = Path.Combine(_dir, "random.json");
        var film = Path.Combine(_dir, "film");
        var code = await CliApp.RunAsync(["eval", "--task", "reach", "--policy", "random", "--episodes", "2", "--seed", "3", "--json", json, "--filmstrip", film]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("rendered").GetBoolean());
        foreach (var e in doc.RootElement.GetProperty("per_episode").EnumerateArray())
        {
            var path = Path.Combine(film, $"reach-seed{e.GetProperty("seed").GetUInt64()}.png");
            Assert.Equal(!e.GetProperty("success").GetBoolean(), File.Exists(path));
            if (!File.Exists(path))
                continue;
            // 80 steps at every 4th: 20 frames of 64×64 at 2×, 10 to a row → 2 rows.
            var (_, w, h) = Png.Read(path);
            Assert.Equal(2 + 10 * (128 + 2), w);
            Assert.Equal(11 + 2 + 2 * (128 + 11 + 2), h);
        }
    }

    /// <summary>An observation whose 4×4 "cam" frame is one grey shade.</summary>
    private static Observation Shade(byte shade) => new(
        new Dictionary<string, Frame> { ["cam"] = new("cam", PixelFormat.Rgb8, 4, 4, default, Enumerable.Repeat(shade, 48).ToArray()) },
        new RobotState(["j"], [0.0], [0.0], default), "", default);

    [Fact]
    public void Filmstrip_Render_PlacesEveryNthFrameScaledUnderTheTitle()
    {
        var strip = new Filmstrip("cam", every: 2, scale: 3, perRow: 2);
        for (var step = 0; step < 5; step++)
            strip.Add(step, Shade((byte)(10 * step)));
        Assert.Equal(3, strip.Count);                                  // steps 0, 2, 4
        var (rgb, w, h) = strip.Render("T");
        Assert.Equal(2 + 2 * (12 + 2), w);
        Assert.Equal(11 + 2 + 2 * (12 + 11 + 2), h);
        byte At(int x, int y) => rgb[(y * w + x) * 3];
        Assert.Equal(0, At(2, 13));                                    // step 0's frame, top-left
        Assert.Equal(20, At(2 + 14 + 11, 13 + 11));                    // step 2's frame, bottom-right pixel
        Assert.Equal(40, At(2, 13 + 25));                              // step 4 starts the second row
        Assert.Throws<SimException>(() => strip.Add(6, new Observation(new Dictionary<string, Frame>(), new RobotState(["j"], [0.0], [0.0], default), "", default)));
    }

    [Fact]
    public void Filmstrip_RenderWithImagined_DrawsEachGuessScaledUnderItsFrame()
    {
        var strip = new Filmstrip("cam", every: 2, scale: 3, perRow: 2);
        var asked = new List<int>();
        for (var step = 0; step < 3; step++)
            strip.Add(step, Shade((byte)(10 * step)), o => { asked.Add(o.Frames["cam"].Pixels.Span[0]); return Enumerable.Repeat((byte)(200 + o.Frames["cam"].Pixels.Span[0]), 12).ToArray(); });

        var (rgb, w, h) = strip.Render("T");

        Assert.Equal([0, 20], asked);                                  // imagined only for the frames kept
        Assert.Equal(2 + 2 * (12 + 2), w);
        Assert.Equal(11 + 2 + (12 + 2 + 12 + 11 + 2), h);              // one row of tiles: frame, gap, guess, caption
        byte At(int x, int y) => rgb[(y * w + x) * 3];
        Assert.Equal(0, At(2, 13));                                    // step 0's frame
        Assert.Equal(200, At(2, 13 + 14));                             // its 2×2 guess, scaled to the frame's 12×12
        Assert.Equal(200, At(2 + 11, 13 + 14 + 11));
        Assert.Equal(220, At(2 + 14, 13 + 14));                        // step 2's guess
    }

    [Fact]
    public void Evaluator_FilmstripOfAnImaginingPolicy_DrawsItsGuessesAndTitlesThem()
    {
        PolicyFactory.Register("still-dreamer", "holds the arm; imagines a grey frame", _ => new StillDreamer());
        var dir = Path.Combine(_dir, "film");

        var report = Evaluator.Run(SimFixtures.Profile, "reach", "still-dreamer", 1, 11, filmstripDir: dir);

        Assert.False(report.PerEpisode[0].Success);
        var (rgb, w, h) = Png.Read(Path.Combine(dir, "reach-seed11.png"));
        // Every 4th of 80 steps: 20 tiles of 128 px, 10 to a row, each a frame over a guess → 2 rows of 128 + 2 + 128 + 11 + 2.
        Assert.Equal(11 + 2 + 2 * (128 + 2 + 128 + 11 + 2), h);
        var guess = ((11 + 2 + 128 + 2 + 5) * w + 2 + 5) * 3;          // inside the first tile's guess
        Assert.Equal([77, 77, 77], rgb[guess..(guess + 3)]);
    }

    /// <summary>Holds the arm still and imagines a uniform grey frame: a stand-in world-model policy for the filmstrip's wiring.</summary>
    private sealed class StillDreamer : IImaginingPolicy
    {
        public string Name => "still-dreamer";

        public int ImagineHorizon => 8;

        public ActionChunk Infer(Observation observation) =>
            new([observation.State.Positions], TimeSpan.FromMilliseconds(50), observation.Stamp, 0, CommandSource.Policy);

        public byte[]? Imagine(Observation observation) => Enumerable.Repeat((byte)77, 64 * 64 * 3).ToArray();

        public void Reset()
        {
        }
    }

    [Fact]
    public void FailureBreakdown_NoFailures_SaysSo()
    {
        var breakdown = FailureBreakdown.From([new EvalEpisode(0, "", true, 3, 0.01, 0.2, 0)], 0.02);
        Assert.Equal(0, breakdown.Count);
        Assert.Null(breakdown.MedianFinal);
        Assert.Equal("no failures", breakdown.ToString());
    }

    [Theory]
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(10, 10, 0.7225, 1.0)]
    [InlineData(190, 200, 0.9102, 0.9726)]
    public void Wilson_KnownCases_MatchReferenceValues(int k, int n, double lo, double hi)
    {
        var (l, h) = Wilson.Interval(k, n);
        Assert.Equal(lo, l, 3);
        Assert.Equal(hi, h, 3);
    }
}
