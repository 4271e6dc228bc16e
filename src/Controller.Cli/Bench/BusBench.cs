using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;

namespace Controller.Cli.Bench;

/// <summary>
/// The realtime bus: round-trip p50/p99 and one-way msgs/s for a ~1 KB state message and a ~64 KB frame, over MQTT
/// (MQTTnet's embedded broker vs a mosquitto child process) and over ZeroMQ (NetMQ vs pyzmq on both ends, plus
/// NetMQ↔pyzmq), and remote policy serving throughput with 1, 4 and 8 clients. Everything on loopback in one run.
/// Peers that are not installed (mosquitto, python3-zmq) are reported as skipped.
/// </summary>
public sealed class BusBench : IBenchSuite
{
    public string Name => "bus";

    public string Description => "Bus: MQTT (embedded vs mosquitto) and ZeroMQ (NetMQ vs pyzmq) round trip and msgs/s for 1 KB state / 64 KB frame; policy serving with 1/4/8 clients";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
        => RunCoreAsync(context, cancellationToken);

    private sealed record Payload(string Label, byte[] Bytes);

    private static Payload[] Payloads()
    {
        var header = new BusHeader(DateTimeOffset.UtcNow, 1, "bench", "b");
        // 34 joints of names, positions and velocities encode to about 1 KB of CBOR.
        var names = Enumerable.Range(0, 34).Select(i => $"joint_{i:00}").ToArray();
        var state = new StateMessage(header, new RobotState(names, [.. names.Select((_, i) => 0.1 * i)], [.. names.Select((_, i) => 0.01 * i)], DateTimeOffset.UtcNow));
        // rgb8 148×148 = 65,712 bytes of pixels.
        var frame = new FrameMessage(header, "overhead", "rgb8", 148, 148, DateTimeOffset.UtcNow, new byte[148 * 148 * 3]);
        return [new("state 1KB", BusCodec.Encode(state)), new("frame 64KB", BusCodec.Encode(frame))];
    }

