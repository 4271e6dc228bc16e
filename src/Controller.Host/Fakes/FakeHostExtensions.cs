using Controller.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Host.Fakes;

public static class FakeHostExtensions
{
    /// <summary>Registers the deterministic <see cref="FakeArm"/>, its cameras and the <see cref="ScriptedPolicy"/>.</summary>
    public static IHostApplicationBuilder AddFakeArm(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new FakeArm(sp.GetRequiredService<RobotProfile>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IRobot>(sp => sp.GetRequiredService<FakeArm>());
        builder.Services.AddSingleton<IEnumerable<ICamera>>(sp => sp.GetRequiredService<FakeArm>().Cameras);
        builder.Services.AddSingleton<IPolicy>(sp => new ScriptedPolicy(sp.GetRequiredService<RobotProfile>()));
        return builder;
    }
}
