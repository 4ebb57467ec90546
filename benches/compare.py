#!/usr/bin/env python3
"""Side-by-side benchmark report: tripwatch against the programs people would use instead,
on the same machine, in the same run, on the same input. One table, plus a JSON copy.

usage: benches/compare.py [--quick] [--runs N] [--n N] [--json PATH] [--no-install] [--cold-build] [--ha]

  --quick        development mode: 2 runs, 2,000 recipients, smaller corpora (~3 minutes)
  --runs N       runs per workload after one warm-up (default 5); each figure is the median,
                 with min and max
  --n N          recipients of the fan-out workloads (default 10,000)
  --json PATH    where the machine-readable copy goes (default benches/report.json)
  --no-install   do not apt-get the peers (ripgrep, prometheus-alertmanager, postfix)
  --cold-build   also time a cold `cargo build --release` into a scratch target directory

Workloads (each beside its reference):
  detection   `cargo bench --bench detect`: tripwatch detection MB/s on one core vs
              `rg -c -i -F -f PHRASES` over the same bytes and trigger phrases
  routing     `cargo bench --bench route`: recipients for one detection among 1,000,000
              travellers (100,000 with --quick), and the commit of the alerts (no peer)
  webhooks    ../shared/bench/sbs-webhooks.py vs ../shared/bench/peer-alertmanager.sh:
              N alerts as N webhooks to a loopback receiver, tripwatch vs Prometheus Alertmanager;
              tripwatch again with TMPDIR=/dev/shm (its N file emails on tmpfs), to separate the
              disk's file-creation cost from its own
  email       ../shared/bench/sbs-email.py: N emails into Postfix smtp-sink, tripwatch vs
              smtp-source, with 4 and with 20 sessions
  latency     ../shared/bench/push-latency.py: POST -> email accepted, one recipient (no peer)
  footprint   release binary size, start-up to listening, idle RSS (no peer)
  latency200  benches/push_latency.py: the latency workload over 200 pushes (needs smtp-sink)
  ha          (with --ha) benches/ha.py: the webhook fan-out with 1, 2 and 3 instances on
              PostgreSQL against 1 on SQLite (needs a PostgreSQL server, TRIPWATCH_TEST_PG)

Loopback only; every process started is ended by the scripts that start it.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import hashlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
SEED = os.path.join(os.path.dirname(ROOT), "shared", "seed", "kazakhstan-csto-2022-01-06.txt")
BIN = os.path.join(ROOT, "target", "release", "tripwatch")


def log(msg):
    print(f"[compare] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, timeout=1800, cwd=ROOT):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-600:]}{p.stdout[-600:]}")
    return p.stdout


def ensure_peers(install):
    missing = [b for b in ("rg", "prometheus-alertmanager", "smtp-sink", "smtp-source") if not shutil.which(b)]
    if missing and install and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing peers ({', '.join(missing)}) from Debian packages")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "ripgrep", "prometheus-alertmanager", "postfix"],
                       env={**os.environ, **env}, capture_output=True)
        missing = [b for b in ("rg", "prometheus-alertmanager", "smtp-sink", "smtp-source") if not shutil.which(b)]
    return missing


def stats(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "runs": len(vals)}


def repeat(label, runs, fn):
    """One warm-up, then `runs` measured calls of fn() -> dict of figures."""
    log(f"{label}: warm-up")
    try:
        fn()
    except Exception as e:  # a failed warm-up is reported by the measured runs
        log(f"{label}: warm-up failed: {e}")
    out = []
    for i in range(runs):
        log(f"{label}: run {i + 1}/{runs}")
        try:
            out.append(fn())
        except Exception as e:
            log(f"{label}: run failed: {e}")
    keys = sorted({k for r in out for k in r})
    return {k: stats([r.get(k) for r in out]) for k in keys}


def detection(quick):
    out = run(["cargo", "bench", "--bench", "detect"], env={"TRIPWATCH_BENCH_ROUNDS": "1" if quick else "3"})
    ours = re.search(r"tripwatch detect: [\d.]+ MB in ([\d.]+) ms = ([\d.]+) MB/s on one core \((\d+) advisories", out)
    rg = re.search(r"rg -c -i -F -f PHRASES .*= ([\d.]+) MB/s", out)
    return {"tripwatch_mb_s": float(ours.group(2)) if ours else None,
            "rg_mb_s": float(rg.group(1)) if rg else None,
            "advisories_s": int(ours.group(3)) / (float(ours.group(1)) / 1000) if ours else None}


def routing(quick):
    n = "100000" if quick else "1000000"
    out = run(["cargo", "bench", "--bench", "route"], env={"TRIPWATCH_BENCH_TRAVELLERS": n, "TRIPWATCH_BENCH_ROUNDS": "3"},
              timeout=3600)
    rounds = [float(m) for m in re.findall(r"round \d+: .* in ([\d.]+) ms", out)]
    commit = re.search(r"commit: (\d+) alerts.* in (\d+) ms", out)
    rss = re.search(r"peak RSS: (\d+) MiB", out)
    return {"travellers": int(n), "route_ms": statistics.median(rounds) if rounds else None,
            "commit_alerts": int(commit.group(1)) if commit else None,
            "commit_ms": float(commit.group(2)) if commit else None,
            "peak_rss_mib": float(rss.group(1)) if rss else None}


def alertmanager(n):
    out = run(["bash", os.path.join(SHARED, "peer-alertmanager.sh"), str(n)], timeout=900)
    total = re.search(r"total time t0 -> last alert: ([\d.]+) s", out)
    lat = re.search(r"p50 ([\d.]+) ms\s+p99 ([\d.]+) ms", out)
    cpu = re.search(r"alertmanager ([\d.]+),", out)
    ok = "RESULT OK" in out
    t = float(total.group(1)) if total and ok else None
    return {"total_s": t, "per_s": n / t if t else None,
            "p50_s": float(lat.group(1)) / 1000 if lat else None, "p99_s": float(lat.group(2)) / 1000 if lat else None,
            "cpu_s": float(cpu.group(1)) if cpu else None}


def tripwatch_webhooks(n, tmpdir=None):
    # The workload writes every traveller's email as a file under TMPDIR; with tmpdir set (a
    # tmpfs) the same run shows tripwatch's own cost without the disk's file creation.
    env = {"TMPDIR": tmpdir} if tmpdir else None
    out = run([sys.executable, os.path.join(SHARED, "sbs-webhooks.py"), BIN, SEED, str(n)], env=env, timeout=900)
    r = json.loads(out.strip().splitlines()[-1])
    ok = r.get("received") == n
    return {"total_s": r["total_s"] if ok else None, "per_s": r["per_s"] if ok else None,
            "p50_s": r["p50_s"], "p99_s": r["p99_s"], "first_s": r["first_s"], "cpu_s": r["cpu_s"]}


def email(n, sessions):
    out = run([sys.executable, os.path.join(SHARED, "sbs-email.py"), BIN, SEED, str(n), str(sessions)], timeout=1800)
    r = json.loads(out.strip().splitlines()[-1])
    ok = r["tripwatch"]["received"] >= n
    return {"smtp_source_s": r["smtp-source"]["total_s"], "tripwatch_s": r["tripwatch"]["total_s"] if ok else None,
            "tripwatch_first_s": r["tripwatch"]["first_s"]}


def latency(rounds):
    out = run([sys.executable, os.path.join(SHARED, "push-latency.py"), BIN, str(rounds)], timeout=600)
    r = json.loads(out.strip().splitlines()[-1])
    return {"p50_ms": r["p50_ms"], "p90_ms": r["p90_ms"], "max_ms": r["max_ms"]}


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def footprint():
    d = tempfile.mkdtemp(prefix="tw-foot.")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    tok = "fp-" + os.urandom(8).hex()
    with open(f"{d}/tw.toml", "w") as f:
        f.write(f'state_dir = "{d}/var"\n[api]\nlisten = "127.0.0.1:{port}"\ntokens = [{{ name = "x", sha256 = '
                f'"{hashlib.sha256(tok.encode()).hexdigest()}", scopes = ["admin"] }}]\n')
    t0 = time.time()
    p = subprocess.Popen([BIN, "run", "--config", f"{d}/tw.toml"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import urllib.request
        up = None
        while time.time() < t0 + 30:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                up = time.time() - t0
                break
            except Exception:
                time.sleep(0.01)
        time.sleep(2)
        idle = rss_kb(p.pid) / 1024
    finally:
        p.terminate()
        try:
            p.wait(timeout=20)
        except Exception:
            p.kill()
        shutil.rmtree(d, ignore_errors=True)
    return {"startup_s": up, "idle_rss_mib": idle}


def fmt(s, unit="", scale=1.0, digits=2):
    if not s:
        return "–"
    m = s["median"] * scale
    lo, hi = s["min"] * scale, s["max"] * scale
    return f"{m:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def ratio(a, b, higher_is_better=True):
    if not a or not b or not a["median"] or not b["median"]:
        return "–"
    r = a["median"] / b["median"] if higher_is_better else b["median"] / a["median"]
    return f"{r:.2f}×"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--n", type=int)
    ap.add_argument("--json", default=os.path.join(ROOT, "benches", "report.json"))
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--cold-build", action="store_true")
    ap.add_argument("--ha", action="store_true")
    args = ap.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    n = args.n or (2000 if args.quick else 10000)
    started = time.time()
    missing = ensure_peers(not args.no_install)
    if missing:
        log(f"peers missing (their rows show –): {', '.join(missing)}")
    report = {"machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                          "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")},
              "runs": runs, "n": n, "quick": args.quick}
    log("building release")
    t = time.time()
    run(["cargo", "build", "--release"], timeout=3600)
    report["warm_build_s"] = round(time.time() - t, 1)
    report["binary_mib"] = round(os.path.getsize(BIN) / 1048576, 1)
    if args.cold_build:
        scratch = tempfile.mkdtemp(prefix="tw-cold.")
        t = time.time()
        run(["cargo", "build", "--release"], env={"CARGO_TARGET_DIR": scratch}, timeout=3600)
        report["cold_build_s"] = round(time.time() - t, 1)
        shutil.rmtree(scratch, ignore_errors=True)
    w = report.setdefault("workloads", {})
    w["detection"] = repeat("detection", runs, lambda: detection(args.quick))
    w["routing"] = repeat("routing", 1 if not args.quick else 1, lambda: routing(args.quick))
    if "prometheus-alertmanager" not in missing:
        w["webhooks_alertmanager"] = repeat("webhooks (Alertmanager)", runs, lambda: alertmanager(n))
    w["webhooks_tripwatch"] = repeat("webhooks (tripwatch)", runs, lambda: tripwatch_webhooks(n))
    if os.path.isdir("/dev/shm"):
        w["webhooks_tripwatch_tmpfs"] = repeat("webhooks (tripwatch, mail files on tmpfs)", runs,
                                               lambda: tripwatch_webhooks(n, "/dev/shm"))
    if "smtp-sink" not in missing:
        w["email_4"] = repeat("email, 4 sessions", runs, lambda: email(n, 4))
        w["email_20"] = repeat("email, 20 sessions", max(1, runs // 2) if args.quick else runs, lambda: email(n, 20))
        w["latency_1"] = repeat("latency, 1 recipient", 1 if args.quick else 3, lambda: latency(20))
        w["latency_1000"] = repeat("all of 1,000 recipients", runs, lambda: email(1000, 4))
    w["footprint"] = repeat("footprint", runs, footprint)
    if "smtp-sink" not in missing:
        out = run([sys.executable, os.path.join(ROOT, "benches", "push_latency.py"), "--n", "200", "--bin", BIN], timeout=900)
        w["latency_200"] = json.loads(out.strip().splitlines()[-1])
    if args.ha:
        ha_json = os.path.join(tempfile.mkdtemp(prefix="tw-ha-report."), "ha.json")
        run([sys.executable, os.path.join(ROOT, "benches", "ha.py"), "--n", str(n), "--runs", str(min(runs, 3)),
             "--json", ha_json], timeout=3600)
        w["ha"] = json.load(open(ha_json))["results"]
    report["elapsed_s"] = round(time.time() - started, 1)

    g = lambda k, f: (w.get(k) or {}).get(f)
    rows = [
        ("Detection, MB/s on one core", fmt(g("detection", "tripwatch_mb_s"), digits=1)
         + (f", {g('detection', 'advisories_s')['median']:.0f} advisories/s" if g("detection", "advisories_s") else ""),
         f"rg -F: {fmt(g('detection', 'rg_mb_s'), digits=1)}", ratio(g("detection", "tripwatch_mb_s"), g("detection", "rg_mb_s"))),
        (f"Routing, ms for one detection ({g('routing', 'travellers')['median'] if g('routing', 'travellers') else '?'} travellers)",
         fmt(g("routing", "route_ms"), digits=1), "–", "–"),
        ("Commit of the alerts, ms", fmt(g("routing", "commit_ms"), digits=0) + (f" for {int(g('routing', 'commit_alerts')['median'])}" if g("routing", "commit_alerts") else ""), "–", "–"),
        (f"{n} webhooks, deliveries/s", fmt(g("webhooks_tripwatch", "per_s"), digits=0),
         f"Alertmanager: {fmt(g('webhooks_alertmanager', 'per_s'), digits=0)}", ratio(g("webhooks_tripwatch", "per_s"), g("webhooks_alertmanager", "per_s"))),
        (f"  same, mail files on tmpfs (TMPDIR=/dev/shm), deliveries/s", fmt(g("webhooks_tripwatch_tmpfs", "per_s"), digits=0)
         + f" ({fmt(g('webhooks_tripwatch_tmpfs', 'cpu_s'), digits=1)} CPU-s)",
         f"Alertmanager: {fmt(g('webhooks_alertmanager', 'per_s'), digits=0)}", ratio(g("webhooks_tripwatch_tmpfs", "per_s"), g("webhooks_alertmanager", "per_s"))),
        ("  p50 / p99 accepted → received, s", f"{fmt(g('webhooks_tripwatch', 'p50_s'))} / {fmt(g('webhooks_tripwatch', 'p99_s'))}",
         f"{fmt(g('webhooks_alertmanager', 'p50_s'))} / {fmt(g('webhooks_alertmanager', 'p99_s'))}", "–"),
        ("  CPU s", fmt(g("webhooks_tripwatch", "cpu_s"), digits=1), fmt(g("webhooks_alertmanager", "cpu_s"), digits=1),
         ratio(g("webhooks_tripwatch", "cpu_s"), g("webhooks_alertmanager", "cpu_s"), higher_is_better=False)),
        (f"{n} emails, 4 sessions, s", fmt(g("email_4", "tripwatch_s"), digits=1),
         f"smtp-source: {fmt(g('email_4', 'smtp_source_s'), digits=1)}", ratio(g("email_4", "tripwatch_s"), g("email_4", "smtp_source_s"), higher_is_better=False)),
        (f"{n} emails, 20 sessions, s", fmt(g("email_20", "tripwatch_s"), digits=1),
         f"smtp-source: {fmt(g('email_20', 'smtp_source_s'), digits=1)}", ratio(g("email_20", "tripwatch_s"), g("email_20", "smtp_source_s"), higher_is_better=False)),
        ("POST → email, 1 recipient, p50 / p90 ms", f"{fmt(g('latency_1', 'p50_ms'), digits=1)} / {fmt(g('latency_1', 'p90_ms'), digits=1)}", "–", "–"),
        ("POST → all 1,000 emails accepted, s", fmt(g("latency_1000", "tripwatch_s"), digits=2), "–", "–"),
        ("POST → email over 200 pushes, p50 / p99 ms",
         f"{g('latency_200', 'p50_ms')} / {g('latency_200', 'p99_ms')}" if w.get("latency_200") else "–", "–", "–"),
        ("Start-up to ready, s", fmt(g("footprint", "startup_s"), digits=2), "–", "–"),
        ("Idle RSS, MiB", fmt(g("footprint", "idle_rss_mib"), digits=1), "–", "–"),
        ("Release binary, MiB", f"{report['binary_mib']}", "–", "–"),
    ]
    for r in w.get("ha") or []:
        base = w["ha"][0]["per_s"]
        rows.append((f"{n} webhooks, {r['setup']}, deliveries/s", f"{r['per_s']:.0f}",
                     f"SQLite, 1 instance: {base:.0f}", f"{r['per_s'] / base:.2f}×"))
    if "cold_build_s" in report:
        rows.append(("Cold release build, s", f"{report['cold_build_s']}", "–", "–"))
    print(f"tripwatch side-by-side — {report['machine']['cpus']} CPUs ({report['machine']['cpu']}), "
          f"median of {runs} runs after a warm-up (min–max), {report['elapsed_s']} s")
    print()
    print("| figure | tripwatch | reference | ratio (tripwatch/reference, >1 is better) |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    log(f"JSON copy: {args.json}")


if __name__ == "__main__":
    main()