    private async Task<IReadOnlyList<BenchResult>> RunCoreAsync(BenchContext context, CancellationToken ct)
    {
        var results = new List<BenchResult>();
        var rounds = context.Quick ? 50 : 400;
        var burst = context.Quick ? 200 : 2000;
        var payloads = Payloads();
        context.Report($"payloads: {string.Join(", ", payloads.Select(p => $"{p.Label} = {p.Bytes.Length} B"))}");

        // ---- codec: what each end adds on top of the transport (the round trips below move opaque bytes) ----
        foreach (var p in payloads)
        {
            var msg = BusCodec.Decode(p.Bytes);
            var samples = new List<double>();
            for (var i = 0; i < (context.Quick ? 200 : 2000); i++)
            {
                var sw = Stopwatch.StartNew();
                BusCodec.Decode(BusCodec.Encode(msg));
                samples.Add(sw.Elapsed.TotalMilliseconds * 1000);
            }
            results.Add(new BenchResult(Name, $"codec {p.Label} CBOR encode+decode p50", Stats.Median(samples.Skip(samples.Count / 10)), "µs", Note: $"{p.Bytes.Length} B; decode validates every field"));
            var json = BusCodec.Encode(msg, BusWireFormat.Json);
            results.Add(new BenchResult(Name, $"codec {p.Label} JSON / CBOR size", (double)json.Length / p.Bytes.Length, "×"));
        }

        // ---- MQTT: embedded broker vs mosquitto ----
        var mqttP50 = new Dictionary<(string Broker, string Payload), double>();
        await using (var embedded = new EmbeddedMqttBroker())
        {
            await embedded.StartAsync(ct);
            await MeasureMqttAsync("embedded", embedded.Url, payloads, rounds, burst, results, mqttP50, context, ct);
        }
        var mosquitto = await StartMosquittoAsync(ct);
        if (mosquitto is null)
        {
            context.Report("mosquitto not found: skipped (apt-get install mosquitto)");
        }
        else
        {
            using (mosquitto.Value.Process)
            {
                try
                {
                    await MeasureMqttAsync("mosquitto", $"mqtt://127.0.0.1:{mosquitto.Value.Port}", payloads, rounds, burst, results, mqttP50, context, ct);
                }
                finally
                {
                    mosquitto.Value.Process.Kill();
                }
            }
            foreach (var p in payloads)
            {
                if (mqttP50.TryGetValue(("embedded", p.Label), out var e) && mqttP50.TryGetValue(("mosquitto", p.Label), out var m))
                    results.Add(new BenchResult(Name, $"mqtt {p.Label} rtt p50 embedded / mosquitto", e / m, "×", Note: "< 1: the embedded broker is faster"));
            }
        }

        // ---- ZeroMQ: NetMQ vs pyzmq ----
        var zmqP50 = new Dictionary<(string Stack, string Payload), double>();
        foreach (var p in payloads)
        {
            var (lat, rate) = await NetMqRoundTripAsync(p.Bytes, rounds, burst, ct);
            AddRtt(results, $"zmq netmq↔netmq {p.Label}", lat, rate);
            zmqP50[("netmq", p.Label)] = Stats.Median(lat);
            context.Report($"netmq {p.Label}: p50 {Stats.Median(lat):0.000} ms, {rate:0} msgs/s");
        }
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        foreach (var p in payloads)
        {
            var py = await PyzmqSelfAsync(python, p.Bytes.Length, rounds, burst, ct);
            if (py is null)
            {
                context.Report("pyzmq not available: skipped (apt-get install python3-zmq)");
                break;
            }
            results.Add(new BenchResult(Name, $"zmq pyzmq↔pyzmq {p.Label} rtt p50", py.Value.P50, "ms"));
            results.Add(new BenchResult(Name, $"zmq pyzmq↔pyzmq {p.Label} rtt p99", py.Value.P99, "ms"));
            results.Add(new BenchResult(Name, $"zmq pyzmq↔pyzmq {p.Label} one-way", py.Value.Rate, "msgs/s"));
            zmqP50[("pyzmq", p.Label)] = py.Value.P50;
            results.Add(new BenchResult(Name, $"zmq {p.Label} rtt p50 netmq / pyzmq", zmqP50[("netmq", p.Label)] / py.Value.P50, "×", Note: "< 1: NetMQ is faster"));
            context.Report($"pyzmq {p.Label}: p50 {py.Value.P50:0.000} ms, {py.Value.Rate:0} msgs/s");
        }

        // ---- policy serving ----
        var perClient = new Dictionary<int, double>();
        foreach (var clients in new[] { 1, 4, 8 })
        {
            var (rate, p50) = PolicyServing(clients, TimeSpan.FromSeconds(context.Quick ? 0.5 : 3), ct);
            perClient[clients] = rate;
            results.Add(new BenchResult(Name, $"policy serving {clients} client(s)", rate, "infer/s", Note: $"p50 latency {p50:0.000} ms; trivial policy, so this is the serving overhead"));
            context.Report($"policy serving, {clients} clients: {rate:0} infer/s, p50 {p50:0.000} ms");
        }
        results.Add(new BenchResult(Name, "policy serving 8 / 1 clients", perClient[8] / perClient[1], "×", Note: "one server thread: > 1 means pipelining hides the round trip"));
        return results;
    }

    private void AddRtt(List<BenchResult> results, string label, List<double> lat, double rate)
    {
        results.Add(new BenchResult(Name, $"{label} rtt p50", Stats.Median(lat), "ms"));
        results.Add(new BenchResult(Name, $"{label} rtt p99", Stats.Percentile(lat, 0.99), "ms"));
        results.Add(new BenchResult(Name, $"{label} one-way", rate, "msgs/s"));
    }

    // ---- MQTT ----

