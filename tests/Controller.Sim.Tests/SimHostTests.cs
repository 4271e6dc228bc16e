using Controller.Abstractions;
using Controller.Cli;
using Controller.Host.Control;
using Controller.Sim.Robot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Sim.Tests;

public class SimHostTests
{
    [Fact]
    public async Task AddSimArm_ControlLoopWithExpert_SolvesReachInRealTime()
    {
        var builder = ControllerApp.CreateBuilder(
        [
            new("Controller:Robot", "sim-arm"),
            new("Controller:AutoEngage", "true"),
            // The test machine is shared and loaded: tolerate slow ticks instead of letting the watchdog
            // pause the arm (this test is about the wiring, the watchdog has its own tests).
            new("Controller:StaleAfterMs", "3000"),
            new("Controller:MaxCommandAgeMs", "3000"),
        ], quietLogs: true);
        builder.AddSimArm("reach", seed: 3);
        using var host = builder.Build();
        var robot = host.Services.GetRequiredService<SimRobot>();
        var solved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        robot.Ticked += _ =>
        {
            if (robot.TaskSucceeded)
                solved.TrySetResult();
        };
        await host.StartAsync();
        try
        {
            // The real loop, safety limiter and arbiter sit between the expert and the sim.
            var done = await Task.WhenAny(solved.Task, Task.Delay(TimeSpan.FromSeconds(60), TimeProvider.System));
            var status0 = host.Services.GetRequiredService<ControlLoop>().Status;
            Assert.True(done == solved.Task, $"not solved: fault={robot.Fault?.Message} ticks={robot.Ticks} mode={status0.Mode} calls={status0.PolicyCalls} holds={status0.Holds} stale={string.Join(",", status0.StaleInputs)} reasons={status0.LastReasons}");
            var status = host.Services.GetRequiredService<ControlLoop>().Status;
            Assert.Equal(ControlMode.Autonomous, status.Mode);
            Assert.True(status.PolicyCalls > 0);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
