using Controller.Abstractions;
using Microsoft.Extensions.Options;

namespace Controller.Host.Options;

/// <summary>Fails start-up when the configured robot has no valid profile, naming the bad field.</summary>
public sealed class ControllerOptionsValidator : IValidateOptions<ControllerOptions>
{
    public ValidateOptionsResult Validate(string? name, ControllerOptions options)
    {
        try
        {
            RobotProfileLoader.Load(options.Robot, string.IsNullOrWhiteSpace(options.RobotsDirectory) ? null : options.RobotsDirectory);
            return ValidateOptionsResult.Success;
        }
        catch (ProfileException e)
        {
            return ValidateOptionsResult.Fail($"Controller:Robot: {e.Message}");
        }
    }
}