    private async Task MeasureMqttAsync(string broker, string url, Payload[] payloads, int rounds, int burst, List<BenchResult> results,
        Dictionary<(string, string), double> p50s, BenchContext context, CancellationToken ct)
    {
        await using var ping = new MqttBusClient(new MqttBusOptions { Url = url });
        await using var echo = new MqttBusClient(new MqttBusOptions { Url = url });
        await ping.StartAsync(ct);
        await echo.StartAsync(ct);
        const string a = "wm/v1/bench/x/ping", b = "wm/v1/bench/x/pong", c = "wm/v1/bench/x/flood";
        using var e1 = echo.Subscribe(a, BusQos.Stream, (topic, p) => _ = echo.PublishAsync(b, p, BusQos.Stream).AsTask());
        TaskCompletionSource? pong = null;
        using var p1 = ping.Subscribe(b, BusQos.Stream, (_, _) => pong?.TrySetResult());
        var flooded = 0;
        TaskCompletionSource? floodDone = null;
        var floodTarget = int.MaxValue;
        using var f1 = echo.Subscribe(c, BusQos.Stream, (_, _) =>
        {
            if (Interlocked.Increment(ref flooded) >= floodTarget)
                floodDone?.TrySetResult();
        });
        await ping.FlushSubscriptionsAsync(ct);
        await echo.FlushSubscriptionsAsync(ct);

        foreach (var p in payloads)
        {
            var lat = new List<double>(rounds);
            for (var i = 0; i < rounds + 10; i++)
            {
                pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var sw = Stopwatch.StartNew();
                await ping.PublishAsync(a, p.Bytes, BusQos.Stream, cancellationToken: ct);
                if (await Task.WhenAny(pong.Task, Task.Delay(2000, ct)) != pong.Task)
                    continue; // QoS 0 may drop; a lost ping is not a latency sample
                if (i >= 10)
                    lat.Add(sw.Elapsed.TotalMilliseconds); // the first 10 warm up
            }
            // One-way burst at QoS 0: how many arrive per second while the sender publishes back to back.
            var n = p.Bytes.Length > 10_000 ? burst / 4 : burst;
            Interlocked.Exchange(ref flooded, 0);
            floodTarget = n;
            floodDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var fw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
                await ping.PublishAsync(c, p.Bytes, BusQos.Stream, cancellationToken: ct);
            await Task.WhenAny(floodDone.Task, Task.Delay(5000, ct));
            var rate = Volatile.Read(ref flooded) / fw.Elapsed.TotalSeconds;
            AddRtt(results, $"mqtt {broker} {p.Label}", lat, rate);
            p50s[(broker, p.Label)] = Stats.Median(lat);
            context.Report($"mqtt {broker} {p.Label}: p50 {Stats.Median(lat):0.000} ms, p99 {Stats.Percentile(lat, 0.99):0.000} ms, {rate:0} msgs/s ({flooded}/{n} delivered)");
        }
    }

    private static async Task<(Process Process, int Port)?> StartMosquittoAsync(CancellationToken ct)
    {
        var port = EmbeddedMqttBroker.FreePort();
        var conf = Path.Combine(Path.GetTempPath(), $"bench-mosquitto-{port}.conf");
        await File.WriteAllTextAsync(conf, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type information\n", ct);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Process p;
        try
        {
            p = new Process { StartInfo = new ProcessStartInfo("mosquitto", ["-c", conf]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false } };
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("listen socket on port", StringComparison.Ordinal) == true)
                    ready.TrySetResult();
            };
            p.Start();
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        return (p, port);
    }

    // ---- ZeroMQ ----

