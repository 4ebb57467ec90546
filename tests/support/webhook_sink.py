#!/usr/bin/env python3
"""A real HTTP receiver for tripwatch's webhook tests, on 127.0.0.1 and a free port.

Prints "PORT <n>" once listening. Each request is written to --dir as N.json with its
headers, body and whether the Standard Webhooks signature verified — checked here with
Python's own hmac, independently of tripwatch's code. --script gives the responses in order
(the last repeats): 200, 500, 410, "429:SECS" (with Retry-After), "302:URL" (redirect),
"hang" (never answer in time), "slow" (200 after 50 ms). With --announce, prints "REQ n"
for every request received.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, headers, body):
    if not secret:
        return None
    key = base64.b64decode(secret[len("whsec_"):])
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in headers.get("webhook-signature", "").split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--script", default="200")
    p.add_argument("--secret")
    p.add_argument("--announce", action="store_true")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    script = args.script.split(",")
    state = {"n": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            with lock:
                n = state["n"]
                state["n"] += 1
            step = script[min(n, len(script) - 1)]
            record = {
                "n": n,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": json.loads(body or b"null"),
                "valid_signature": verify(args.secret, {k.lower(): v for k, v in self.headers.items()}, body),
                "answer": step,
            }
            # Written aside, then renamed: a reader never sees a half-written record.
            path = os.path.join(args.dir, f"{n:05d}.json")
            with open(path + ".tmp", "w") as f:
                json.dump(record, f)
            os.replace(path + ".tmp", path)
            if args.announce:
                print("REQ", n, flush=True)
            if step == "hang":
                time.sleep(30)
                return
            if step == "slow":
                time.sleep(0.05)
                step = "200"
            code, _, extra = step.partition(":")
            self.send_response(int(code))
            if code == "429" and extra:
                self.send_header("Retry-After", extra)
            if code.startswith("3") and extra:
                self.send_header("Location", extra)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
