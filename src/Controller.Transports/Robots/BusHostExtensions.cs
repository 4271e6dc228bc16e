using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Cameras;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Robots;

/// <summary>`run --mqtt URL` / `run --zmq URL`: the robot, its cameras and an action sink over the bus.</summary>
public static class BusHostExtensions
{
    /// <summary>
    /// Registers a <see cref="BusRobot"/> (state in, commands out), one <see cref="BusCamera"/> per profile camera, a
    /// <see cref="BusActionSink"/> (chunks out on actions) and a hosted <see cref="BusControlService"/> (mode/e-stop in,
    /// to an <see cref="IBusModeTarget"/> if registered), all over one <see cref="BusLink"/> to <paramref name="url"/>.
    /// Settings: Bus:Cell (default cell0), Bus:Mqtt:Username/Password/Tls/AllowUntrustedCertificates, Bus:PolicyServer
    /// (tcp://host:port: use a remote policy). <paramref name="defaultPolicy"/> is registered with TryAdd when no remote policy is set.
    /// </summary>
    public static IHostApplicationBuilder AddBusRobot(this IHostApplicationBuilder builder, BusTransportKind kind, string url,
        Func<IServiceProvider, IPolicy>? defaultPolicy = null)
    {
        var config = builder.Configuration;
        var cell = config["Bus:Cell"] is { Length: > 0 } c ? c : "cell0";
        if (kind == BusTransportKind.Zmq)
            NetMqBusOptions.Parse(url);
        else
            new MqttBusOptions { Url = url }.Endpoint();
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var profile = sp.GetRequiredService<RobotProfile>();
            var mqtt = new MqttBusOptions();
            config.GetSection("Bus:Mqtt").Bind(mqtt);
            return new BusLink(kind, url, new BusTopics(cell, profile.Name), "controller", server: false, mqtt, sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger<MqttBusClient>())
            {
                Birth = (profile.JointNames, [.. profile.Cameras.Select(x => x.Name)], profile.ControlRateHz),
            };
        });
        services.AddSingleton<IRobot>(sp => new BusRobot(sp.GetRequiredService<RobotProfile>(), sp.GetRequiredService<BusLink>()));
        services.AddSingleton<IEnumerable<ICamera>>(sp =>
        {
            var profile = sp.GetRequiredService<RobotProfile>();
            var link = sp.GetRequiredService<BusLink>();
            // A frame older than a few control ticks is not worth showing the policy.
            var maxAge = TimeSpan.FromMilliseconds(Math.Max(profile.StaleAfterMs, 3000 / profile.ControlRateHz));
            return [.. profile.Cameras.Select(x => new BusCamera(link, x.Name, maxAge))];
        });
        services.AddSingleton<IActionSink>(sp => new LinkActionSink(sp.GetRequiredService<BusLink>()));
        services.AddHostedService<BusControlService>();
        if (config["Bus:PolicyServer"] is { Length: > 0 } policyServer)
            services.AddSingleton<IPolicy>(_ => new RemotePolicy(policyServer));
        else if (defaultPolicy is not null)
            services.TryAddSingleton(defaultPolicy);
        return builder;
    }

    /// <summary>Publishes chunks once the link is open; drops them before (never blocks the loop).</summary>
    private sealed class LinkActionSink(BusLink link) : IActionSink
    {
        public void OnChunk(ActionChunk chunk)
        {
            if (link.Channel is { } c)
                new BusActionSink(c).OnChunk(chunk);
        }

        public void OnCommand(JointCommand sent, ControlMode mode)
        {
        }
    }
}
