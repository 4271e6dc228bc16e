namespace Controller.Transports.Rosbridge;

/// <summary>
/// The op names of rosbridge v2 and the checks every incoming frame passes before dispatch:
/// a known op and required fields of the right types. One place, used by client and server.
/// </summary>
public static class RosbridgeOps
{
    public const string Advertise = "advertise";
    public const string Unadvertise = "unadvertise";
    public const string Publish = "publish";
    public const string Subscribe = "subscribe";
    public const string Unsubscribe = "unsubscribe";
    public const string AdvertiseService = "advertise_service";
    public const string UnadvertiseService = "unadvertise_service";
    public const string CallService = "call_service";
    public const string ServiceResponse = "service_response";
    public const string AdvertiseAction = "advertise_action";
    public const string UnadvertiseAction = "unadvertise_action";
    public const string SendActionGoal = "send_action_goal";
    public const string CancelActionGoal = "cancel_action_goal";
    public const string ActionFeedback = "action_feedback";
    public const string ActionResult = "action_result";
    public const string Fragment = "fragment";
    public const string Png = "png";
    public const string Status = "status";
    public const string SetLevel = "set_level";
    public const string Auth = "auth";

    /// <summary>Status levels, most severe first; a client at level L receives statuses at L or more severe.</summary>
    public static readonly IReadOnlyList<string> Levels = ["error", "warning", "info"];

    /// <summary>Severity index of a status level (0 error, 1 warning, 2 info), -1 for none or unknown.</summary>
    public static int LevelIndex(string level) => level switch { "error" => 0, "warning" => 1, "info" => 2, _ => -1 };

    /// <summary>Checks the op and its required fields; returns the op name or throws <see cref="RosbridgeProtocolException"/>.</summary>
    public static string Validate(RosMap m)
    {
        if (!m.TryGetValue("op", out var opValue) || opValue is not string op)
            throw new RosbridgeProtocolException("missing_op", "frame has no string field 'op'");
        _ = m.GetId();
        switch (op)
        {
            case Advertise:
                m.GetString("topic");
                m.GetString("type");
                break;
            case Unadvertise or Unsubscribe:
                m.GetString("topic");
                break;
            case Publish:
                m.GetString("topic");
                m.GetMap("msg");
                break;
            case Subscribe:
                m.GetString("topic");
                m.GetStringOrNull("type");
                NonNegative(m, "throttle_rate");
                NonNegative(m, "queue_length");
                NonNegative(m, "fragment_size");
                RosCompressionNames.Parse(m.GetStringOrNull("compression"));
                break;
            case AdvertiseService:
                m.GetString("service");
                m.GetString("type");
                break;
            case UnadvertiseService:
                m.GetString("service");
                break;
            case CallService:
                m.GetString("service");
                if (m.TryGetValue("args", out var args) && args is not (null or RosMap or object?[]))
                    throw new RosbridgeProtocolException("bad_field", "field 'args' must be an object or a list");
                if (m.GetDouble("timeout", 0) is var t && (double.IsNaN(t) || t < 0))
                    throw new RosbridgeProtocolException("bad_field", "field 'timeout' must be a non-negative number");
                NonNegative(m, "fragment_size");
                break;
            case ServiceResponse:
                m.GetString("service");
                m.GetBool("result", true);
                break;
            case AdvertiseAction:
                m.GetString("action");
                m.GetString("type");
                break;
            case UnadvertiseAction:
                m.GetString("action");
                break;
            case SendActionGoal:
                m.GetString("action");
                m.GetString("action_type");
                if (m.TryGetValue("args", out var goal) && goal is not (null or RosMap or object?[]))
                    throw new RosbridgeProtocolException("bad_field", "field 'args' must be an object");
                m.GetBool("feedback", false);
                break;
            case CancelActionGoal or ActionFeedback:
                RequireId(m, op);
                m.GetString("action");
                break;
            case ActionResult:
                RequireId(m, op);
                m.GetString("action");
                m.GetLong("status");
                m.GetBool("result", true);
                break;
            case Fragment:
                RequireId(m, op);
                m.GetString("data");
                m.GetLong("num");
                m.GetLong("total");
                break;
            case Png:
                m.GetString("data");
                break;
            case Status:
                m.GetString("level");
                m.GetStringOrNull("msg");
                break;
            case SetLevel:
                var level = m.GetString("level");
                if (level != "none" && !Levels.Contains(level))
                    throw new RosbridgeProtocolException("bad_field", $"set_level: level must be none, error, warning or info, got '{level}'");
                break;
            case Auth:
                foreach (var k in new[] { "mac", "client", "dest", "rand", "level" })
                    m.GetString(k);
                m.GetDouble("t", 0);
                m.GetDouble("end", 0);
                break;
            default:
                throw new RosbridgeProtocolException("unknown_op", $"unknown op '{op}'");
        }
        return op;
    }

    private static void RequireId(RosMap m, string op)
    {
        if (m.GetId() is null)
            throw new RosbridgeProtocolException("missing_field", $"{op}: field 'id' is required");
    }

    private static void NonNegative(RosMap m, string key)
    {
        if (m.GetLong(key, 0) < 0)
            throw new RosbridgeProtocolException("bad_field", $"field '{key}' must not be negative");
    }

    public static RosMap StatusMessage(string level, string text, string? id = null)
    {
        var m = new RosMap { ["op"] = Status, ["level"] = level, ["msg"] = text };
        if (id is not null)
            m["id"] = id;
        return m;
    }
}
