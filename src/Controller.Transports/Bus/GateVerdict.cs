namespace Controller.Transports.Bus;

/// <summary>What <see cref="SequenceGate"/> decided about one message. Everything but Accept is a reject reason.</summary>
public enum GateVerdict
{
    Accept,

    /// <summary>Older than the stream's max age when it arrived.</summary>
    Stale,

    /// <summary>Stamped further in the future than the allowed clock skew.</summary>
    Future,

    /// <summary>Same sender and session, sequence not above the last accepted one (duplicate or reordered).</summary>
    OutOfOrder,

    /// <summary>A different session of the same sender that is not newer than the one already seen.</summary>
    OldSession,
}

public static class GateVerdictExtensions
{
    /// <summary>The metric reason tag: "stale", "future", "out_of_order", "old_session".</summary>
    public static string Tag(this GateVerdict v) => v switch
    {
        GateVerdict.Accept => "accept",
        GateVerdict.Stale => "stale",
        GateVerdict.Future => "future",
        GateVerdict.OutOfOrder => "out_of_order",
        GateVerdict.OldSession => "old_session",
        _ => "unknown",
    };
}
