using Controller.Transports.Bus;
using Microsoft.Extensions.Time.Testing;

namespace Controller.Transports.Tests.Bus;

public class SequenceGateTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-23T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private BusHeader H(long seq, double ageMs = 0, string session = "s1") => new(_time.GetUtcNow().AddMilliseconds(-ageMs), seq, "peer", session);

    [Fact]
    public void Check_IncreasingFreshSequence_Accepts()
    {
        var gate = new SequenceGate(_time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(GateVerdict.Accept, gate.Check("cmd", H(1)));
        Assert.Equal(GateVerdict.Accept, gate.Check("cmd", H(5)));
    }

    [Fact]
    public void Check_RepeatedOrLowerSequence_RejectsOutOfOrder()
    {
        var gate = new SequenceGate(_time, TimeSpan.FromMilliseconds(100));
        gate.Check("cmd", H(5));
        Assert.Equal(GateVerdict.OutOfOrder, gate.Check("cmd", H(5)));
        Assert.Equal(GateVerdict.OutOfOrder, gate.Check("cmd", H(4)));
    }

    [Fact]
    public void Check_OlderThanMaxAge_RejectsStale()
    {
        var gate = new SequenceGate(_time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(GateVerdict.Stale, gate.Check("cmd", H(1, ageMs: 150)));
        Assert.Equal(GateVerdict.Accept, gate.Check("cmd", H(1, ageMs: 150), ignoreAge: true));
    }

    [Fact]
    public void Check_FarFuture_RejectsFuture()
    {
        var gate = new SequenceGate(_time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(GateVerdict.Future, gate.Check("cmd", H(1, ageMs: -5000)));
    }

    [Fact]
    public void Check_RestartedSenderWithNewerSession_AcceptsLowSequence()
    {
        var gate = new SequenceGate(_time, TimeSpan.FromMilliseconds(100));
        gate.Check("cmd", H(500));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(GateVerdict.Accept, gate.Check("cmd", H(1, session: "s2")));
        Assert.Equal(GateVerdict.OldSession, gate.Check("cmd", H(501, ageMs: 20, session: "s1")));
    }

    [Fact]
    public void Check_DifferentStreams_AreIndependent()
    {
        var gate = new SequenceGate(_time, TimeSpan.FromMilliseconds(100));
        gate.Check("a", H(5));
        Assert.Equal(GateVerdict.Accept, gate.Check("b", H(1)));
    }
}
