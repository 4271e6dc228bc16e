using Controller.Transports.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Robots;

/// <summary>
/// Hosted service that routes mode and e-stop requests from the bus to the registered <see cref="IBusModeTarget"/>
/// (refused, and acked as refused, when none is registered) once the <see cref="BusLink"/> is open. If the link cannot
/// open, it logs and stops: the robot's own connect reports that failure to the operator.
/// </summary>
public sealed partial class BusControlService(BusLink link, IServiceProvider services, ILogger<BusControlService> log) : BackgroundService
{
    private BusControlChannel? _control;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        BusChannel channel;
        try
        {
            channel = await link.ConnectAsync(stoppingToken);
        }
        catch (TimeoutException e)
        {
            LogNoBus(log, e.Message);
            return;
        }
        var target = services.GetService<IBusModeTarget>();
        if (target is null)
            LogNoTarget(log, link.Topics.Mode);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "bus mode/e-stop channel not started: {Error}")]
    private static partial void LogNoBus(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no IBusModeTarget registered: mode and e-stop requests on {Topic} will be refused")]
    private static partial void LogNoTarget(ILogger logger, string topic);
}
