namespace Controller.Sim.Tasks;

/// <summary>
/// push: three 4 cm blocks and a yellow goal disc on the table; the named block's centre must come
/// within <see cref="Tolerance"/> (3 cm, in the table plane) of the goal's centre. Reach targets are parked.
/// The <see cref="PushStart"/> variants are training data; evaluate on <c>push</c>:
/// <c>push-wide</c>: the named block starts anywhere on the table the distractors may occupy, 5–22 cm from the goal,
/// and the distractors anywhere clear of the blocks: the scenes a push that went off line leaves behind.
/// <c>push-recover</c>: those scenes with the arm down at pushing height 6–20 cm from the named block, where a push
/// that lost its block leaves the arm.
/// <c>push-slip</c>: push's scenes, and while the block is being pushed it is now and then knocked 6–16 cm away from the
/// pusher (<see cref="Disturb"/>): the pusher on its push line with the block somewhere else, as a push that lost its
/// block looks from the camera.
/// </summary>
public sealed class PushTask(PushStart start = PushStart.Standard) : SimTask
{
    public const double Tolerance = 0.03;

    private static readonly string[] Phrasings =
    [
        "push the {0} block to the yellow goal",
        "move the {0} cube onto the yellow circle",
        "slide the {0} block into the goal region",
        "push {0} to the target zone",
        "shove the {0} box onto the yellow disc",
    ];

    public override string Name => start switch
    {
        PushStart.Wide => "push-wide",
        PushStart.Recover => "push-recover",
        PushStart.Slip => "push-slip",
        _ => "push",
    };

    public override string Description => start switch
    {
        PushStart.Wide => "push, from scenes a failed push leaves: the block anywhere on the table, distractors anywhere (training data; evaluate on push)",
        PushStart.Recover => "push-wide with the arm starting down at pushing height away from the block, as a push that lost its block leaves it (training data; evaluate on push)",
        PushStart.Slip => "push, with the block now and then knocked 6-16 cm off the pusher while it is pushed (training data; evaluate on push)",
        _ => "Push the named block until it is within 3 cm of the yellow goal disc.",
    };

    /// <summary>push-recover: the tip starts at block mid-height somewhere over the table; other variants keep the home pose.</summary>
    public override Vec3 StartTip(Random rng, Vec3 home)
        => start == PushStart.Recover ? SampleTablePoint(rng, 0.17, 0.38, RecoverTipHeight, 0.2) : home;

    /// <summary>Tip height of a push-recover start: the expert's pushing height, so it has to lift off before it can re-approach.</summary>
    public const double RecoverTipHeight = 0.02;

    public override int MaxSteps => 200;

    /// <summary>Chance per tick that a block being pushed is knocked away (push-slip): about one slip per 20 ticks of pushing.</summary>
    public const double SlipChance = 0.05;

    /// <summary>push-wide and push-recover draw the block and distractors anywhere on the table.</summary>
    private bool Wide => start is PushStart.Wide or PushStart.Recover;

