"""Pieces the benchmark scripts share: a free loopback port, starting `tripwatch run` on the
real clock, and waiting until it is ready."""
import os
import socket
import subprocess
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daemon(binary, config, log=subprocess.DEVNULL):
    """`tripwatch run --config CONFIG` on the real clock (TRIPWATCH_NOW removed)."""
    return subprocess.Popen([binary, "run", "--config", config], stdout=log,
                            stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else subprocess.DEVNULL,
                            env={k: v for k, v in os.environ.items() if k != "TRIPWATCH_NOW"})


def wait_ready(port, tries=200):
    """Poll /readyz (every 50 ms, `tries` times) until it answers."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return
        except Exception:
            time.sleep(0.05)
