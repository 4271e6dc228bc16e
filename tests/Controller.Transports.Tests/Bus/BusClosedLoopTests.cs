using Controller.Abstractions;
using Controller.Host;
using Controller.Host.Fakes;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
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
        if (kind == BusTransportKind.Mqtt)
            await broker.StartAsync(CancellationToken.None);
        var profile = TestRobot.SimArm;
        var (served, channel, url) = await ServeAsync(kind, broker, profile);
        await using var link = served;
        await using var robot = new TestRobot();
        await using var cam1 = new TestCamera("overhead", 64, 64);
        await using var cam2 = new TestCamera("side", 64, 64);
        await using var server = new BusRobotServer(robot, [cam1, cam2], channel);
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

    /// <summary>
    /// The robot's side of the bus. ZeroMQ binds a port pair that <see cref="NetMqBusOptions.FreeServerPort"/> found
    /// free a moment earlier; a test running in parallel can take it in between (seen once in CI), so it binds again on another.
    /// </summary>
    private static async Task<(BusLink Link, BusChannel Channel, string Url)> ServeAsync(BusTransportKind kind, EmbeddedMqttBroker broker, RobotProfile profile)
    {
        for (var attempt = 1; ; attempt++)
        {
            var url = kind == BusTransportKind.Mqtt ? broker.Url : $"tcp://127.0.0.1:{NetMqBusOptions.FreeServerPort()}";
            var link = new BusLink(kind, url, new BusTopics("cell0", profile.Name), BusRobotServer.Role, server: true)
            {
                Birth = (profile.JointNames, ["overhead", "side"], profile.ControlRateHz),
            };
            try
            {
                return (link, await link.ConnectAsync(CancellationToken.None), url);
            }
            catch (NetMQ.AddressAlreadyInUseException) when (attempt < 3)
            {
                await link.DisposeAsync();
            }
        }
    }
}