    private static async Task<(List<double> Latencies, double Rate)> NetMqRoundTripAsync(byte[] payload, int rounds, int burst, CancellationToken ct)
    {
        var port = NetMqBusOptions.FreeServerPort();
        var url = $"tcp://127.0.0.1:{port}";
        var hwm = new Action<NetMqBusOptions>(o => (o.SendHighWatermark, o.ReceiveHighWatermark) = (10_000, 10_000));
        var so = NetMqBusOptions.Server(url);
        hwm(so);
        var co = NetMqBusOptions.Client(url);
        hwm(co);
        await using var server = new NetMqBusTransport(so);
        await using var client = new NetMqBusTransport(co);
        const string a = "wm/v1/bench/x/ping", b = "wm/v1/bench/x/pong", c = "wm/v1/bench/x/flood";
        // Reliable: every message is handed over (no conflation), as a ping-pong and a throughput count need.
        using var e1 = server.Subscribe(a, BusQos.Reliable, (topic, p) => _ = server.PublishAsync(b, p, BusQos.Reliable));
        TaskCompletionSource? pong = null;
        using var p1 = client.Subscribe(b, BusQos.Reliable, (_, _) => pong?.TrySetResult());
        var flooded = 0;
        var floodTarget = int.MaxValue;
        var floodDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var f1 = server.Subscribe(c, BusQos.Reliable, (_, _) =>
        {
            if (Interlocked.Increment(ref flooded) >= floodTarget)
                floodDone.TrySetResult();
        });
        // Slow joiner: ping until the first pong.
        for (var joined = false; !joined;)
        {
            pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await client.PublishAsync(a, payload, BusQos.Reliable, cancellationToken: ct);
            joined = await Task.WhenAny(pong.Task, Task.Delay(100, ct)) == pong.Task;
        }
        var lat = new List<double>(rounds);
        for (var i = 0; i < rounds + 10; i++)
        {
            pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sw = Stopwatch.StartNew();
            await client.PublishAsync(a, payload, BusQos.Reliable, cancellationToken: ct);
            if (await Task.WhenAny(pong.Task, Task.Delay(2000, ct)) != pong.Task)
                continue;
            if (i >= 10)
                lat.Add(sw.Elapsed.TotalMilliseconds);
        }
        var n = payload.Length > 10_000 ? burst / 4 : burst;
        floodTarget = n;
        var fw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
            await client.PublishAsync(c, payload, BusQos.Reliable, cancellationToken: ct);
        await Task.WhenAny(floodDone.Task, Task.Delay(5000, ct));
        return (lat, Volatile.Read(ref flooded) / fw.Elapsed.TotalSeconds);
    }

    /// <summary>The same PUB/SUB ping-pong and burst, entirely in pyzmq (two sockets pairs, echo on a thread).</summary>
    private const string PyzmqScript = """
        import json, sys, threading, time, zmq
        size, rounds, burst = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
        ctx = zmq.Context()
        def sock(kind, addr, bind):
            s = ctx.socket(kind); s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.SNDHWM, 10000); s.setsockopt(zmq.RCVHWM, 10000)
            (s.bind if bind else s.connect)(addr)
            if kind == zmq.SUB: s.setsockopt(zmq.SUBSCRIBE, b"")
            return s
        p1 = sock(zmq.PUB, "tcp://127.0.0.1:0", True); port1 = p1.getsockopt_string(zmq.LAST_ENDPOINT)
        p2 = sock(zmq.PUB, "tcp://127.0.0.1:0", True); port2 = p2.getsockopt_string(zmq.LAST_ENDPOINT)
        s_echo = sock(zmq.SUB, port1, False); s_ping = sock(zmq.SUB, port2, False)
        def echo():
            while True:
                t, m = s_echo.recv_multipart()
                if t == b"stop": return
                if t == b"flood": continue
                p2.send_multipart([b"pong", m])
        threading.Thread(target=echo, daemon=True).start()
        payload = bytes(size)
        while True:
            p1.send_multipart([b"ping", payload])
            if s_ping.poll(100): s_ping.recv_multipart(); break
        lat = []
        for i in range(rounds + 10):
            t0 = time.perf_counter(); p1.send_multipart([b"ping", payload])
            if not s_ping.poll(2000): continue
            s_ping.recv_multipart()
            if i >= 10: lat.append((time.perf_counter() - t0) * 1000)
        n = burst // 4 if size > 10000 else burst
        got = [0]
        done = threading.Event()
        s_flood = sock(zmq.SUB, port1, False)
        time.sleep(0.2)
        def count():
            while got[0] < n:
                if not s_flood.poll(2000): break
                t, m = s_flood.recv_multipart()
                if t == b"flood": got[0] += 1
            done.set()
        threading.Thread(target=count, daemon=True).start()
        t0 = time.perf_counter()
        for i in range(n): p1.send_multipart([b"flood", payload])
        done.wait(5)
        rate = got[0] / (time.perf_counter() - t0)
        lat.sort()
        pick = lambda q: lat[min(len(lat) - 1, max(0, int(-(-q * len(lat) // 1)) - 1))]
        print(json.dumps({"p50": pick(0.5), "p99": pick(0.99), "rate": rate}), flush=True)
        """;

