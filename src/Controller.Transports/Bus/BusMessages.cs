using Controller.Abstractions;

namespace Controller.Transports.Bus;

/// <summary>A decoded bus message: the envelope plus a kind-specific payload. Immutable.</summary>
public abstract record BusMessage(BusHeader Header)
{
    /// <summary>The wire name of the kind ("state", "frame", ...).</summary>
    public abstract string Kind { get; }
}

/// <summary>Measured joint state. Topic: state.</summary>
public sealed record StateMessage(BusHeader Header, RobotState State) : BusMessage(Header)
{
    public override string Kind => BusKinds.State;
}

/// <summary>
/// One camera frame. <see cref="Encoding"/> is "rgb8", "bgr8", "mono8", "rgba8" (raw, tightly packed rows)
/// or "jpeg" (then <see cref="Width"/>/<see cref="Height"/> are advisory). Topic: camera/&lt;name&gt;.
/// </summary>
public sealed record FrameMessage(BusHeader Header, string Camera, string Encoding, int Width, int Height, DateTimeOffset Captured, ReadOnlyMemory<byte> Data) : BusMessage(Header)
{
    public override string Kind => BusKinds.Frame;
}

/// <summary>An action chunk: the model's action tokens and the decoded joint targets [step][joint]. Topic: actions.</summary>
public sealed record ActionsMessage(BusHeader Header, ActionChunk Chunk) : BusMessage(Header)
{
    public override string Kind => BusKinds.Actions;
}

/// <summary>One joint command as the loop sent it. Topic: command.</summary>
public sealed record CommandMessage(BusHeader Header, JointCommand Command) : BusMessage(Header)
{
    public override string Kind => BusKinds.Command;
}

/// <summary>A request to change the control mode (never to leave Stopped: that is an e-stop release). Topic: mode.</summary>
public sealed record ModeMessage(BusHeader Header, ControlMode Mode, string Reason) : BusMessage(Header)
{
    public override string Kind => BusKinds.Mode;
}

/// <summary>E-stop: <see cref="Engage"/> true stops (latched), false releases (to Paused). Topic: estop.</summary>
public sealed record EStopMessage(BusHeader Header, bool Engage, string Reason) : BusMessage(Header)
{
    public override string Kind => BusKinds.EStop;
}

/// <summary>Acknowledges a mode or e-stop request: <see cref="Of"/> names the kind, <see cref="AckedSequence"/> its sequence. Topic: ack.</summary>
public sealed record AckMessage(BusHeader Header, string Of, string AckedSender, long AckedSequence, bool Ok, string Reason) : BusMessage(Header)
{
    public override string Kind => BusKinds.Ack;
}

/// <summary>A participant announcing itself (retained). Topic: birth/&lt;role&gt;.</summary>
public sealed record BirthMessage(BusHeader Header, string Role, IReadOnlyList<string> Joints, IReadOnlyList<string> Cameras, double RateHz) : BusMessage(Header)
{
    public override string Kind => BusKinds.Birth;
}

/// <summary>A participant gone (the MQTT Last Will, or a clean goodbye). Topic: death/&lt;role&gt;.</summary>
public sealed record DeathMessage(BusHeader Header, string Role, string Reason) : BusMessage(Header)
{
    public override string Kind => BusKinds.Death;
}

/// <summary>Remote policy serving: one inference request. <see cref="Id"/> is unique per client and echoed in the reply.</summary>
public sealed record InferRequest(BusHeader Header, long Id, Observation Observation) : BusMessage(Header)
{
    public override string Kind => BusKinds.Infer;
}

/// <summary>Remote policy serving: the reply to request <see cref="Id"/>; exactly one of <see cref="Chunk"/> and <see cref="Error"/> is set.</summary>
public sealed record InferReply(BusHeader Header, long Id, ActionChunk? Chunk, string? Error) : BusMessage(Header)
{
    public override string Kind => BusKinds.InferReply;
}

/// <summary>Wire names of the message kinds.</summary>
public static class BusKinds
{
    public const string State = "state";
    public const string Frame = "frame";
    public const string Actions = "actions";
    public const string Command = "command";
    public const string Mode = "mode";
    public const string EStop = "estop";
    public const string Ack = "ack";
    public const string Birth = "birth";
    public const string Death = "death";
    public const string Infer = "infer";
    public const string InferReply = "infer_reply";
}
