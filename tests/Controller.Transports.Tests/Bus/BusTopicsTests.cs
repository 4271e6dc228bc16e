using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;

namespace Controller.Transports.Tests.Bus;

public class BusTopicsTests
{
    [Fact]
    public void Topics_SimArm_FollowTheDocumentedScheme()
    {
        var t = new BusTopics("cell0", "sim-arm");
        Assert.Equal("wm/v1/cell0/sim-arm/state", t.State);
        Assert.Equal("wm/v1/cell0/sim-arm/camera/overhead", t.Camera("overhead"));
        Assert.Equal("wm/v1/cell0/sim-arm/actions", t.Actions);
        Assert.Equal("wm/v1/cell0/sim-arm/mode", t.Mode);
        Assert.Equal("wm/v1/cell0/sim-arm/estop", t.EStop);
        Assert.Equal("wm/v1/cell0/sim-arm/birth/controller", t.Birth("controller"));
        Assert.Equal("wm/v1/cell0/sim-arm/death/controller", t.Death("controller"));
        Assert.Equal("overhead", t.CameraName(t.Camera("overhead")));
        Assert.Null(t.CameraName(t.State));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("")]
    [InlineData("has space")]
    public void Ctor_BadLevel_Throws(string level) => Assert.Throws<ArgumentException>(() => new BusTopics(level, "r"));

    [Theory]
    [InlineData("wm/v1/+/+/birth/#", "wm/v1/c/r/birth/controller", true)]
    [InlineData("wm/v1/c/r/camera/+", "wm/v1/c/r/camera/side", true)]
    [InlineData("wm/v1/c/r/camera/+", "wm/v1/c/r/camera/side/x", false)]
    [InlineData("wm/v1/c/r/state", "wm/v1/c/r/state", true)]
    [InlineData("wm/v1/c/r/state", "wm/v1/c/r/states", false)]
    [InlineData("wm/v1/#", "wm/v1/c", true)]
    public void Matches_MqttWildcards_Work(string filter, string topic, bool expected) => Assert.Equal(expected, BusTopics.Matches(filter, topic));

    [Theory]
    [InlineData("mqtt://broker:1884", "broker", 1884, false)]
    [InlineData("mqtts://broker", "broker", 8883, true)]
    [InlineData("mqtt://10.0.0.2", "10.0.0.2", 1883, false)]
    public void Endpoint_MqttUrls_ParseHostPortAndTls(string url, string host, int port, bool tls) =>
        Assert.Equal((host, port, tls), new MqttBusOptions { Url = url }.Endpoint());

    [Fact]
    public void Endpoint_HttpUrl_ThrowsClearMessage()
    {
        var e = Assert.Throws<ArgumentException>(() => new MqttBusOptions { Url = "http://x" }.Endpoint());
        Assert.Contains("mqtt://", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZmqOptions_ServerAndClient_UseAdjacentPortsInOppositeRoles()
    {
        var s = NetMqBusOptions.Server("tcp://127.0.0.1:5556");
        var c = NetMqBusOptions.Client("tcp://127.0.0.1:5556");
        Assert.Equal(("@tcp://127.0.0.1:5556", "@tcp://127.0.0.1:5557"), (s.Publish, s.Subscribe));
        Assert.Equal((">tcp://127.0.0.1:5557", ">tcp://127.0.0.1:5556"), (c.Publish, c.Subscribe));
        Assert.Throws<ArgumentException>(() => NetMqBusOptions.Parse("udp://x:1"));
    }
}
