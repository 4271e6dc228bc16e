using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

public sealed class MessageTests
{
    private static T ViaWire<T>(T msg, RosDialect d, bool cbor) where T : IRosMessage<T>
    {
        var envelope = new RosMap { ["op"] = "publish", ["topic"] = "/t", ["msg"] = msg.ToRos(d) };
        var back = cbor ? CborWire.Decode(CborWire.Encode(envelope)) : JsonWire.Decode(JsonWire.Encode(envelope));
        return T.FromRos(back.GetMap("msg"));
    }

    public static TheoryData<RosDialect, bool> Wires => new() { { RosDialect.Ros1, false }, { RosDialect.Ros1, true }, { RosDialect.Ros2, false }, { RosDialect.Ros2, true } };

    [Theory]
    [MemberData(nameof(Wires))]
    public void JointTrajectory_RoundTrip_KeepsPointsAndTimes(RosDialect d, bool cbor)
    {
        var jt = new JointTrajectory(new Header(new RosTime(5, 6)), ["j1", "j2"],
            [JointTrajectoryPoint.At([0.1, 0.2], TimeSpan.FromMilliseconds(50)), JointTrajectoryPoint.At([0.3, 0.4], TimeSpan.FromMilliseconds(100))]);
        var back = ViaWire(jt, d, cbor);
        Assert.Equal(jt.JointNames, back.JointNames);
        Assert.Equal(2, back.Points.Length);
        Assert.Equal([0.3, 0.4], back.Points[1].Positions);
        Assert.Equal(TimeSpan.FromMilliseconds(100), back.Points[1].TimeFromStart.ToTimeSpan());
        Assert.Equal(new RosTime(5, 6), back.Header.Stamp);
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public void ImageAndCameraInfo_RoundTrip(RosDialect d, bool cbor)
    {
        var img = new Image(Header.Now(), 2, 3, "rgb8", 0, 9, [.. Enumerable.Range(0, 18).Select(i => (byte)i)]);
        Assert.Equal(img.Data, ViaWire(img, d, cbor).Data);
        var info = CameraInfo.Pinhole(Header.Now(), 640, 480, 500);
        var infoBack = ViaWire(info, d, cbor);
        Assert.Equal(info.K, infoBack.K);
        Assert.Equal(info.P, infoBack.P);
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public void SmallMessages_RoundTrip(RosDialect d, bool cbor)
    {
        Assert.Equal("hi", ViaWire(new StringMessage("hi"), d, cbor).Data);
        Assert.True(ViaWire(new BoolMessage(true), d, cbor).Data);
        Assert.Equal([1.0, 2.0], ViaWire(new Float64MultiArray([1, 2]), d, cbor).Data);
        Assert.Equal([0.01], ViaWire(new JointJog(Header.Now(), ["a"], [0.01], [], 0.05), d, cbor).Displacements);
        Assert.Equal(new Vector3(1, 2, 3), ViaWire(new TwistStamped(Header.Now(), new Twist(new Vector3(1, 2, 3), default)), d, cbor).Twist.Linear);
        Assert.Equal(Quaternion.Identity, ViaWire(new PoseStamped(Header.Now(), new Pose(new Vector3(1, 0, 0), Quaternion.Identity)), d, cbor).Pose.Orientation);
        Assert.Equal("ok", ViaWire(new TriggerResponse(true, "ok"), d, cbor).Message);
        Assert.True(ViaWire(new SetBoolRequest(true), d, cbor).Data);
        Assert.Equal(-5, ViaWire(new FollowJointTrajectory.Result(-5, "tol"), d, cbor).ErrorCode);
    }

    [Fact]
    public void RosTime_FromDateTimeOffset_RoundTripsTo100ns()
    {
        var t = new DateTimeOffset(2026, 11, 23, 17, 0, 0, TimeSpan.Zero).AddTicks(1234567);
        Assert.Equal(t, RosTime.FromDateTimeOffset(t).ToDateTimeOffset());
        Assert.Equal(new RosTime(1, 500_000_000), RosTime.FromRos(new RosMap { ["secs"] = 1L, ["nsecs"] = 500_000_000L }));
    }

    [Fact]
    public void Header_Ros2_HasNoSeq()
    {
        Assert.False(Header.Now().ToRos(RosDialect.Ros2).ContainsKey("seq"));
        Assert.True(Header.Now().ToRos(RosDialect.Ros1).ContainsKey("seq"));
        Assert.Equal("sensor_msgs/msg/Image", Image.RosType.Format(RosDialect.Ros2));
        Assert.Equal("sensor_msgs/Image", Image.RosType.Format(RosDialect.Ros1));
    }
}
