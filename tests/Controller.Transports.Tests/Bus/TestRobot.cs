using Controller.Abstractions;

namespace Controller.Transports.Tests.Bus;

/// <summary>
/// A small in-test robot: reports its joint positions at 50 Hz from its own timer thread and moves to each command
/// it is sent (no dynamics). Records every command with the time it arrived.
/// </summary>
internal sealed class TestRobot(RobotProfile? profile = null) : IRobot
{
    private readonly Lock _gate = new();
    private readonly List<(JointCommand Command, DateTimeOffset At)> _received = [];
    private double[] _positions = new double[(profile ?? SimArm).Dof];
    private CancellationTokenSource? _cts;

    public static RobotProfile SimArm { get; } = RobotProfileLoader.Load("sim-arm");

    public RobotProfile Profile { get; } = profile ?? SimArm;

    /// <summary>Raised on the caller's thread after each command is applied.</summary>
    public event Action<JointCommand>? Commanded;

    public IReadOnlyList<(JointCommand Command, DateTimeOffset At)> Received
    {
        get { lock (_gate) return [.. _received]; }
    }

    public Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken)
    {
        _cts = new CancellationTokenSource();
        var ct = _cts.Token;
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                double[] p;
                lock (_gate)
                    p = [.. _positions];
                onState(new RobotState(Profile.JointNames, p, new double[p.Length], DateTimeOffset.UtcNow));
            }
        }, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public JointCommand SendAction(JointCommand command)
    {
        lock (_gate)
        {
            _positions = [.. command.Positions];
            _received.Add((command, DateTimeOffset.UtcNow));
        }
        Commanded?.Invoke(command);
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cts is not null)
            await _cts.CancelAsync();
        _cts?.Dispose();
    }
}
