using Controller.Transports.Bus;
using Controller.Transports.Mqtt;

namespace Controller.Transports.Tests.Mqtt;

/// <summary>Username/password and TLS against a real mosquitto configured for them.</summary>
public class MqttSecurityTests
{
    private static async Task<int> RunAsync(string file, params string[] args)
    {
        using var p = new CliPeer(file, args);
        return await p.WaitExitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<bool> ConnectsAsync(MqttBusOptions options)
    {
        options.ReconnectMinDelay = TimeSpan.FromMilliseconds(50);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200);
        await using var client = new MqttBusClient(options);
        try
        {
            // A refused client keeps retrying in the background; two seconds is plenty on loopback.
            await client.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
            return client.IsConnected;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Credentials_RightAndWrongPassword_OnlyRightOneConnects()
    {
        await using var broker = await Mosquitto.StartAsync(dir =>
        {
            var file = Path.Combine(dir, "passwd");
            Assert.Equal(0, RunAsync("mosquitto_passwd", "-b", "-c", file, "robot", "s3cret").GetAwaiter().GetResult());
            return $"allow_anonymous false\npassword_file {file}";
        });

        Assert.True(await ConnectsAsync(new MqttBusOptions { Url = broker.Url, Username = "robot", Password = "s3cret" }));
        Assert.False(await ConnectsAsync(new MqttBusOptions { Url = broker.Url, Username = "robot", Password = "wrong" }));
        Assert.False(await ConnectsAsync(new MqttBusOptions { Url = broker.Url }));
    }

    [Fact]
    public async Task Tls_SelfSignedBroker_ConnectsOnlyWhenUntrustedAllowed()
    {
        await using var broker = await Mosquitto.StartAsync(dir =>
        {
            var key = Path.Combine(dir, "key.pem");
            var cert = Path.Combine(dir, "cert.pem");
            Assert.Equal(0, RunAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1")
                .GetAwaiter().GetResult());
            return $"allow_anonymous true\ncertfile {cert}\nkeyfile {key}";
        });
        var url = $"mqtts://127.0.0.1:{broker.Port}";

        Assert.True(await ConnectsAsync(new MqttBusOptions { Url = url, AllowUntrustedCertificates = true }));
        Assert.False(await ConnectsAsync(new MqttBusOptions { Url = url }));
        Assert.False(await ConnectsAsync(new MqttBusOptions { Url = broker.Url })); // plain MQTT to a TLS listener
    }
}
