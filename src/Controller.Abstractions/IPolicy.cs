namespace Controller.Abstractions;

/// <summary>Maps an observation to an action chunk. Called on the control thread; one call per refill.</summary>
public interface IPolicy
{
    string Name { get; }

    ActionChunk Infer(Observation observation);

    /// <summary>Forgets episode state (caches, history) before a new episode.</summary>
    void Reset();
}
