using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Host.Control;
using Controller.Host.Options;
using Controller.Host.Scheduling;
using Controller.Safety;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Controller.Host;

public static class ControllerHostExtensions
{
    /// <summary>
    /// Adds the control loop: options (validated on start), the robot profile, arbiter, scheduler,
    /// the loop and its hosted service, and OpenTelemetry metrics. A robot (<see cref="IRobot"/>),
    /// cameras (<see cref="ICamera"/>) and a policy (<see cref="IPolicy"/>) come from other AddXxx calls.
    /// </summary>
    public static IHostApplicationBuilder AddController(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ControllerOptions>().BindConfiguration(ControllerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControllerOptions>, ControllerOptionsValidator>();
        services.AddOptions<SchedulerOptions>().BindConfiguration($"{ControllerOptions.Section}:Scheduler").ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ControllerOptions>>().Value;
            return RobotProfileLoader.Load(o.Robot, string.IsNullOrWhiteSpace(o.RobotsDirectory) ? null : o.RobotsDirectory);
        });
        services.TryAddSingleton<Arbiter>();
        services.TryAddSingleton(sp => new ChunkScheduler(sp.GetRequiredService<IOptions<SchedulerOptions>>().Value));
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ControllerOptions>>().Value;
            return new ControlLoop(
                sp.GetRequiredService<RobotProfile>(),
                sp.GetRequiredService<IRobot>(),
                sp.GetRequiredService<IPolicy>(),
                sp.GetRequiredService<Arbiter>(),
                sp.GetRequiredService<ChunkScheduler>(),
                sp.GetServices<IActionSink>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ControlLoop>>(),
                TimeSpan.FromMilliseconds(o.MaxCommandAgeMs),
                o.StaleAfterMs > 0 ? TimeSpan.FromMilliseconds(o.StaleAfterMs) : null);
        });
        services.AddHostedService<ControlLoopService>();
        services.AddOpenTelemetry().WithMetrics(m =>
        {
            m.AddMeter(ControllerMetrics.MeterName);
            if (builder.Configuration.GetValue<bool>($"{ControllerOptions.Section}:Telemetry:ConsoleExporter"))
                m.AddConsoleExporter();
        });
        return builder;
    }
}
