using Controller.Abstractions;

namespace Controller.Sim.Experts;

/// <summary>The scripted expert for each task.</summary>
public static class Experts
{
    public static IPolicy For(SimEnv env, double noise = 0, ulong seed = 0) => env.Task.Name switch
    {
        "reach" => new ReachExpert(env, noise, seed),
        "push" or "push-wide" => new PushExpert(env, noise, seed),
        var t => throw new SimException($"no scripted expert for task '{t}'"),
    };
}
