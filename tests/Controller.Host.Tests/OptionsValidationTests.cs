using Controller.Host.Options;

namespace Controller.Host.Tests;

public class OptionsValidationTests
{
    [Fact]
    public void Validate_UnknownRobot_FailsNamingRobotAndKnownOnes()
    {
        var result = new ControllerOptionsValidator().Validate(null, new ControllerOptions { Robot = "r2d2" });
        Assert.True(result.Failed);
        Assert.Contains("unknown robot 'r2d2'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("ur5e", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KnownRobot_Succeeds()
    {
        Assert.True(new ControllerOptionsValidator().Validate(null, new ControllerOptions { Robot = "panda" }).Succeeded);
    }
}
