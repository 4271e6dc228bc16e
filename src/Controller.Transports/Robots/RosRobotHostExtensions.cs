using Controller.Abstractions;
using Controller.Transports.Cameras;
using Controller.Transports.Rosbridge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Robots;

public static class RosRobotHostExtensions
{
    /// <summary>
    /// Registers an arm behind rosbridge at <paramref name="uri"/> as the robot (a <see cref="RosRobot"/> following
    /// the registered <see cref="RobotProfile"/>) and its profile cameras as <see cref="RosCamera"/>s. Video uses its
    /// own connection so big frames never queue ahead of joint states and commands. <paramref name="policy"/>, when
    /// given, registers the policy too (a later IPolicy registration, e.g. a model, wins).
    /// </summary>
    public static IHostApplicationBuilder AddRosArm(this IHostApplicationBuilder builder, Uri uri, Func<IServiceProvider, IPolicy>? policy = null, RosDialect dialect = RosDialect.Ros2)
    {
        var options = new RosbridgeClientOptions { Uri = uri, Dialect = dialect };
        builder.Services.AddKeyedSingleton("ros-control", (sp, _) => new RosbridgeClient(options, sp.GetService<ILoggerFactory>()?.CreateLogger("rosbridge"), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddKeyedSingleton("ros-video", (sp, _) => new RosbridgeClient(options, sp.GetService<ILoggerFactory>()?.CreateLogger("rosbridge.video"), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IRobot>(sp => new RosRobot(sp.GetRequiredKeyedService<RosbridgeClient>("ros-control"), sp.GetRequiredService<RobotProfile>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<RosRobot>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IEnumerable<ICamera>>(sp =>
        {
            var video = sp.GetRequiredKeyedService<RosbridgeClient>("ros-video");
            return [.. sp.GetRequiredService<RobotProfile>().Cameras.Select(c => new RosCamera(video, c, compressed: false,
                sp.GetService<ILoggerFactory>()?.CreateLogger<RosCamera>(), sp.GetRequiredService<TimeProvider>()))];
        });
        if (policy is not null)
            builder.Services.AddSingleton(policy);
        return builder;
    }
}
