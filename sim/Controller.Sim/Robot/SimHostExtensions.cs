using Controller.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Sim.Robot;

public static class SimHostExtensions
{
    /// <summary>
    /// Registers the MuJoCo sim-arm running <paramref name="task"/> as the robot, its cameras, and the
    /// task's scripted expert as the policy (a later registration of IPolicy, e.g. a model, wins).
    /// Real time on the host's <see cref="TimeProvider"/>.
    /// </summary>
    public static IHostApplicationBuilder AddSimArm(this IHostApplicationBuilder builder, string task, ulong seed = 0)
    {
        builder.Services.AddSingleton(sp => new SimRobot(sp.GetRequiredService<RobotProfile>(),
            new SimRobotOptions { Task = task, Seed = seed, RealTime = true }, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IRobot>(sp => sp.GetRequiredService<SimRobot>());
        builder.Services.AddSingleton<IEnumerable<ICamera>>(sp => sp.GetRequiredService<SimRobot>().Cameras);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<SimRobot>().ExpertPolicy());
        return builder;
    }
}
