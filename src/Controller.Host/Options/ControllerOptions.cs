using System.ComponentModel.DataAnnotations;

namespace Controller.Host.Options;

/// <summary>Top-level settings (section "Controller"), from appsettings.json, CONTROLLER__* variables or --Controller:Key=value.</summary>
public sealed class ControllerOptions
{
    public const string Section = "Controller";

    /// <summary>Robot profile name under robots/ (e.g. sim-arm, ur5e, panda, so101).</summary>
    [Required]
    public string Robot { get; set; } = "sim-arm";

    /// <summary>Where robot profiles live; empty means search upwards for robots/.</summary>
    public string? RobotsDirectory { get; set; }

    /// <summary>Instruction handed to the policy with every observation.</summary>
    public string Instruction { get; set; } = "";

    /// <summary>Go to Autonomous as soon as inputs are fresh, instead of waiting in Paused for an operator.</summary>
    public bool AutoEngage { get; set; }

    /// <summary>Commands older than this are never sent (ms).</summary>
    [Range(1, 10_000)]
    public double MaxCommandAgeMs { get; set; } = 200;

    /// <summary>Watchdog timeout override (ms); 0 uses the profile's stale_after_ms.</summary>
    [Range(0, 60_000)]
    public double StaleAfterMs { get; set; }
}
