"""pyzmq peer: asks a PolicyServer for one inference over REQ and prints a JSON summary of the reply.

usage: policy_client.py ENDPOINT [json]
Exit 0 with {"id", "steps", "joints", "tokens", "first"} on stdout; 2 on timeout; 3 on an error reply.
"""
import json
import sys
import time

import cbor2
import zmq

endpoint = sys.argv[1]
use_json = len(sys.argv) > 2 and sys.argv[2] == "json"
now_us = time.time_ns() // 1000
names = ["base_yaw", "shoulder", "elbow", "wrist", "gripper"]
req = {
    "v": 1, "kind": "infer", "t": now_us, "seq": 1, "from": "pyzmq/policy_client", "sid": "py1", "id": 7,
    "instruction": "push the red block", "obs_t": now_us,
    "state": {"names": names, "pos": [0.1, 0.2, 0.3, 0.4, 0.01], "vel": [0.0] * 5, "state_t": now_us},
    "frames": [{"cam": "overhead", "enc": "rgb8", "w": 4, "h": 4, "cap_t": now_us, "data": bytes(range(48))}],
}
ctx = zmq.Context()
s = ctx.socket(zmq.REQ)
s.setsockopt(zmq.LINGER, 0)
s.connect(endpoint)
if use_json:
    req["frames"][0]["data"] = __import__("base64").b64encode(req["frames"][0]["data"]).decode()
    s.send(json.dumps(req).encode())
else:
    s.send(cbor2.dumps(req))
if not s.poll(5000):
    print("timeout", file=sys.stderr)
    sys.exit(2)
raw = s.recv()
reply = json.loads(raw) if raw[:1] == b"{" else cbor2.loads(raw)
if reply.get("kind") != "infer_reply" or "chunk" not in reply:
    print(f"bad reply: {reply}", file=sys.stderr)
    sys.exit(3)
chunk = reply["chunk"]
print(json.dumps({"id": reply["id"], "steps": len(chunk["targets"]), "joints": len(chunk["targets"][0]),
                  "tokens": len(chunk.get("tokens") or []), "first": chunk["targets"][0]}), flush=True)
