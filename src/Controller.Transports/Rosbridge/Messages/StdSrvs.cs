namespace Controller.Transports.Rosbridge.Messages;

/// <summary>std_srvs/Trigger request (no fields).</summary>
public sealed record TriggerRequest : IRosMessage<TriggerRequest>
{
    public static RosTypeName RosType => RosTypeName.Srv("std_srvs", "Trigger");

    public RosMap ToRos(RosDialect dialect) => [];

    public static TriggerRequest FromRos(RosMap map) => new();
}

/// <summary>std_srvs/Trigger response.</summary>
public sealed record TriggerResponse(bool Success, string Message) : IRosMessage<TriggerResponse>
{
    public static RosTypeName RosType => RosTypeName.Srv("std_srvs", "Trigger");

    public RosMap ToRos(RosDialect dialect) => new() { ["success"] = Success, ["message"] = Message };

    public static TriggerResponse FromRos(RosMap m) => new(m.GetBool("success", false), m.GetStringOrNull("message") ?? "");
}

/// <summary>std_srvs/SetBool request.</summary>
public sealed record SetBoolRequest(bool Data) : IRosMessage<SetBoolRequest>
{
    public static RosTypeName RosType => RosTypeName.Srv("std_srvs", "SetBool");

    public RosMap ToRos(RosDialect dialect) => new() { ["data"] = Data };

    public static SetBoolRequest FromRos(RosMap m) => new(m.GetBool("data", false));
}

/// <summary>std_srvs/SetBool response.</summary>
public sealed record SetBoolResponse(bool Success, string Message) : IRosMessage<SetBoolResponse>
{
    public static RosTypeName RosType => RosTypeName.Srv("std_srvs", "SetBool");

    public RosMap ToRos(RosDialect dialect) => new() { ["success"] = Success, ["message"] = Message };

    public static SetBoolResponse FromRos(RosMap m) => new(m.GetBool("success", false), m.GetStringOrNull("message") ?? "");
}