    private static async Task<(double P50, double P99, double Rate)?> PyzmqSelfAsync(string python, int size, int rounds, int burst, CancellationToken ct)
    {
        var script = Path.Combine(Path.GetTempPath(), "wm-bench-pyzmq.py");
        await File.WriteAllTextAsync(script, string.Join('\n', PyzmqScript.Split('\n').Select(l => l.StartsWith("    ", StringComparison.Ordinal) ? l : l)), ct);
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, [script, size.ToString(Inv), rounds.ToString(Inv), burst.ToString(Inv)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = await p.StandardOutput.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            if (p.ExitCode != 0)
                return null;
            using var doc = JsonDocument.Parse(output);
            var r = doc.RootElement;
            return (r.GetProperty("p50").GetDouble(), r.GetProperty("p99").GetDouble(), r.GetProperty("rate").GetDouble());
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    // ---- policy serving ----

    private sealed class TinyPolicy : IPolicy
    {
        public string Name => "tiny";

        public ActionChunk Infer(Observation observation) =>
            new([[.. observation.State.Positions]], TimeSpan.FromMilliseconds(50), observation.Stamp, 0, CommandSource.Policy, [1, 2, 3]);

        public void Reset()
        {
        }
    }

    private static (double Rate, double P50) PolicyServing(int clients, TimeSpan duration, CancellationToken ct)
    {
        using var server = new PolicyServer(new TinyPolicy());
        var names = new[] { "a", "b", "c", "d", "e" };
        var frame = new Frame("overhead", PixelFormat.Rgb8, 64, 64, DateTimeOffset.UtcNow, new byte[64 * 64 * 3]);
        var obs = new Observation(new Dictionary<string, Frame> { ["overhead"] = frame }, new RobotState(names, new double[5], new double[5], DateTimeOffset.UtcNow), "push", DateTimeOffset.UtcNow);
        var remotes = Enumerable.Range(0, clients).Select(_ => new RemotePolicy(server.Endpoint, TimeSpan.FromSeconds(5))).ToArray();
        foreach (var r in remotes)
            r.Infer(obs); // connect and warm up
        var lat = new List<double>[clients];
        var count = 0L;
        var stopAt = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, clients).Select(i => new Thread(() =>
        {
            lat[i] = [];
            while (stopAt.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var sw = Stopwatch.StartNew();
                remotes[i].Infer(obs);
                lat[i].Add(sw.Elapsed.TotalMilliseconds);
                Interlocked.Increment(ref count);
            }
        })).ToArray();
        foreach (var t in threads)
            t.Start();
        foreach (var t in threads)
            t.Join();
        var elapsed = stopAt.Elapsed.TotalSeconds;
        foreach (var r in remotes)
            r.Dispose();
        return (Interlocked.Read(ref count) / elapsed, Stats.Median(lat.SelectMany(l => l)));
    }
}
