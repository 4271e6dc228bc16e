using Controller.Abstractions;
using Controller.Sim.Tasks;

namespace Controller.Sim.Experts;

/// <summary>The scripted expert for each task.</summary>
public static class Experts
{
    public static IPolicy For(SimEnv env, double noise = 0, ulong seed = 0) => env.Task switch
    {
        ReachTask => new ReachExpert(env, noise, seed),
        PushTask => new PushExpert(env, noise, seed),   // every push variant
        var t => throw new SimException($"no scripted expert for task '{t.Name}'"),
    };
}
