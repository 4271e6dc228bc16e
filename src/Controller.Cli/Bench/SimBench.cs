using System.Diagnostics;
using Controller.Sim;

namespace Controller.Cli.Bench;

/// <summary>
/// MuJoCo shim and wrapper: physics steps/s, rendered frames/s at 64×64 and 128×128, and the C#
/// wrapper's time over the shim's own C loop doing the same work (set controls, 25 physics steps, one
/// 64×64 render per tick). Each number is the median of several repetitions in this run.
/// </summary>
public sealed class SimBench : IBenchSuite
{
    public string Name => "sim";

    public string Description => "MuJoCo sim: physics steps/s, render fps at 64x64 and 128x128, C# wrapper vs C loop overhead";

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
        => Task.Run<IReadOnlyList<BenchResult>>(() => Run(context, cancellationToken), cancellationToken);

    private IReadOnlyList<BenchResult> Run(BenchContext context, CancellationToken ct)
    {
        var reps = context.Quick ? 3 : 7;
        var ticks = context.Quick ? 40 : 200;
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        sim.Reset(0);
        var cam = sim.Id(SimObject.Camera, "overhead");
        var ctrl = new double[sim.Nu];
        ctrl[0] = 0.3;
        ctrl[1] = 0.5;
        ctrl[2] = 1.2;
        ctrl[3] = 1.0;
        const int steps = 25; // one 20 Hz control tick at 2 ms per physics step
        var rgb = new byte[128 * 128 * 3];

        double CSharpLoop(int iterations, int stepsPerTick, int camera, int size)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                sim.SetControls(ctrl);
                sim.Step(stepsPerTick);
                if (camera >= 0)
                    sim.Render(camera, size, size, rgb);
            }
            return sw.Elapsed.TotalSeconds;
        }

        double Median(Func<double> measure)
        {
            var xs = new double[reps];
            for (var i = 0; i < reps; i++)
            {
                ct.ThrowIfCancellationRequested();
                xs[i] = measure();
            }
            Array.Sort(xs);
            return xs[reps / 2];
        }

        // Warm up: the first render builds the OSMesa context and uploads the scene.
        CSharpLoop(5, steps, cam, 64);
        sim.NativeBenchLoop(5, steps, ctrl, cam, 64, 64);

        // C# and C runs alternate within each repetition so load changes on a shared machine hit both;
        // the ratio is the median of the per-repetition ratios.
        (double Cs, double C, double Ratio) Paired(int stepsPerTick, int camera, int size)
        {
            var cs = new double[reps];
            var c = new double[reps];
            var ratio = new double[reps];
            for (var i = 0; i < reps; i++)
            {
                ct.ThrowIfCancellationRequested();
                cs[i] = CSharpLoop(ticks, stepsPerTick, camera, size);
                c[i] = sim.NativeBenchLoop(ticks, stepsPerTick, ctrl, camera, size, size);
                ratio[i] = cs[i] / c[i];
            }
            Array.Sort(cs);
            Array.Sort(c);
            Array.Sort(ratio);
            return (cs[reps / 2], c[reps / 2], ratio[reps / 2]);
        }

        context.Report("sim: physics");
        var (physicsCs, physicsC, _) = Paired(steps, -1, 0);
        context.Report("sim: rendering");
        var (render64, render64C, _) = Paired(0, cam, 64);
        var render128 = Median(() => CSharpLoop(ticks, 0, cam, 128));
        context.Report("sim: full tick");
        var (tickCs, _, tickRatio) = Paired(steps, cam, 64);

        var overhead = tickRatio;
        var fps64 = ticks / render64;
        return
        [
            new(Name, "physics steps/s (C# wrapper)", ticks * steps / physicsCs, "steps/s", Note: $"timestep {sim.Timestep * 1000:0.#} ms, {sim.Nv} dof"),
            new(Name, "physics steps/s (C loop)", ticks * steps / physicsC, "steps/s"),
            new(Name, "render fps 64x64", fps64, "frames/s", "≥ 100", fps64 >= 100),
            new(Name, "render fps 128x128", ticks / render128, "frames/s"),
            new(Name, "render fps 64x64 (C loop)", ticks / render64C, "frames/s"),
            new(Name, "control ticks/s (25 steps + 1 render 64x64, C#)", ticks / tickCs, "ticks/s"),
            new(Name, "wrapper overhead (C# / C loop, same tick work)", overhead, "ratio", "≤ 1.1", overhead <= 1.1, $"median of {reps} paired runs of {ticks} ticks"),
        ];
    }
}
