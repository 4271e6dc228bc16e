// roslib side of `controller bench --suite ros`: subscribe to one image stream and measure it.
// Usage: node bench.mjs ws://127.0.0.1:PORT TOPIC TYPE COMPRESSION SECONDS
// Latency = arrival (after roslib decoded the message and the image bytes are in hand) - header.stamp.
// Prints one JSON line: {received, fps, p50, p99, bytes}.
import { Ros, Topic } from "roslib";

const [url, name, messageType, compression, secondsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const WARMUP = 10;
const now = () => performance.timeOrigin + performance.now(); // ms since the epoch, sub-ms resolution
const latencies = [];
let seen = 0, first = 0, last = 0, bytes = 0;

const ros = new Ros({ url });
await new Promise((resolve, reject) => {
  ros.on("connection", resolve);
  ros.on("error", (e) => reject(new Error(String(e?.message ?? e))));
});
const topic = new Topic({ ros, name, messageType, compression });
topic.subscribe((m) => {
  // JSON carries uint8[] as base64: a user needs the bytes, so decoding them is part of receiving
  const data = typeof m.data === "string" ? Buffer.from(m.data, "base64") : m.data;
  const t = now();
  seen++;
  if (seen <= WARMUP) return;
  const s = m.header.stamp;
  const stampMs = (s.sec ?? s.secs) * 1000 + (s.nanosec ?? s.nsecs) / 1e6;
  latencies.push(t - stampMs);
  bytes = data.length;
  if (!first) first = t;
  last = t;
});
console.log(JSON.stringify({ ready: true }));
await new Promise((r) => setTimeout(r, seconds * 1000));
topic.unsubscribe();
ros.close();
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] : NaN);
const fps = latencies.length > 1 ? (latencies.length - 1) / ((last - first) / 1000) : 0;
console.log(JSON.stringify({ received: latencies.length, fps, p50: q(0.5), p99: q(0.99), bytes }));
process.exit(0);
