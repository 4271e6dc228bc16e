using Controller.Abstractions;
using Controller.Host;
using Controller.Host.Fakes;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.Robots;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Tests.Bus;

/// <summary>
/// What `run --mqtt URL` / `run --zmq URL` wires (the real control loop host + AddBusRobot) against a robot served on the
/// bus by <see cref="BusRobotServer"/> (what `sim serve --mqtt/--zmq` runs): the loop must close over each bus.
/// </summary>
public class BusClosedLoopTests
{
    [Theory]
    [InlineData(BusTransportKind.Mqtt)]
    [InlineData(BusTransportKind.Zmq)]
    public async Task ControlLoop_OverBus_DrivesServedRobot(BusTransportKind kind)
    {
        await using var broker = new EmbeddedMqttBroker();
        var port = EmbeddedMqttBroker.FreePort();
        string url;
        if (kind == BusTransportKind.Mqtt)
        {
            await broker.StartAsync(CancellationToken.None);
            url = broker.Url;
        }
        else
        {
            url = $"tcp://127.0.0.1:{port}";
        }
        var profile = TestRobot.SimArm;
        await using var served = new BusLink(kind, url, new BusTopics("cell0", profile.Name), BusRobotServer.Role, server: true)
        {
            Birth = (profile.JointNames, ["overhead", "side"], profile.ControlRateHz),
        };
        await using var robot = new TestRobot();
        await using var cam1 = new TestCamera("overhead", 64, 64);
        await using var cam2 = new TestCamera("side", 64, 64);
        await using var server = new BusRobotServer(robot, [cam1, cam2], await served.ConnectAsync(CancellationToken.None));
        await server.StartAsync(CancellationToken.None);
        var tenCommands = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var policyCommands = 0;
        robot.Commanded += c =>
        {
            if (c.Source == CommandSource.Policy && Interlocked.Increment(ref policyCommands) == 10)
                tenCommands.TrySetResult();
        };

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        // A loaded CI machine can delay one frame past the 100 ms watchdog; this test is about the bus, not the watchdog.
        builder.Configuration.AddInMemoryCollection([new("Controller:Robot", "sim-arm"), new("Controller:AutoEngage", "true"), new("Controller:StaleAfterMs", "1000")]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddController();
        builder.AddBusRobot(kind, url, sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()));
        using var host = builder.Build();
        await host.StartAsync();

        await tenCommands.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await host.StopAsync();

        var received = robot.Received.Where(r => r.Command.Source == CommandSource.Policy).ToList();
        Assert.True(received.Count >= 10);
        Assert.All(received, r => Assert.Equal(profile.Dof, r.Command.Positions.Length));
    }
}
