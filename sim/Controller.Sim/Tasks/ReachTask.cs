namespace Controller.Sim.Tasks;

/// <summary>
/// reach: three coloured spheres float <see cref="Height"/> above the table; the tip must come within
/// <see cref="Tolerance"/> (2 cm) of the named one. Blocks and the push goal are parked.
/// One height for all: the policy sees the overhead camera, from which a sphere's height is not observable.
/// </summary>
public sealed class ReachTask : SimTask
{
    public const double Tolerance = 0.02;
    public const double Height = 0.08;

    private static readonly string[] Phrasings =
    [
        "reach the {0} target",
        "touch the {0} ball",
        "move the gripper to the {0} sphere",
        "go to the {0} marker",
        "put the tip on the {0} target",
    ];

    public override string Name => "reach";

    public override string Description => "Bring the tip within 2 cm of the named coloured sphere.";

    public override int MaxSteps => 80;

    public override TaskEpisode Reset(MujocoSim sim, Random rng)
    {
        for (var i = 0; i < SimScene.Colours.Count; i++)
            sim.PlaceFree(SimScene.Block(SimScene.Colours[i]), SimScene.Parking(i), 0);
        sim.SetMocap(SimScene.GoalBody, SimScene.Parking(3) with { Z = 0.001 });

        var placed = new List<Vec3>();
        foreach (var colour in SimScene.Colours)
        {
            Vec3 p;
            do
                p = SampleTablePoint(rng, 0.18, 0.34, Height, 0.16);
            while (placed.Exists(q => q.PlanarDistance(p) < 0.07));
            placed.Add(p);
            sim.SetMocap(SimScene.Target(colour), p);
        }
        var chosen = rng.Next(SimScene.Colours.Count);
        var name = SimScene.Colours[chosen];
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(rng, Phrasings), name);
        return new TaskEpisode(Name, text, name, SimScene.Target(name), placed[chosen], sim.Seed);
    }

    public override double Remaining(MujocoSim sim, TaskEpisode episode)
        => sim.SitePosition(SimScene.TipSite).DistanceTo(sim.BodyPosition(episode.ObjectBody));

    public override double SuccessDistance => Tolerance;
}
