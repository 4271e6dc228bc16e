using Controller.Host.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Controller.Host.Tests;

public class HostStartupTests
{
    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddController();
        builder.AddFakeArm();
        return builder.Build();
    }

    [Fact]
    public async Task StartAsync_UnknownRobot_FailsAtBootNamingTheSetting()
    {
        using var host = Build(("Controller:Robot", "nope"));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Controller:Robot", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown robot 'nope'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_RefillThresholdOutOfRange_FailsAtBoot()
    {
        using var host = Build(("Controller:Scheduler:RefillThreshold", "1.5"));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("RefillThreshold", e.Message, StringComparison.Ordinal);
    }
}
