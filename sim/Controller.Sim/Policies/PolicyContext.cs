namespace Controller.Sim.Policies;

/// <summary>
/// What a policy factory may use: the environment it will drive (profile, task, privileged sim state
/// for experts), a noise level, a seed, and free-form options from the command line (e.g. a checkpoint path).
/// </summary>
public sealed record PolicyContext(SimEnv Env, ulong Seed, double Noise = 0, IReadOnlyDictionary<string, string>? Options = null);
