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
            await solved.Task.WaitAsync(TimeSpan.FromSeconds(60));
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
