using Controller.Transports.Bus;

namespace Controller.Transports.Tests.Bus;

/// <summary>An in-process transport that delivers synchronously on the publisher's thread. Used to drive the channel's receive path directly.</summary>
internal sealed class LoopbackTransport(string name) : IBusTransport
{
    private readonly List<(string Filter, Action<string, ReadOnlyMemory<byte>> Handler)> _subs = [];

    public string Name => name;

    public bool IsConnected => true;

    public ValueTask<bool> PublishAsync(string topic, ReadOnlyMemory<byte> payload, BusQos qos, bool retain = false, CancellationToken cancellationToken = default)
    {
        foreach (var (filter, handler) in _subs.ToArray())
        {
            if (BusTopics.Matches(filter, topic))
                handler(topic, payload);
        }
        return ValueTask.FromResult(true);
    }

    public IDisposable Subscribe(string filter, BusQos qos, Action<string, ReadOnlyMemory<byte>> handler)
    {
        var entry = (filter, handler);
        _subs.Add(entry);
        return new Remove(() => _subs.Remove(entry));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Remove(Action a) : IDisposable
    {
        public void Dispose() => a();
    }
}
