using Controller.Abstractions;

namespace Controller.Sim;

/// <summary>
/// Outcome of one control tick: the observation after it, whether the task is now solved, and whether
/// the episode is over (solved or out of steps).
/// </summary>
public sealed record StepResult(Observation Observation, bool Success, bool Done, int Step, double Remaining);
