namespace Controller.Transports.Rosbridge.Messages;

/// <summary>builtin_interfaces/Time (ROS 1: the time primitive). Seconds and nanoseconds since the Unix epoch.</summary>
public readonly record struct RosTime(int Sec, uint Nanosec)
{
    public static RosTime FromDateTimeOffset(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0)
        {
            sec--;
            rem += TimeSpan.TicksPerSecond;
        }
        return new RosTime((int)sec, (uint)(rem * 100));
    }

    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.UnixEpoch.AddTicks(Sec * TimeSpan.TicksPerSecond + Nanosec / 100);

    public RosMap ToRos(RosDialect d) => d == RosDialect.Ros2
        ? new RosMap { ["sec"] = (long)Sec, ["nanosec"] = (long)Nanosec }
        : new RosMap { ["secs"] = (long)Sec, ["nsecs"] = (long)Nanosec };

    /// <summary>Reads {sec, nanosec} or {secs, nsecs}; a missing map is time zero.</summary>
    public static RosTime FromRos(RosMap? m) => m is null
        ? default
        : new RosTime((int)m.GetLong(m.ContainsKey("secs") ? "secs" : "sec", 0), (uint)m.GetLong(m.ContainsKey("nsecs") ? "nsecs" : "nanosec", 0));
}

/// <summary>builtin_interfaces/Duration (ROS 1: the duration primitive).</summary>
public readonly record struct RosDuration(int Sec, uint Nanosec)
{
    public static RosDuration FromTimeSpan(TimeSpan t)
    {
        var sec = Math.DivRem(t.Ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0)
        {
            sec--;
            rem += TimeSpan.TicksPerSecond;
        }
        return new RosDuration((int)sec, (uint)(rem * 100));
    }

    public TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Sec * TimeSpan.TicksPerSecond + Nanosec / 100);

    public RosMap ToRos(RosDialect d) => new RosTime(Sec, Nanosec).ToRos(d);

    public static RosDuration FromRos(RosMap? m)
    {
        var t = RosTime.FromRos(m);
        return new RosDuration(t.Sec, t.Nanosec);
    }
}
