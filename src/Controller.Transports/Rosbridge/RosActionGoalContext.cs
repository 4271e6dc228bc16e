namespace Controller.Transports.Rosbridge;

/// <summary>
/// What a hosted action handler gets for one goal: the goal id, a token cancelled by
/// <c>cancel_action_goal</c> or client disconnect, and a way to send feedback. Thread-safe.
/// </summary>
public sealed class RosActionGoalContext(string goalId, Action<RosMap> sendFeedback, CancellationToken cancellation)
{
    public string GoalId { get; } = goalId;

    /// <summary>Cancelled when the client cancels the goal or disconnects.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Queues an action_feedback to the client (dropped if it did not ask for feedback). Never blocks.</summary>
    public void SendFeedback(RosMap feedback) => sendFeedback(feedback);
}

/// <summary>How an action ended: a GoalStatus code (4 succeeded, 5 canceled, 6 aborted) and the result values.</summary>
public sealed record RosActionOutcome(int Status, RosMap Values)
{
    public const int StatusSucceeded = 4;
    public const int StatusCanceled = 5;
    public const int StatusAborted = 6;

    public static RosActionOutcome Succeeded(RosMap values) => new(StatusSucceeded, values);

    public static RosActionOutcome Canceled(RosMap values) => new(StatusCanceled, values);

    public static RosActionOutcome Aborted(RosMap values) => new(StatusAborted, values);
}