    public override TaskEpisode Reset(MujocoSim sim, Random rng)
    {
        for (var i = 0; i < SimScene.Colours.Count; i++)
            sim.SetMocap(SimScene.Target(SimScene.Colours[i]), SimScene.Parking(i) with { Z = 0.3 });

        var chosen = rng.Next(SimScene.Colours.Count);
        var tip = sim.SitePosition(SimScene.TipSite);
        // The pushed block and the goal: 8–16 cm apart, both inside the pushable annulus (wide: the block anywhere a
        // distractor may be, 5–22 cm from the goal).
        Vec3 block, goal;
        double near = Wide ? 0.05 : 0.08, far = Wide ? 0.22 : 0.16;
        do
        {
            block = Wide ? SampleTablePoint(rng, 0.17, 0.38, 0.02, 0.2) : SampleTablePoint(rng, 0.2, 0.34, 0.02, 0.14);
            goal = SampleTablePoint(rng, 0.2, 0.34, 0.001, 0.15);
        }
        while (block.PlanarDistance(goal) < near || block.PlanarDistance(goal) > far
               || (start == PushStart.Recover && (block.PlanarDistance(tip) < 0.06 || block.PlanarDistance(tip) > 0.2)));

        // Distractors stay clear of the push lane (the segment from behind the block to the goal); wide: of the blocks only.
        var behind = block - (goal - block) * (0.07 / block.PlanarDistance(goal));
        // A push-recover arm is down on the table: every block keeps clear of the tip too.
        var placed = start == PushStart.Recover ? new List<Vec3> { block, tip } : new List<Vec3> { block };
        for (var i = 0; i < SimScene.Colours.Count; i++)
        {
            var colour = SimScene.Colours[i];
            if (i == chosen)
            {
                sim.PlaceFree(SimScene.Block(colour), block, rng.NextDouble() * Math.PI / 2);
                continue;
            }
            Vec3 p;
            var tries = 0;
            do
                p = SampleTablePoint(rng, 0.17, 0.38, 0.02, 0.2);
            while (++tries < 500 && (placed.Exists(q => q.PlanarDistance(p) < 0.07) || (!Wide && SegmentDistance(p, behind, goal) < 0.08)));
            if (tries >= 500)
                p = SimScene.Parking(i);
            placed.Add(p);
            sim.PlaceFree(SimScene.Block(colour), p, rng.NextDouble() * Math.PI / 2);
        }
        sim.SetMocap(SimScene.GoalBody, goal);
        var name = SimScene.Colours[chosen];
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(rng, Phrasings), name);
        return new TaskEpisode(Name, text, name, SimScene.Block(name), goal, sim.Seed);
    }

    /// <summary>
    /// push-slip: while the tip is down within 6 cm of the named block (pushing it), with <see cref="SlipChance"/> per
    /// tick the block jumps to a free spot 6–16 cm from the tip and 5–22 cm from the goal, clear of the other blocks.
    /// </summary>
    public override void Disturb(MujocoSim sim, TaskEpisode episode, Random rng)
    {
        if (start != PushStart.Slip)
            return;
        var tip = sim.SitePosition(SimScene.TipSite);
        var block = sim.BodyPosition(episode.ObjectBody);
        if (tip.Z > 0.03 || tip.PlanarDistance(block) > 0.06 || rng.NextDouble() >= SlipChance)
            return;
        var others = SimScene.Colours.Select(SimScene.Block).Where(b => b != episode.ObjectBody).Select(sim.BodyPosition).ToList();
        for (var tries = 0; tries < 200; tries++)
        {
            var p = SampleTablePoint(rng, 0.17, 0.38, 0.02, 0.2);
            var d = p.PlanarDistance(tip);
            var g = p.PlanarDistance(episode.Goal);
            if (d < 0.06 || d > 0.16 || g < 0.05 || g > 0.22 || others.Exists(o => o.PlanarDistance(p) < 0.07))
                continue;
            sim.PlaceFree(episode.ObjectBody, p, rng.NextDouble() * Math.PI / 2);
            return;
        }
    }

    public override double Remaining(MujocoSim sim, TaskEpisode episode)
        => sim.BodyPosition(episode.ObjectBody).PlanarDistance(sim.BodyPosition(SimScene.GoalBody));

    public override double SuccessDistance => Tolerance;

    /// <summary>Planar distance from p to the segment a–b.</summary>
    private static double SegmentDistance(Vec3 p, Vec3 a, Vec3 b)
    {
        double abx = b.X - a.X, aby = b.Y - a.Y;
        var t = Math.Clamp(((p.X - a.X) * abx + (p.Y - a.Y) * aby) / (abx * abx + aby * aby), 0, 1);
        return p.PlanarDistance(new Vec3(a.X + t * abx, a.Y + t * aby, 0));
    }
}

/// <summary>How a push episode starts, or is disturbed (task names push, push-wide, push-recover, push-slip).</summary>
public enum PushStart
{
    Standard,
    Wide,
    Recover,
    Slip,
}
