using System.Diagnostics;
using Controller.Abstractions;
using Controller.Host.Control;
using Controller.Host.Scheduling;
using Controller.Safety;
using Microsoft.Extensions.Logging.Abstractions;

namespace Controller.Cli.Bench;

/// <summary>
/// Control-loop overhead per tick with the model excluded: input buffers, watchdog, scheduler
/// (temporal ensembling), arbiter, safety and the send path, with a policy that returns a
/// precomputed chunk and a robot that only records. Inputs (state + 64×64 frames) are fed every tick.
/// </summary>
public sealed class ControlLoopBench : IBenchSuite
{
    public string Name => "loop";

    public string Description => "Control-loop overhead per tick (buffers, watchdog, scheduler, arbiter, safety), model excluded";

    private sealed class NullRobot(RobotProfile profile) : IRobot
    {
        public RobotProfile Profile => profile;
        public Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken) => Task.CompletedTask;
        public JointCommand SendAction(JointCommand command) => command;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class CannedPolicy(RobotProfile profile) : IPolicy
    {
        private long _seq;
        public string Name => "canned";
        public ActionChunk Infer(Observation o) => new(
            [.. Enumerable.Range(0, 16).Select(i => profile.Joints.Select((_, j) => (profile.Workspace.Min[j] + profile.Workspace.Max[j]) / 2 + 0.001 * i).ToArray())],
            profile.TickPeriod, o.Stamp, ++_seq, CommandSource.Policy);
        public void Reset() { }
    }

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var profile = RobotProfileLoader.Load("sim-arm");
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var loop = new ControlLoop(profile, new NullRobot(profile), new CannedPolicy(profile), new Arbiter(time),
            new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 16, Aggregation = Aggregation.TemporalEnsemble }),
            [], time, NullLogger<ControlLoop>.Instance, TimeSpan.FromMilliseconds(200));
        var frames = profile.Cameras.Select(c => (c, pixels: new byte[c.Width * c.Height * 3])).ToArray();
        var zeros = new double[profile.Dof];
        void Feed()
        {
            var now = time.GetUtcNow();
            loop.OnState(new RobotState(profile.JointNames, profile.Workspace.Min.Zip(profile.Workspace.Max, (a, b) => (a + b) / 2).ToArray(), zeros, now));
            foreach (var (c, pixels) in frames)
                loop.OnFrame(new Frame(c.Name, PixelFormat.Rgb8, c.Width, c.Height, now, pixels));
        }

        Feed();
        loop.Arbiter.Engage();
        var ticks = context.Quick ? 2_000 : 50_000;
        var samples = new double[ticks];
        for (var i = 0; i < ticks + 1_000; i++)
        {
            time.Advance(profile.TickPeriod);
            Feed();
            var start = Stopwatch.GetTimestamp();
            loop.Tick(time.GetUtcNow());
            if (i >= 1_000)
                samples[i - 1_000] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        var p50 = Stats.Median(samples);
        var p99 = Stats.Percentile(samples, 0.99);
        var budget = profile.TickPeriod.TotalMicroseconds;
        context.Report($"loop: p50 {p50:F1} µs, p99 {p99:F1} µs over {ticks} ticks");
        return Task.FromResult<IReadOnlyList<BenchResult>>(
        [
            new(Name, "tick overhead p50", p50, "µs", Note: $"{ticks} ticks, sim-arm, 2 cameras 64×64, temporal ensembling"),
            new(Name, "tick overhead p99", p99, "µs"),
            new(Name, "p99 share of the 20 Hz tick budget", p99 / budget, "ratio", "≤ 0.01", p99 / budget <= 0.01),
        ]);
    }
}
