namespace Controller.Transports.Rosbridge;

/// <summary>The connection to the rosbridge server is down (or went down while a call was in flight).</summary>
public sealed class RosbridgeDisconnectedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A service call or action goal that the server answered with result=false (or a status error).</summary>
public sealed class RosServiceException(string name, string message) : Exception($"{name}: {message}")
{
    public string Name { get; } = name;
}
