#!/usr/bin/env python3
"""POST -> email accepted, over many pushes: the workload of ../shared/bench/push-latency.py
(one traveller per country, one advisory per country pushed through the API, the alert email
accepted by Postfix's smtp-sink), stretched past its 20 countries to up to 240 of them.

usage: benches/push_latency.py [--n 200] [--bin target/release/tripwatch]

Each push waits for its email before the next is sent (the sink's message counter is polled
every millisecond); prints p50 / p90 / p99 / max in milliseconds as one JSON line. Needs
`smtp-sink` (Debian `postfix`). Loopback only; everything started is stopped.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from tw_bench import free_port, start_daemon, wait_ready

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def countries(n):
    """ISO codes from tripwatch's own country table."""
    out = []
    for line in open(os.path.join(ROOT, "src", "detect", "places", "countries.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        code, name = line.split("\t")[:2]
        out.append((code, name))
    return out[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "tripwatch"))
    a = ap.parse_args()
    places = countries(a.n)
    work = tempfile.mkdtemp(prefix="tw-lat.")
    sink_port, api_port = free_port(), free_port()
    sink_log = os.path.join(work, "sink.log")
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", "-c", f"127.0.0.1:{sink_port}", "64"],
                            stdout=open(sink_log, "w"), stderr=subprocess.STDOUT)

    def delivered():
        found = re.findall(rb"mesg=(\d+)", open(sink_log, "rb").read()[-200:])
        return int(found[-1]) if found else 0

    token = "lat-" + os.urandom(8).hex()
    digest = hashlib.sha256(token.encode()).hexdigest()
    cfg = os.path.join(work, "tw.toml")
    with open(cfg, "w") as f:
        f.write(f'state_dir = "{work}/var"\n[api]\nlisten = "127.0.0.1:{api_port}"\n'
                f'tokens = [ {{ name = "lat", sha256 = "{digest}", scopes = ["admin"] }} ]\n'
                f'[email]\ntransport = "smtp"\nhost = "127.0.0.1"\nport = {sink_port}\ntls = "none"\n'
                f'from = "Tripwatch <alerts@example.org>"\n')
    today = datetime.date.today()
    with open(os.path.join(work, "people.csv"), "w") as f:
        f.write("name,email,country,city,start,end,manager,timezone\n")
        for code, _ in places:
            f.write(f"T {code},t-{code.lower()}@example.org,{code},,{today - datetime.timedelta(days=2)},"
                    f"{today + datetime.timedelta(days=10)},,\n")
    subprocess.run([a.bin, "import", "--config", cfg, os.path.join(work, "people.csv")], check=True,
                   stdout=subprocess.DEVNULL)
    daemon = start_daemon(a.bin, cfg, open(os.path.join(work, "run.log"), "w"))
    try:
        wait_ready(api_port)
        waits = []
        for i, (code, name) in enumerate(places):
            body = (f"id: lat-{code}\ndate: {today}\ncountry: {code}\ntitle: {name}: state of emergency\n\n"
                    f"The government of {name} has declared a state of emergency nationwide.\n").encode()
            req = urllib.request.Request(f"http://127.0.0.1:{api_port}/api/v1/advisories", data=body,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
            before = delivered()
            t0 = time.perf_counter()
            urllib.request.urlopen(req, timeout=10).read()
            deadline = t0 + 10
            while delivered() <= before and time.perf_counter() < deadline:
                time.sleep(0.001)
            if delivered() <= before:
                raise SystemExit(f"push {i + 1} ({code}): no email within 10 s")
            waits.append((time.perf_counter() - t0) * 1000)
        waits.sort()
        q = lambda p: round(waits[min(len(waits) - 1, int(p * len(waits)))], 1)
        print(json.dumps({"n": len(waits), "p50_ms": q(0.5), "p90_ms": q(0.9), "p99_ms": q(0.99),
                          "max_ms": round(waits[-1], 1)}))
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except Exception:
            daemon.kill()
        sink.kill()
        sink.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
