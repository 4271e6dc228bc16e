using Controller.Transports.Tests.Mqtt;

namespace Controller.Transports.Tests.NetMq;

/// <summary>Starts a pyzmq peer script from NetMq/peers with the system python3 (which has python3-zmq and python3-cbor2).</summary>
internal static class PythonPeer
{
    /// <summary>/usr/bin/python3 when present (a pyenv shim may shadow it without the Debian packages), else python3 on PATH.</summary>
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static CliPeer Start(string script, params string[] args) =>
        new(Python, [Path.Combine(AppContext.BaseDirectory, "NetMq", "peers", script), .. args]);
}
