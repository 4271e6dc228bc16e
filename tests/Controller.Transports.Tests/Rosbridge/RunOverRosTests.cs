using Controller.Abstractions;
using Controller.Host;
using Controller.Host.Control;
using Controller.Host.Fakes;
using Controller.Transports.Robots;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>`run --ros` in miniature: the real host and control loop, wired by AddRosArm, driving a served plant over rosbridge.</summary>
public sealed class RunOverRosTests
{
    [Fact]
    public async Task Host_WithAddRosArm_EngagesAndCommandsTheServedArmOverRos()
    {
        var profile = RobotProfileLoader.Load("sim-arm");
        await using var server = Loopback.StartServer();
        var plant = new TinyPlant(profile);
        await using var served = new RosRobotServer(server, plant);
        served.Start();

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection([
            new("Controller:Robot", "sim-arm"),
            new("Controller:AutoEngage", "true"),
            // parallel tests share two cores: a looser watchdog than the profile's 100 ms keeps this about the wiring
            new("Controller:StaleAfterMs", "1000"),
        ]);
        builder.AddController();
        builder.AddRosArm(server.Uri, sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()));
        using var host = builder.Build();
        await host.StartAsync();
        var loop = host.Services.GetRequiredService<ControlLoop>();

        // PolicyCalls only grow while Autonomous, so this holds even if a watchdog pause follows
        var engaged = SpinWait.SpinUntil(() => loop.Status.PolicyCalls > 0 && served.CommandsAccepted >= 5, Loopback.Timeout);
        var status = loop.Status;
        await host.StopAsync();

        Assert.True(engaged, $"mode {status.Mode}, stale [{string.Join(", ", status.StaleInputs)}], ticks {status.Ticks}, commands accepted {served.CommandsAccepted}");
        Assert.True(plant.Steps > 0);
    }
}
