using Controller.Abstractions;

namespace Controller.Transports.Tests.NetMq;

/// <summary>A deterministic policy: 4 steps that each add 0.01 × (step + 1) to the observed positions; tokens 100 + i.</summary>
internal sealed class EchoPolicy : IPolicy
{
    private int _calls;

    public string Name => "echo";

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Runs at the start of each Infer, on the server thread (tests use it to stall the server).</summary>
    public Action<int>? OnInfer { get; set; }

    public ActionChunk Infer(Observation observation)
    {
        var call = Interlocked.Increment(ref _calls);
        OnInfer?.Invoke(call);
        var p = observation.State.Positions;
        var targets = Enumerable.Range(0, 4).Select(s => p.Select(x => x + 0.01 * (s + 1)).ToArray()).ToArray();
        return new ActionChunk(targets, TimeSpan.FromMilliseconds(50), observation.Stamp, call, CommandSource.Policy,
            [.. Enumerable.Range(0, 4 * p.Length).Select(i => 100 + i)]);
    }

    public void Reset()
    {
    }
}
