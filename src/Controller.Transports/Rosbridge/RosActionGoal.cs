namespace Controller.Transports.Rosbridge;

/// <summary>How an action goal ended: the GoalStatus code (4 succeeded, 5 canceled, 6 aborted) and the result.</summary>
public sealed record RosActionResult<TResult>(int Status, TResult? Result, string? Error)
{
    public bool Succeeded => Status == RosActionOutcome.StatusSucceeded;
}

/// <summary>A goal in flight. <see cref="Completion"/> ends with the result, or faults with <see cref="RosbridgeDisconnectedException"/> if the connection drops.</summary>
public sealed class RosActionGoal<TResult>(string id, Task<RosActionResult<TResult>> completion, Func<Task> cancel)
{
    public string Id { get; } = id;

    public Task<RosActionResult<TResult>> Completion { get; } = completion;

    /// <summary>Sends cancel_action_goal; the result then arrives with status 5 (canceled).</summary>
    public Task CancelAsync() => cancel();
}
