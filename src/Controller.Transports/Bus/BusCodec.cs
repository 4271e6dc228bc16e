using Controller.Abstractions;

namespace Controller.Transports.Bus;

/// <summary>
/// Encodes and decodes every bus message, version <see cref="Version"/>, in CBOR or JSON (same field names
/// and shapes; see docs/bus.md). Decoding validates everything (types, ranges, finiteness, array shapes) and
/// throws <see cref="BusDecodeException"/> with a reason tag; callers count it with ControllerMetrics.Reject.
/// Unknown fields are ignored so that v1 readers accept additive changes. Stateless and thread-safe.
/// </summary>
public static class BusCodec
{
    public const int Version = 1;

    private const int MaxJoints = 64;
    private const int MaxDimension = 16384;

    public static byte[] Encode(BusMessage message, BusWireFormat format = BusWireFormat.Cbor)
    {
        var map = ToTree(message);
        return format == BusWireFormat.Cbor ? CborTree.Encode(map) : JsonTree.Encode(map);
    }

    /// <summary>Decodes either form: a payload whose first non-blank byte is '{' is JSON, anything else CBOR.</summary>
    public static BusMessage Decode(ReadOnlyMemory<byte> payload)
    {
        var map = LooksLikeJson(payload.Span) ? JsonTree.Decode(payload) : CborTree.Decode(payload);
        return FromTree(new BusFields(map));
    }

