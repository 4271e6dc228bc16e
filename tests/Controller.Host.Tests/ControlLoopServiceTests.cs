using Controller.Abstractions;
using Controller.Host.Control;
using Controller.Host.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Controller.Host.Tests;

public class ControlLoopServiceTests
{
    [Fact]
    public async Task ExecuteAsync_FakeClockAdvances_TicksOncePerProfilePeriodAndClosesTheLoop()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection([new("Controller:Robot", "sim-arm"), new("Controller:AutoEngage", "true")]);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.AddController();
        builder.AddFakeArm();
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetServices<IHostedService>().OfType<ControlLoopService>().Single().Ticking.WaitAsync(TimeSpan.FromSeconds(10));
        var loop = host.Services.GetRequiredService<ControlLoop>();
        var arm = host.Services.GetRequiredService<FakeArm>();
        var period = host.Services.GetRequiredService<RobotProfile>().TickPeriod;

        for (var i = 1; i <= 40; i++)
        {
            time.Advance(period);
            Assert.True(SpinWait.SpinUntil(() => loop.Status.Ticks >= i, TimeSpan.FromSeconds(10)), $"tick {i} did not happen");
        }
        await host.StopAsync();

        Assert.InRange(loop.Status.Ticks, 40, 41);
        Assert.Equal(ControlMode.Autonomous, loop.Status.Mode);
        Assert.True(loop.Status.PolicyCalls > 0);
        Assert.True(arm.Commands >= 40);
    }
}
