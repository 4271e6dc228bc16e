using Controller.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Controller.Host.Options;

namespace Controller.Host.Control;

/// <summary>
/// Connects the robot and cameras, then ticks <see cref="ControlLoop"/> at the profile's rate on
/// the injected <see cref="TimeProvider"/>. Ticks never overlap; a tick that overruns delays the next.
/// </summary>
public sealed partial class ControlLoopService(
    ControlLoop loop,
    IRobot robot,
    IEnumerable<ICamera> cameras,
    TimeProvider time,
    IOptions<ControllerOptions> options,
    ILogger<ControlLoopService> log) : BackgroundService
{
    private readonly TaskCompletionSource _ticking = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the robot and cameras are connected and the tick timer is armed.</summary>
    public Task Ticking => _ticking.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        loop.Instruction = options.Value.Instruction;
        await robot.ConnectAsync(loop.OnState, stoppingToken);
        foreach (var camera in cameras)
            await camera.StartAsync(loop.OnFrame, stoppingToken);
        LogStarted(robot.Profile.Name, robot.Profile.ControlRateHz);

        using var timer = new PeriodicTimer(robot.Profile.TickPeriod, time);
        var engaged = false;
        _ticking.TrySetResult();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                loop.Tick(time.GetUtcNow());
                if (options.Value.AutoEngage && !engaged && loop.Status.StaleInputs.Count == 0)
                    engaged = loop.Arbiter.Engage("auto-engage: inputs fresh");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        LogStopped(loop.Status.Ticks);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "control loop started for {Robot} at {RateHz} Hz")]
    private partial void LogStarted(string robot, double rateHz);

    [LoggerMessage(Level = LogLevel.Information, Message = "control loop stopped after {Ticks} ticks")]
    private partial void LogStopped(long ticks);
}
