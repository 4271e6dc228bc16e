using System.Collections.Concurrent;
using Controller.Abstractions;
using Controller.Sim.Experts;

namespace Controller.Sim.Policies;

/// <summary>A named way to build a policy for an environment. <see cref="NeedsFrames"/> false lets the runner skip rendering.</summary>
public sealed record PolicyRegistration(string Name, string Description, bool NeedsFrames, Func<PolicyContext, IPolicy> Create);

/// <summary>
/// Registry of policies the `eval` verb and the episode runner can use, by name. Built in: expert,
/// random. Another project adds its own with one line, e.g.
/// <c>PolicyFactory.Register("model", "world model", ctx =&gt; new ModelPolicy(ctx), needsFrames: true);</c>
/// Thread-safe.
/// </summary>
public static class PolicyFactory
{
    private static readonly ConcurrentDictionary<string, PolicyRegistration> Registry = new(StringComparer.Ordinal);

    static PolicyFactory()
    {
        Register("expert", "scripted IK expert of the task (privileged state)", ctx => Experts.Experts.For(ctx.Env, ctx.Noise, ctx.Seed), needsFrames: false);
        Register("random", "random walk of joint targets inside the workspace", ctx => new RandomPolicy(ctx.Env.Profile, ctx.Seed), needsFrames: false);
    }

    public static IReadOnlyCollection<string> Names => [.. Registry.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds or replaces a policy by name.</summary>
    public static void Register(string name, string description, Func<PolicyContext, IPolicy> create, bool needsFrames = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        Registry[name] = new PolicyRegistration(name, description, needsFrames, create);
    }

    public static PolicyRegistration Get(string name)
        => Registry.TryGetValue(name, out var r)
            ? r
            : throw new SimException($"unknown policy '{name}'. Known policies: {string.Join(", ", Names)}");

    public static IPolicy Create(string name, PolicyContext context) => Get(name).Create(context);
}
