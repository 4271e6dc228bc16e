using Controller.Abstractions;
using Controller.Transports.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Transports.Robots;

/// <summary>
/// Hosted service that routes mode and e-stop requests from the bus to the registered <see cref="IBusModeTarget"/>
/// (refused, and acked as refused, when none is registered) once the <see cref="BusLink"/> is open.
/// </summary>
public sealed class BusControlService(BusLink link, IServiceProvider services) : BackgroundService
{
    private BusControlChannel? _control;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = await link.ConnectAsync(stoppingToken);
        var target = services.GetService<IBusModeTarget>();
        _control = new BusControlChannel(channel,
            (mode, why) => target?.RequestMode(mode, why) ?? false,
            (engage, why) => target?.EStop(engage, why) ?? false);
        _control.Start();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _control?.Dispose();
        await base.StopAsync(cancellationToken);
    }
}
