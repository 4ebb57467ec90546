#!/usr/bin/env python3
"""Console page speed at scale (issue 14): how long `tripwatch run` takes to answer each
console page with N travellers (default 100,000, each with one trip), twenty desk
subscriptions, and the seed advisory processed, as a signed-in manager.

usage: benches/pages.py TRIPWATCH_BIN [TRAVELLERS] [REQUESTS_PER_PAGE]

Prints one JSON object: per page, p50 / p95 / max in ms over the requests, the page size,
and the same for `/healthz` measured in the same run (the floor: one HTTP round trip on this
machine). Targets: every page p95 < 100 ms, the dashboard (with its map) < 300 ms.
Loopback only; it ends what it starts.
"""
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
REQ = int(sys.argv[3]) if len(sys.argv) > 3 else 20
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "..", "tests", "fixtures", "corpus", "kz-paraphrase.txt")

d = tempfile.mkdtemp(prefix="tw-pages.")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
token = "pages-" + os.urandom(8).hex()
with open(f"{d}/tw.toml", "w") as f:
    f.write(f'''state_dir = "{d}/var"
[api]
listen = "127.0.0.1:{port}"
tokens = [ {{ name = "bench", sha256 = "{hashlib.sha256(token.encode()).hexdigest()}", scopes = ["admin"] }} ]
''')
env = dict(os.environ, TRIPWATCH_NOW="2022-01-06T12:00:00Z")

# N travellers spread over 40 countries, one trip each around the seed's date.
countries = ["KZ", "FR", "DE", "US", "GB", "JP", "CN", "IN", "BR", "MX", "NG", "EG", "ZA", "KE", "TH",
             "VN", "ID", "PH", "AU", "NZ", "CA", "AR", "CL", "PE", "CO", "TR", "IR", "IQ", "SA", "AE",
             "PK", "BD", "NP", "LK", "UA", "PL", "IT", "ES", "PT", "SE"]
rng = random.Random(7)
with open(f"{d}/people.csv", "w") as f:
    f.write("name,email,country,city,start,end,manager,timezone\n")
    for i in range(N):
        c = countries[i % len(countries)]
        start = 1 + rng.randrange(20)
        f.write(f"Traveller {i},t{i}@example.org,{c},,2022-01-{start:02d},2022-01-{start + 7:02d},m{i % 50}@example.org,\n")
t0 = time.time()
subprocess.run([BIN, "import", "--config", f"{d}/tw.toml", f"{d}/people.csv"], check=True, env=env,
               stdout=subprocess.DEVNULL)
import_s = time.time() - t0
for i in range(20):  # twenty desk subscriptions, one country each
    subprocess.run([BIN, "subscription", "add", "--config", f"{d}/tw.toml", "--email", f"desk{i}@example.org",
                    "--place", countries[i]], check=True, env=env, stdout=subprocess.DEVNULL)
subprocess.run([BIN, "user", "add", "boss@example.org", "--role", "manager", "--config", f"{d}/tw.toml"],
               input=b"a long bench password\n", check=True, env=env, stdout=subprocess.DEVNULL)
incoming = f"{d}/var/spool/incoming"
os.makedirs(incoming, exist_ok=True)
with open(SEED, "rb") as src, open(f"{incoming}/kz.txt", "wb") as dst:
    dst.write(src.read())

daemon = subprocess.Popen([BIN, "run", "--config", f"{d}/tw.toml"], env=env,
                          stdout=open(f"{d}/run.log", "w"), stderr=subprocess.STDOUT)


def request(method, path, headers=None, body=b""):
    """One HTTP/1.1 request on a fresh connection: (status, headers text, body bytes)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    for h in headers or []:
        head += h + "\r\n"
    c.sendall(head.encode() + b"\r\n" + body)
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    c.close()
    h, _, b = data.partition(b"\r\n\r\n")
    status = int(h.split(b" ")[1]) if h else 0
    return status, h.decode("latin-1").lower(), b


try:
    deadline = time.time() + 60
    while True:
        try:
            if request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.time() > deadline:
            raise SystemExit("daemon did not start: " + open(f"{d}/run.log").read())
        time.sleep(0.05)
    # Wait until the seed advisory is processed.
    auth = [f"Authorization: Bearer {token}"]
    while True:
        st, _, body = request("GET", "/api/v1/advisories", auth)
        items = json.loads(body) if st == 200 else []
        items = items.get("items", items) if isinstance(items, dict) else items
        if items:
            advisory = items[0]["id"]
            break
        if time.time() > deadline:
            raise SystemExit("seed advisory not processed")
        time.sleep(0.1)
    form = "Content-Type: application/x-www-form-urlencoded"
    st, h, _ = request("POST", "/login", [form],
                       urllib.parse.urlencode({"email": "boss@example.org", "password": "a long bench password"}).encode())
    cookie = next(line.split(":", 1)[1].split(";")[0].strip() for line in h.split("\r\n") if line.startswith("set-cookie:"))
    session = [f"Cookie: {cookie}"]
    pages = ["/healthz", "/", "/travellers", "/travellers?q=traveller%2099999", "/subscriptions", "/advisories",
             f"/advisories/{advisory}", "/reviews", "/operations"]
    out = {"travellers": N, "import_s": round(import_s, 1), "pages": {}}
    for p in pages:
        times = []
        size = 0
        for _ in range(REQ):
            t = time.perf_counter()
            st, _, body = request("GET", p, session)
            times.append((time.perf_counter() - t) * 1000)
            assert st == 200, (p, st)
            size = len(body)
        times.sort()
        out["pages"][p] = {"p50_ms": round(times[len(times) // 2], 1),
                           "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                           "max_ms": round(times[-1], 1), "bytes": size}
    print(json.dumps(out))
finally:
    daemon.terminate()
    daemon.wait(timeout=30)
