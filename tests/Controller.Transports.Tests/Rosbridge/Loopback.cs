using Controller.Transports.Rosbridge;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>Helpers for real client/server pairs on 127.0.0.1 with free ports.</summary>
internal static class Loopback
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static RosbridgeServer StartServer(RosbridgeServerOptions? options = null)
    {
        var server = new RosbridgeServer(options);
        server.Start();
        return server;
    }

    public static async Task<RosbridgeClient> ConnectAsync(RosbridgeServer server, Func<RosbridgeClientOptions, RosbridgeClientOptions>? tweak = null)
    {
        var options = new RosbridgeClientOptions { Uri = server.Uri, ReconnectDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) };
        var client = new RosbridgeClient(tweak is null ? options : tweak(options));
        await client.ConnectAsync();
        return client;
    }

    /// <summary>A task that completes when the server sees a subscription on <paramref name="topic"/>.</summary>
    public static Task WhenSubscribed(RosbridgeServer server, string topic, int count = 1)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ClientSubscribed += (t, _) =>
        {
            if (t == topic && server.SubscriberCount(topic) >= count)
                tcs.TrySetResult();
        };
        if (server.SubscriberCount(topic) >= count)
            tcs.TrySetResult();
        return tcs.Task.WaitAsync(Timeout);
    }

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Within(this Task task) => task.WaitAsync(Timeout);
}
