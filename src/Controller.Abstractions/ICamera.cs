namespace Controller.Abstractions;

/// <summary>
/// A frame source. Implementations call <c>onFrame</c> from their own thread; the callback only
/// writes into a latest-value buffer and never blocks on the model.
/// </summary>
public interface ICamera : IAsyncDisposable
{
    string Id { get; }

    Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken);
}
