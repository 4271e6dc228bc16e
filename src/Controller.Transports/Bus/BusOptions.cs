using Controller.Transports.Mqtt;

namespace Controller.Transports.Bus;

/// <summary>Bus settings (configuration section "Bus"). With neither URL set, an embedded MQTT broker is started.</summary>
public sealed class BusOptions
{
    /// <summary>Cell (site/work cell) topic level.</summary>
    public string Cell { get; set; } = "cell0";

    /// <summary>Robot topic level; usually the robot profile name.</summary>
    public string Robot { get; set; } = "sim-arm";

    /// <summary>This participant's role in birth/death topics.</summary>
    public string Role { get; set; } = "controller";

    /// <summary>ZeroMQ url tcp://host:P of the robot side; when set, the bus runs over ZeroMQ instead of MQTT.</summary>
    public string? ZmqUrl { get; set; }

    /// <summary>MQTT client settings; an empty <see cref="MqttBusOptions.Url"/> means: start the embedded broker.</summary>
    public MqttBusOptions Mqtt { get; set; } = new();

    /// <summary>Port of the embedded broker (0: any free port).</summary>
    public int EmbeddedBrokerPort { get; set; } = 1883;

    public IReadOnlyList<string> Joints { get; set; } = [];

    public IReadOnlyList<string> Cameras { get; set; } = [];

    public double RateHz { get; set; }
}
