// A real rosbridge peer (roslib 2.x over ws) against our RosbridgeServer.
// Usage: node interop.mjs ws://127.0.0.1:PORT
// Prints one JSON line per check; exits 0 when every check passed, 1 otherwise.
import { Ros, Topic, Service, Action } from "roslib";

const url = process.argv[2];
const TIMEOUT_MS = 10000;
const results = [];

function connect() {
  return new Promise((resolve, reject) => {
    const ros = new Ros({ url });
    const timer = setTimeout(() => reject(new Error(`no connection to ${url}`)), TIMEOUT_MS);
    ros.on("connection", () => { clearTimeout(timer); resolve(ros); });
    ros.on("error", (e) => { clearTimeout(timer); reject(new Error(`connection error: ${e?.message ?? e}`)); });
  });
}

function withTimeout(promise, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), TIMEOUT_MS)),
  ]);
}

function firstMessage(ros, name, messageType, compression) {
  return withTimeout(new Promise((resolve) => {
    const topic = new Topic({ ros, name, messageType, compression });
    topic.subscribe((m) => { topic.unsubscribe(); resolve(m); });
  }), `${name} (${compression})`);
}

async function check(name, fn) {
  let ros;
  try {
    ros = await connect();
    const detail = await fn(ros);
    results.push({ check: name, ok: true, detail });
  } catch (e) {
    results.push({ check: name, ok: false, error: String(e?.message ?? e) });
  } finally {
    ros?.close();
  }
  console.log(JSON.stringify(results[results.length - 1]));
}

function assert(cond, text) {
  if (!cond) throw new Error(text);
}

const byteLength = (data) => (typeof data === "string" ? Buffer.from(data, "base64").length : data.length);

for (const compression of ["none", "cbor"]) {
  await check(`joint_states_${compression}`, async (ros) => {
    const m = await firstMessage(ros, "/joint_states", "sensor_msgs/msg/JointState", compression);
    assert(Array.isArray(m.name) && m.name.length === 2 && m.name[0] === "j1", `names ${JSON.stringify(m.name)}`);
    assert(m.position.length === 2 && typeof m.position[0] === "number", "positions");
    return { name: m.name, position: Array.from(m.position), typed: !Array.isArray(m.position) };
  });
}

for (const compression of ["none", "cbor", "png"]) {
  await check(`camera_${compression}`, async (ros) => {
    const m = await firstMessage(ros, "/camera/overhead/image_raw", "sensor_msgs/msg/Image", compression);
    const n = byteLength(m.data);
    assert(m.encoding === "rgb8", `encoding ${m.encoding}`);
    assert(n === m.width * m.height * 3, `data has ${n} bytes for ${m.width}x${m.height} rgb8`);
    return { width: m.width, height: m.height, bytes: n, stamp: m.header.stamp };
  });
}

await check("publish_joint_trajectory", async (ros) => {
  const topic = new Topic({ ros, name: "/arm_controller/joint_trajectory", messageType: "trajectory_msgs/msg/JointTrajectory" });
  topic.publish({
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" },
    joint_names: ["j1", "j2"],
    points: [{ positions: [0.5, -0.25], velocities: [], accelerations: [], effort: [], time_from_start: { sec: 0, nanosec: 50000000 } }],
  });
  // the service round trip proves the publish (sent before it on the same socket) was processed
  const svc = new Service({ ros, name: "/test/last_trajectory", serviceType: "std_srvs/srv/Trigger" });
  const r = await withTimeout(new Promise((resolve, reject) => svc.callService({}, resolve, reject)), "last_trajectory");
  assert(r.success && r.message === "0.5,-0.25", `server saw ${r.message}`);
  return r.message;
});

await check("call_trigger", async (ros) => {
  const svc = new Service({ ros, name: "/sim/reset", serviceType: "std_srvs/srv/Trigger" });
  const r = await withTimeout(new Promise((resolve, reject) => svc.callService({}, resolve, reject)), "/sim/reset");
  assert(r.success === true && r.message === "reset", JSON.stringify(r));
  return r;
});

await check("action_goal", async (ros) => {
  const action = new Action({ ros, name: "/arm_controller/follow_joint_trajectory", actionType: "control_msgs/action/FollowJointTrajectory" });
  let feedback = 0;
  const result = await withTimeout(new Promise((resolve, reject) => {
    action.sendGoal(
      { trajectory: { joint_names: ["j1"], points: [{ positions: [0.1] }, { positions: [0.2] }] } },
      resolve,
      () => { feedback++; },
      (e) => reject(new Error(`goal failed: ${e}`)),
    );
  }), "action result");
  assert(result.error_code === 0, JSON.stringify(result));
  assert(feedback >= 1, "no feedback");
  return { result, feedback };
});

const failed = results.filter((r) => !r.ok).length;
console.log(JSON.stringify({ summary: true, passed: results.length - failed, failed }));
process.exit(failed === 0 ? 0 : 1);