    /// <summary>Decodes and checks the kind; a message of another kind is rejected with reason "wrong_kind".</summary>
    public static T Decode<T>(ReadOnlyMemory<byte> payload) where T : BusMessage
    {
        var m = Decode(payload);
        return m as T ?? throw new BusDecodeException("wrong_kind", $"expected a {typeof(T).Name}, got kind '{m.Kind}'");
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                continue;
            return b == (byte)'{';
        }
        return false;
    }

    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    // ---- encode ----

    private static Dictionary<string, object?> ToTree(BusMessage m)
    {
        var h = m.Header;
        var d = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["v"] = Version,
            ["kind"] = m.Kind,
            ["t"] = ToMicros(h.Stamp),
            ["seq"] = h.Sequence,
            ["from"] = h.Sender,
            ["sid"] = h.Session,
        };
        switch (m)
        {
            case StateMessage s:
                AddState(d, s.State);
                break;
            case FrameMessage f:
                d["cam"] = f.Camera;
                d["enc"] = f.Encoding;
                d["w"] = f.Width;
                d["h"] = f.Height;
                d["cap_t"] = ToMicros(f.Captured);
                d["data"] = f.Data;
                break;
            case ActionsMessage a:
                AddChunk(d, a.Chunk);
                break;
            case CommandMessage c:
                d["cmd_t"] = ToMicros(c.Command.Stamp);
                d["cmd_seq"] = c.Command.Sequence;
                d["src"] = SourceName(c.Command.Source);
                d["pos"] = c.Command.Positions;
                d["hold"] = c.Command.IsHold;
                break;
            case ModeMessage mo:
                d["mode"] = ModeName(mo.Mode);
                d["reason"] = mo.Reason;
                break;
            case EStopMessage e:
                d["engage"] = e.Engage;
                d["reason"] = e.Reason;
                break;
            case AckMessage k:
                d["of"] = k.Of;
                d["ack_from"] = k.AckedSender;
                d["ack_seq"] = k.AckedSequence;
                d["ok"] = k.Ok;
                d["reason"] = k.Reason;
                break;
            case BirthMessage b:
                d["role"] = b.Role;
                d["joints"] = b.Joints.ToArray();
                d["cameras"] = b.Cameras.ToArray();
                d["rate_hz"] = b.RateHz;
                break;
            case DeathMessage x:
                d["role"] = x.Role;
                d["reason"] = x.Reason;
                break;
            case InferRequest q:
                d["id"] = q.Id;
                d["instruction"] = q.Observation.Instruction;
                d["obs_t"] = ToMicros(q.Observation.Stamp);
                var state = new Dictionary<string, object?>(StringComparer.Ordinal);
                AddState(state, q.Observation.State);
                d["state"] = state;
                d["frames"] = q.Observation.Frames.Values.Select(FrameTree).ToList();
                break;
            case InferReply r:
                d["id"] = r.Id;
                if (r.Chunk is not null)
                {
                    var chunk = new Dictionary<string, object?>(StringComparer.Ordinal);
                    AddChunk(chunk, r.Chunk);
                    d["chunk"] = chunk;
                }
                if (r.Error is not null)
                    d["error"] = r.Error;
                break;
            default:
                throw new ArgumentException($"unknown message type {m.GetType().Name}", nameof(m));
        }
        return d;
    }

    private static void AddState(Dictionary<string, object?> d, RobotState s)
    {
        d["names"] = s.JointNames.ToArray();
        d["pos"] = s.Positions;
        d["vel"] = s.Velocities;
        d["state_t"] = ToMicros(s.Stamp);
    }

    private static void AddChunk(Dictionary<string, object?> d, ActionChunk c)
    {
        d["chunk_t"] = ToMicros(c.Stamp);
        d["chunk_seq"] = c.Sequence;
        d["src"] = SourceName(c.Source);
        d["period_us"] = c.StepPeriod.Ticks / 10;
        d["targets"] = c.Targets;
        d["tokens"] = c.Tokens;
    }

    private static Dictionary<string, object?> FrameTree(Frame f) => new(StringComparer.Ordinal)
    {
        ["cam"] = f.CameraId,
        ["enc"] = FormatName(f.Format),
        ["w"] = f.Width,
        ["h"] = f.Height,
        ["cap_t"] = ToMicros(f.Timestamp),
        ["data"] = f.Pixels,
    };

    // ---- decode ----

    private static BusMessage FromTree(BusFields f)
    {
        var v = f.Long("v");
        if (v != Version)
            throw new BusDecodeException("bad_version", $"payload version {v}, this reader speaks {Version}");
        var kind = f.Text("kind");
        var header = new BusHeader(f.Time("t"), f.Long("seq", 0), f.Text("from"), f.Text("sid"));
        return kind switch
        {
            BusKinds.State => new StateMessage(header, ReadState(f)),
            BusKinds.Frame => ReadFrameMessage(header, f),
            BusKinds.Actions => new ActionsMessage(header, ReadChunk(f)),
            BusKinds.Command => ReadCommand(header, f),
            BusKinds.Mode => new ModeMessage(header, ParseMode(f), f.TextOr("reason", "")),
            BusKinds.EStop => new EStopMessage(header, f.Bool("engage"), f.TextOr("reason", "")),
            BusKinds.Ack => new AckMessage(header, f.Text("of"), f.Text("ack_from"), f.Long("ack_seq", 0), f.Bool("ok"), f.TextOr("reason", "")),
            BusKinds.Birth => new BirthMessage(header, f.Text("role"), f.Texts("joints", MaxJoints), f.Texts("cameras"), ReadRate(f)),
            BusKinds.Death => new DeathMessage(header, f.Text("role"), f.TextOr("reason", "")),
            BusKinds.Infer => ReadInfer(header, f),
            BusKinds.InferReply => ReadReply(header, f),
            _ => throw new BusDecodeException("unknown_kind", $"unknown message kind '{kind}'"),
        };
    }

    private static CommandMessage ReadCommand(BusHeader header, BusFields f)
    {
        var pos = f.Doubles("pos", MaxJoints);
        if (pos.Length == 0)
            throw f.Value("pos", "must have at least one joint");
        return new CommandMessage(header, new JointCommand(pos, f.Time("cmd_t"), f.Long("cmd_seq", 0), ParseSource(f, "src"), f.Has("hold") && f.Bool("hold")));
    }

    private static double ReadRate(BusFields f)
    {
        var r = f.Double("rate_hz");
        return r is >= 0 and <= 10_000 ? r : throw f.Value("rate_hz", $"must be in [0, 10000], got {r}");
    }

    private static RobotState ReadState(BusFields f)
    {
        var names = f.Texts("names", MaxJoints);
        var pos = f.Doubles("pos", MaxJoints);
        var vel = f.Doubles("vel", MaxJoints);
        if (names.Length == 0)
            throw f.Value("names", "must list at least one joint");
        if (pos.Length != names.Length)
            throw f.Value("pos", $"has {pos.Length} values for {names.Length} joints");
        if (vel.Length != 0 && vel.Length != names.Length)
            throw f.Value("vel", $"has {vel.Length} values for {names.Length} joints");
        return new RobotState(names, pos, vel, f.Time("state_t"));
    }

    private static FrameMessage ReadFrameMessage(BusHeader header, BusFields f)
    {
        var (cam, enc, w, h, captured, data) = ReadFrameFields(f);
        return new FrameMessage(header, cam, enc, w, h, captured, data);
    }

    private static (string Cam, string Enc, int W, int H, DateTimeOffset Captured, byte[] Data) ReadFrameFields(BusFields f)
    {
        var cam = f.Text("cam");
        var enc = f.Text("enc");
        var w = f.Int("w", 1, MaxDimension);
        var h = f.Int("h", 1, MaxDimension);
        var data = f.Bytes("data");
        if (data.Length == 0)
            throw f.Value("data", "is empty");
        if (enc != "jpeg")
        {
            var format = ParseFormat(enc) ?? throw f.Value("enc", $"must be rgb8, bgr8, mono8, rgba8 or jpeg, got '{enc}'");
            var expected = (long)w * h * format.BytesPerPixel();
            if (data.Length != expected)
                throw f.Value("data", $"has {data.Length} bytes, {enc} {w}x{h} needs {expected}");
        }
        return (cam, enc, w, h, f.Time("cap_t"), data);
    }

    private static ActionChunk ReadChunk(BusFields f)
    {
        var targets = f.Matrix("targets", 4096, MaxJoints);
        if (targets.Length == 0 || targets[0].Length == 0)
            throw f.Value("targets", "must have at least one step and one joint");
        var periodUs = f.Long("period_us", 1, 60_000_000);
        var tokens = f.Has("tokens") ? f.Ints("tokens", 0, int.MaxValue) : null;
        return new ActionChunk(targets, TimeSpan.FromTicks(periodUs * 10), f.Time("chunk_t"), f.Long("chunk_seq", 0), ParseSource(f, "src"), tokens);
    }

    private static InferRequest ReadInfer(BusHeader header, BusFields f)
    {
        var state = ReadState(f.Map("state"));
        var frames = new Dictionary<string, Frame>(StringComparer.Ordinal);
        foreach (var fr in f.Maps("frames", 16))
        {
            var (cam, enc, w, h, captured, data) = ReadFrameFields(fr);
            var format = ParseFormat(enc) ?? throw fr.Value("enc", "must be a raw format in an infer request");
            if (!frames.TryAdd(cam, new Frame(cam, format, w, h, captured, data)))
                throw fr.Value("cam", $"camera '{cam}' appears twice");
        }
        var obs = new Observation(frames, state, f.TextOr("instruction", ""), f.Time("obs_t"));
        return new InferRequest(header, f.Long("id", 0), obs);
    }

    private static InferReply ReadReply(BusHeader header, BusFields f)
    {
        var id = f.Long("id", 0);
        var chunk = f.Has("chunk") ? ReadChunk(f.Map("chunk")) : null;
        var error = f.Has("error") ? f.Text("error") : null;
        if ((chunk is null) == (error is null))
            throw new BusDecodeException("bad_value", "an infer reply needs exactly one of 'chunk' and 'error'");
        return new InferReply(header, id, chunk, error);
    }

    // ---- names ----

    public static string FormatName(PixelFormat p) => p switch
    {
        PixelFormat.Rgb8 => "rgb8",
        PixelFormat.Bgr8 => "bgr8",
        PixelFormat.Mono8 => "mono8",
        PixelFormat.Rgba8 => "rgba8",
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, "unknown pixel format"),
    };

    public static PixelFormat? ParseFormat(string s) => s switch
    {
        "rgb8" => PixelFormat.Rgb8,
        "bgr8" => PixelFormat.Bgr8,
        "mono8" => PixelFormat.Mono8,
        "rgba8" => PixelFormat.Rgba8,
        _ => null,
    };

    public static string SourceName(CommandSource s) => s.ToString().ToLowerInvariant();

    private static CommandSource ParseSource(BusFields f, string key) => f.Text(key) switch
    {
        "policy" => CommandSource.Policy,
        "teleop" => CommandSource.Teleop,
        "scripted" => CommandSource.Scripted,
        "safety" => CommandSource.Safety,
        var s => throw f.Value(key, $"must be policy, teleop, scripted or safety, got '{s}'"),
    };

    public static string ModeName(ControlMode m) => m.ToString().ToLowerInvariant();

    private static ControlMode ParseMode(BusFields f) => f.Text("mode") switch
    {
        "paused" => ControlMode.Paused,
        "autonomous" => ControlMode.Autonomous,
        "teleop" => ControlMode.Teleop,
        "stopped" => throw f.Value("mode", "cannot be 'stopped': publish on estop instead"),
        var s => throw f.Value("mode", $"must be paused, autonomous or teleop, got '{s}'"),
    };
}
