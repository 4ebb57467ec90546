#!/usr/bin/env python3
"""Fan-out throughput with 1, 2 and 3 instances on PostgreSQL against 1 instance on SQLite.

usage: benches/ha.py [--n N] [--runs R] [--pg URL] [--json PATH]

The workload is the webhook fan-out of ../shared/bench/sbs-webhooks.py: N travellers in
Almaty, each with a JSON webhook to one loopback receiver (and an email, written to files),
one advisory POSTed to the first instance; measured from the POST to the N-th webhook
received. Every configuration runs on the same people, the same advisory and the same
receiver, R times (median, min, max). PostgreSQL runs use a fresh schema each time on the
server at --pg (default TRIPWATCH_TEST_PG or postgres://postgres@127.0.0.1:5432/test).
Loopback only; everything started is stopped.
"""
import argparse
import asyncio
import datetime
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from tw_bench import free_port, start_daemon, wait_ready

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "tripwatch")
SEED = os.path.join(os.path.dirname(ROOT), "shared", "seed", "kazakhstan-csto-2022-01-06.txt")


class Receiver:
    """A minimal HTTP/1.1 server that answers 200 at once and notes each arrival time."""

    def __init__(self):
        self.port = free_port()
        self.arrivals = []
        threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True).start()

    async def _serve(self):
        arrivals = self.arrivals

        class Conn(asyncio.Protocol):
            def connection_made(self, transport):
                self.t, self.buf = transport, b""

            def data_received(self, data):
                self.buf += data
                while True:
                    end = self.buf.find(b"\r\n\r\n")
                    if end < 0:
                        return
                    length = 0
                    for line in self.buf[:end].split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    if len(self.buf) < end + 4 + length:
                        return
                    self.buf = self.buf[end + 4 + length:]
                    arrivals.append(time.time())
                    self.t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

        server = await asyncio.get_running_loop().create_server(Conn, "127.0.0.1", self.port, backlog=4096)
        await server.serve_forever()


def psql(url, sql):
    subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)


def one_run(n, instances, pg, rx):
    work = tempfile.mkdtemp(prefix="tw-ha.")
    schema = f"tw_bench_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    url = None
    if pg:
        psql(pg, f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in pg else "?"
        url = f"{pg}{sep}options=-c%20search_path%3D{schema}"
    token = "bench-" + os.urandom(8).hex()
    digest = hashlib.sha256(token.encode()).hexdigest()
    ports, configs = [], []
    for i in range(instances):
        port = free_port()
        ports.append(port)
        store = f'[store]\nurl = "{url}"\n' if url else ""
        cfg = os.path.join(work, f"i{i}.toml")
        with open(cfg, "w") as f:
            f.write(
                f'state_dir = "{work}/var{i}"\n[api]\nlisten = "127.0.0.1:{port}"\n'
                f'tokens = [ {{ name = "bench", sha256 = "{digest}", scopes = ["admin"] }} ]\n'
                f'[email]\ntransport = "file"\ndir = "{work}/mail{i}"\nfrom = "Tripwatch <alerts@example.org>"\n'
                f'[[webhook]]\nname = "rx"\nurl = "http://127.0.0.1:{rx.port}/hook"\nformat = "json"\n'
                f'[network]\nallow_private = ["127.0.0.0/8"]\n{store}'
            )
        configs.append(cfg)
    today = datetime.date.today()
    start, end = today - datetime.timedelta(days=3), today + datetime.timedelta(days=14)
    people = os.path.join(work, "people.toml")
    with open(people, "w") as f:
        for i in range(n):
            f.write(f'[[traveller]]\nname = "T {i}"\nemail = "t{i}@example.org"\nwebhooks = ["rx"]\n')
            f.write(f'[[trip]]\nemail = "t{i}@example.org"\ncountry = "KZ"\ncity = "Almaty"\nstart = "{start}"\nend = "{end}"\n')
    subprocess.run([BIN, "import", "--config", configs[0], people], check=True, stdout=subprocess.DEVNULL)
    procs = [start_daemon(BIN, c) for c in configs]
    try:
        for port in ports:
            wait_ready(port)
        seed = "".join(l for l in open(SEED, encoding="utf-8") if not l.startswith("Author:"))
        body = f"date: {today}\ntitle: Kazakhstan: state of emergency\n\n{seed}".encode()
        req = urllib.request.Request(f"http://127.0.0.1:{ports[0]}/api/v1/advisories", data=body,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
        rx.arrivals.clear()
        t0 = time.time()
        urllib.request.urlopen(req, timeout=30).read()
        deadline = t0 + 900
        while len(rx.arrivals) < n and time.time() < deadline:
            time.sleep(0.02)
        lat = sorted(t - t0 for t in rx.arrivals[:n])
        got = len(lat)
        cpu = 0.0
        for p in procs:
            fields = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
            cpu += (float(fields[11]) + float(fields[12])) / os.sysconf("SC_CLK_TCK")
        return {"received": got, "total_s": lat[-1] if got else None, "p50_s": lat[got // 2] if got else None,
                "p99_s": lat[min(got - 1, int(0.99 * got))] if got else None, "cpu_s": cpu}
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except Exception:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
        if pg:
            psql(pg, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("TRIPWATCH_TEST_PG", "postgres://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--json", default=os.path.join(ROOT, "benches", "ha-report.json"))
    a = ap.parse_args()
    rx = Receiver()
    setups = [("SQLite, 1 instance", 1, None)] + [(f"PostgreSQL, {k} instance{'s' if k > 1 else ''}", k, a.pg) for k in (1, 2, 3)]
    report = []
    for label, k, pg in setups:
        runs = []
        for r in range(a.runs):
            res = one_run(a.n, k, pg, rx)
            if res["received"] != a.n:
                sys.exit(f"{label}: only {res['received']} of {a.n} webhooks arrived")
            runs.append(res)
            print(f"[ha] {label} run {r + 1}: {res['total_s']:.2f} s", file=sys.stderr, flush=True)
        totals = [x["total_s"] for x in runs]
        med = statistics.median(totals)
        report.append({"setup": label, "instances": k, "n": a.n, "total_s": med, "min_s": min(totals), "max_s": max(totals),
                       "per_s": a.n / med, "p50_s": statistics.median(x["p50_s"] for x in runs),
                       "p99_s": statistics.median(x["p99_s"] for x in runs),
                       "cpu_s": statistics.median(x["cpu_s"] for x in runs)})
    base = report[0]["per_s"]
    print(f"| setup | {a.n} webhooks, s (min–max) | webhooks/s | p50 / p99 s | CPU-s (all instances) | vs SQLite |")
    print("|---|---|---|---|---|---|")
    for r in report:
        print(f"| {r['setup']} | {r['total_s']:.2f} ({r['min_s']:.2f}–{r['max_s']:.2f}) | {r['per_s']:,.0f} | "
              f"{r['p50_s']:.2f} / {r['p99_s']:.2f} | {r['cpu_s']:.1f} | {r['per_s'] / base:.2f}× |")
    with open(a.json, "w") as f:
        json.dump({"machine": os.uname().nodename, "cores": os.cpu_count(), "results": report}, f, indent=1)


if __name__ == "__main__":
    main()
