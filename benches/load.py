#!/usr/bin/env python3
"""Load test for `tripwatch run` (issue 12): 1,000 connections that send half a request head
and stall (re-opened as the server cuts them off), plus a steady stream of pushes, while
`/healthz` is probed and systemd's watchdog pings are timed on a notify socket we own.

usage: benches/load.py TRIPWATCH_BIN [SECONDS] [PUSHES_PER_SECOND] [SLOW_CONNECTIONS]
Prints one JSON line: healthz p50/p99/max in ms and failures, the longest gap between
WATCHDOG=1 pings, pushes accepted, and how many accepted advisories are in the store at the
end (must equal the accepted count: nothing accepted is lost). Loopback only; it ends what it
starts.
"""
import hashlib
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 30
RATE = float(sys.argv[3]) if len(sys.argv) > 3 else 200
SLOW = int(sys.argv[4]) if len(sys.argv) > 4 else 1000

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

d = tempfile.mkdtemp(prefix="tw-load.")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
token = "load-" + os.urandom(8).hex()
digest = hashlib.sha256(token.encode()).hexdigest()
with open(f"{d}/tw.toml", "w") as f:
    f.write(f'''state_dir = "{d}/var"
[api]
listen = "127.0.0.1:{port}"
tokens = [ {{ name = "load", sha256 = "{digest}", scopes = ["admin"] }} ]
''')

notify_path = f"{d}/notify.sock"
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
notify.settimeout(0.5)
env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="10000000")
daemon = subprocess.Popen([BIN, "run", "--config", f"{d}/tw.toml"], env=env,
                          stdout=open(f"{d}/run.log", "w"), stderr=subprocess.STDOUT)

stop = threading.Event()
pings = []


def watch_notify():
    while not stop.is_set():
        try:
            msg = notify.recv(256)
        except socket.timeout:
            continue
        if b"WATCHDOG=1" in msg:
            pings.append(time.monotonic())
        if b"READY=1" in msg and not pings:
            pings.append(time.monotonic())


threading.Thread(target=watch_notify, daemon=True).start()
deadline = time.monotonic() + 20
while not pings and time.monotonic() < deadline:
    time.sleep(0.05)
if not pings:
    daemon.kill()
    sys.exit("daemon did not become ready")


def slow_clients():
    held = []
    while not stop.is_set():
        while len(held) < SLOW and not stop.is_set():
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=2)
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                c.setblocking(False)
                held.append(c)
            except OSError:
                break
        # Drop the ones the server has cut off, so they are opened again.
        alive = []
        for c in held:
            try:
                if c.recv(1) == b"":
                    c.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                c.close()
                continue
            alive.append(c)
        held = alive
        time.sleep(0.2)
    for c in held:
        c.close()


def request(method, path, body=b"", ctype="text/plain"):
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    c.sendall(head.encode() + body)
    out = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        out += chunk
    c.close()
    return int(out.split(b" ", 2)[1]), out.split(b"\r\n\r\n", 1)[-1]


accepted, push_errors = [], [0]


PUSHERS = 4


def pusher(k):
    n = k
    start = time.monotonic()
    while not stop.is_set():
        due = start + n / RATE
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        body = (f"Title: Load advisory {n}\nCountry: France\n\nA curfew is in force in Paris from 22:00 "
                f"to 06:00 (notice {n}, {os.urandom(4).hex()}).\n").encode()
        try:
            status, resp = request("POST", "/api/v1/advisories", body)
            if status == 202:
                accepted.append(json.loads(resp)["id"])
            else:
                push_errors[0] += 1
        except OSError:
            push_errors[0] += 1
        n += PUSHERS


health = []
health_fail = [0]


def prober():
    while not stop.is_set():
        t = time.monotonic()
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = c.recv(64)
            c.close()
            if data.startswith(b"HTTP/1.1 200"):
                health.append((time.monotonic() - t) * 1000)
            else:
                health_fail[0] += 1
        except OSError:
            health_fail[0] += 1
        time.sleep(0.02)


threads = [threading.Thread(target=f, daemon=True) for f in (slow_clients, prober)]
threads += [threading.Thread(target=pusher, args=(k,), daemon=True) for k in range(PUSHERS)]
t0 = time.monotonic()
for t in threads:
    t.start()
time.sleep(SECONDS)
stop.set()
for t in threads:
    t.join(timeout=15)
window = [p for p in pings if p >= t0]
gaps = [b - a for a, b in zip([t0] + window, window)]
# Let the spool drain, then count what is stored.
db = f"{d}/var/tripwatch.db"
stored = 0
for _ in range(600):
    con = sqlite3.connect(db)
    ids = {r[0] for r in con.execute("SELECT DISTINCT id FROM advisories")}
    con.close()
    stored = len(set(accepted) & ids)
    if stored == len(set(accepted)):
        break
    time.sleep(0.1)
daemon.terminate()
daemon.wait(timeout=60)
health.sort()
pct = lambda q: round(health[min(len(health) - 1, int(q * len(health)))], 1) if health else None
print(json.dumps({
    "seconds": SECONDS, "slow_connections": SLOW, "push_rate": RATE,
    "healthz": {"n": len(health), "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0) if health else None,
                "failed": health_fail[0]},
    "watchdog_max_gap_s": round(max(gaps), 2) if gaps else None,
    "pushes_accepted": len(accepted), "push_errors": push_errors[0],
    "accepted_and_stored": stored, "lost": len(set(accepted)) - stored,
}))
