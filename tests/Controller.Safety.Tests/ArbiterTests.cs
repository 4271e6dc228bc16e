using Controller.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Controller.Safety.Tests;

public class ArbiterTests
{
    private static Arbiter NewArbiter(out List<ModeTransition> log)
    {
        var a = new Arbiter(new FakeTimeProvider());
        var seen = new List<ModeTransition>();
        a.Changed += seen.Add;
        log = seen;
        return a;
    }

    [Fact]
    public void Constructor_NewArbiter_StartsPaused()
    {
        Assert.Equal(ControlMode.Paused, NewArbiter(out _).Mode);
    }

    [Theory]
    [InlineData(ControlMode.Paused, "engage", true, ControlMode.Autonomous)]
    [InlineData(ControlMode.Paused, "takeover", true, ControlMode.Teleop)]
    [InlineData(ControlMode.Paused, "pause", false, ControlMode.Paused)]
    [InlineData(ControlMode.Paused, "estop", true, ControlMode.Stopped)]
    [InlineData(ControlMode.Paused, "reset", false, ControlMode.Paused)]
    [InlineData(ControlMode.Autonomous, "engage", false, ControlMode.Autonomous)]
    [InlineData(ControlMode.Autonomous, "takeover", true, ControlMode.Teleop)]
    [InlineData(ControlMode.Autonomous, "pause", true, ControlMode.Paused)]
    [InlineData(ControlMode.Autonomous, "estop", true, ControlMode.Stopped)]
    [InlineData(ControlMode.Autonomous, "reset", false, ControlMode.Autonomous)]
    [InlineData(ControlMode.Teleop, "engage", true, ControlMode.Autonomous)]
    [InlineData(ControlMode.Teleop, "takeover", false, ControlMode.Teleop)]
    [InlineData(ControlMode.Teleop, "pause", true, ControlMode.Paused)]
    [InlineData(ControlMode.Teleop, "estop", true, ControlMode.Stopped)]
    [InlineData(ControlMode.Teleop, "reset", false, ControlMode.Teleop)]
    [InlineData(ControlMode.Stopped, "engage", false, ControlMode.Stopped)]
    [InlineData(ControlMode.Stopped, "takeover", false, ControlMode.Stopped)]
    [InlineData(ControlMode.Stopped, "pause", false, ControlMode.Stopped)]
    [InlineData(ControlMode.Stopped, "estop", false, ControlMode.Stopped)]
    [InlineData(ControlMode.Stopped, "reset", true, ControlMode.Paused)]
    public void Transition_FromEachMode_FollowsTheTable(ControlMode from, string action, bool accepted, ControlMode to)
    {
        var a = NewArbiter(out var log);
        Bring(a, from);
        log.Clear();
        var result = Do(a, action);
        Assert.Equal(accepted, result);
        Assert.Equal(to, a.Mode);
        Assert.Equal(accepted ? 1 : 0, log.Count);
        if (accepted)
            Assert.Equal((from, to), (log[0].From, log[0].To));
    }

    [Fact]
    public void EStop_DuringTeleop_LatchesUntilResetAndResetGoesToPaused()
    {
        var a = NewArbiter(out var log);
        a.TakeOver();
        Assert.True(a.Accepts(CommandSource.Teleop));
        Assert.True(a.EStop("operator slapped the button"));
        Assert.False(a.Accepts(CommandSource.Teleop));
        Assert.False(a.TakeOver());
        Assert.False(a.Engage());
        Assert.True(a.Reset());
        Assert.Equal(ControlMode.Paused, a.Mode);
        Assert.False(a.Accepts(CommandSource.Policy));
        Assert.Equal([ControlMode.Teleop, ControlMode.Stopped, ControlMode.Paused], log.Select(t => t.To));
    }

    [Theory]
    [InlineData(ControlMode.Autonomous, CommandSource.Policy, true)]
    [InlineData(ControlMode.Autonomous, CommandSource.Scripted, true)]
    [InlineData(ControlMode.Autonomous, CommandSource.Teleop, false)]
    [InlineData(ControlMode.Teleop, CommandSource.Teleop, true)]
    [InlineData(ControlMode.Teleop, CommandSource.Policy, false)]
    [InlineData(ControlMode.Paused, CommandSource.Teleop, false)]
    [InlineData(ControlMode.Paused, CommandSource.Policy, false)]
    [InlineData(ControlMode.Stopped, CommandSource.Teleop, false)]
    [InlineData(ControlMode.Stopped, CommandSource.Policy, false)]
    public void Accepts_SourceInMode_OnlyTheModesOwner(ControlMode mode, CommandSource source, bool expected)
    {
        var a = NewArbiter(out _);
        Bring(a, mode);
        Assert.Equal(expected, a.Accepts(source));
    }

    [Fact]
    public void Transition_Always_StampsTimeFromTimeProvider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var a = new Arbiter(time);
        ModeTransition? seen = null;
        a.Changed += t => seen = t;
        time.Advance(TimeSpan.FromSeconds(3));
        a.Engage("go");
        Assert.Equal(time.GetUtcNow(), seen!.At);
        Assert.Equal("go", seen.Reason);
    }

    private static void Bring(Arbiter a, ControlMode mode)
    {
        switch (mode)
        {
            case ControlMode.Autonomous: a.Engage(); break;
            case ControlMode.Teleop: a.TakeOver(); break;
            case ControlMode.Stopped: a.EStop(); break;
        }
        Assert.Equal(mode, a.Mode);
    }

    private static bool Do(Arbiter a, string action) => action switch
    {
        "engage" => a.Engage(),
        "takeover" => a.TakeOver(),
        "pause" => a.Pause(),
        "estop" => a.EStop(),
        "reset" => a.Reset(),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };
}
