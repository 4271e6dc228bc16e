namespace Controller.Sim;

/// <summary>How a <see cref="SimEnv"/> observes. Defaults match robots/sim-arm: 64×64 RGB from every profile camera.</summary>
public sealed record SimEnvOptions
{
    /// <summary>Render camera frames into each observation. Policies that read only privileged state (experts, random) can turn this off.</summary>
    public bool Render { get; init; } = true;

    /// <summary>Frame size override (square); null uses each camera's size from the profile.</summary>
    public int? ImageSize { get; init; }

    /// <summary>MJCF file; null finds sim/models/sim_arm.xml.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Random jitter (m) of the arm's start tip position around its home point.</summary>
    public double StartJitter { get; init; } = 0.03;
}
