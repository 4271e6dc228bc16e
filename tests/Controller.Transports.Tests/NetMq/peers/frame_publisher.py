"""pyzmq peer: binds a PUB socket and publishes CBOR bus frames (wm/v1 schema) at 50 Hz until killed.

usage: frame_publisher.py PORT TOPIC CAMERA WIDTH HEIGHT
Each frame is rgb8 with pixel (x, y) = (x, y, seq % 256), so the receiver can check content and freshness.
"""
import sys
import time
import uuid

import cbor2
import zmq

port, topic, camera, width, height = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.SNDHWM, 16)
pub.setsockopt(zmq.LINGER, 0)
pub.bind(f"tcp://127.0.0.1:{port}")
print("ready", flush=True)
session = uuid.uuid4().hex[:12]
seq = 0
while True:
    seq += 1
    now_us = time.time_ns() // 1000
    pixels = bytearray(width * height * 3)
    for y in range(height):
        for x in range(width):
            i = (y * width + x) * 3
            pixels[i], pixels[i + 1], pixels[i + 2] = x % 256, y % 256, seq % 256
    msg = {
        "v": 1, "kind": "frame", "t": now_us, "seq": seq, "from": "pyzmq/frame_publisher", "sid": session,
        "cam": camera, "enc": "rgb8", "w": width, "h": height, "cap_t": now_us, "data": bytes(pixels),
    }
    pub.send_multipart([topic.encode(), cbor2.dumps(msg)])
    time.sleep(0.02)
