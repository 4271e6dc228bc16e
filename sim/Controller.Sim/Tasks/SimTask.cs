namespace Controller.Sim.Tasks;

/// <summary>
/// What one episode asks for, fixed at reset: the instruction text, the colour named in it, the body
/// to act on (target sphere or block) and the goal point (world, m).
/// </summary>
public sealed record TaskEpisode(string Task, string Instruction, string Colour, string ObjectBody, Vec3 Goal, ulong Seed);

/// <summary>
/// A task on the sim-arm scene: seeded randomisation of markers and blocks, an instruction drawn from
/// several phrasings, and a success test. Stateless; safe to share between environments.
/// </summary>
public abstract class SimTask
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>Episode length limit in control ticks.</summary>
    public abstract int MaxSteps { get; }

    /// <summary>
    /// Where the arm's tip starts, given the jittered <paramref name="home"/> pose (which is the default). Called before
    /// <see cref="Reset"/>, which sees the arm already there.
    /// </summary>
    public virtual Vec3 StartTip(Random rng, Vec3 home) => home;

    /// <summary>
    /// Called after every control tick with the episode's random stream: a task may disturb the scene here
    /// (push-slip knocks the block off the pusher). The default leaves the scene alone.
    /// </summary>
    public virtual void Disturb(MujocoSim sim, TaskEpisode episode, Random rng)
    {
    }

    /// <summary>Places this task's objects (the arm is already at its start pose) and returns the episode's goal.</summary>
    public abstract TaskEpisode Reset(MujocoSim sim, Random rng);

    public bool IsSuccess(MujocoSim sim, TaskEpisode episode) => Remaining(sim, episode) <= SuccessDistance;

    /// <summary>The <see cref="Remaining"/> distance (m) at or below which the episode succeeds.</summary>
    public abstract double SuccessDistance { get; }

    /// <summary>Distance (m) still to close: tip-to-target for reach, block-to-goal for push.</summary>
    public abstract double Remaining(MujocoSim sim, TaskEpisode episode);

    /// <summary>Samples a table point whose distance from the arm base lies in [rMin, rMax] and in front of it.</summary>
    protected static Vec3 SampleTablePoint(Random rng, double rMin, double rMax, double z, double maxAbsY = 0.17)
    {
        while (true)
        {
            var p = new Vec3(0.12 + rng.NextDouble() * 0.26, (rng.NextDouble() * 2 - 1) * maxAbsY, z);
            var r = Math.Sqrt(p.X * p.X + p.Y * p.Y);
            if (r >= rMin && r <= rMax)
                return p;
        }
    }

    protected static string Pick(Random rng, IReadOnlyList<string> options) => options[rng.Next(options.Count)];
}
