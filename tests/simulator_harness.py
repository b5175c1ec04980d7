"""Test harness for the exchange simulator: the real CLI in a subprocess on a free port (manual
clock), admin calls over HTTP, and the real ccxt async client from `exchanges.simulated`."""

from __future__ import annotations

import atexit
import contextlib
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd

from exchanges.simulated import make_binanceusdm_client

REPO = Path(__file__).resolve().parents[1]
KEY, SECRET = "test-key", "test-secret"
START = int(pd.Timestamp("2025-05-10T00:00:00Z").timestamp() * 1000)  # every sample coin trades
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


class RunningSimulator:
    """`python src/exchange_simulator.py --port 0 --manual-clock ...` until `stop()`."""

    def __init__(self, *extra: str, start_ms: int = START):
        cmd = [
            sys.executable,
            str(REPO / "src" / "exchange_simulator.py"),
            "--port",
            "0",
            "--manual-clock",
            "--start",
            str(start_ms),
            "--api-key",
            KEY,
            "--api-secret",
            SECRET,
            "--log-level",
            "warning",
            *extra,
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=60)
        if not line or not line[0].startswith("listening on "):
            self.proc.kill()
            raise RuntimeError(f"simulator did not start: {line} {self.proc.stderr.read()}")
        self.url = line[0].split()[-1]
        self.start_ms = start_ms

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def admin(self, method: str, path: str, body=None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {path}: {e.code} {e.read().decode()}") from None

    def reset(self, start_ms: int | None = None, balance: float = 10_000.0) -> dict:
        return self.admin("POST", "/_sim/reset", {"start": start_ms or self.start_ms, "balance": balance})

    def advance(self, minutes: float) -> dict:
        return self.admin("POST", "/_sim/advance", {"minutes": minutes})

    def state(self, fills: int | None = None) -> dict:
        return self.admin("GET", "/_sim/state" + (f"?fills={fills}" if fills is not None else ""))

    def faults(self, *rules: dict) -> dict:
        return self.admin("POST", "/_sim/faults", list(rules))

    def requests(self) -> list[dict]:
        return self.admin("GET", "/_sim/requests")["requests"]

    def clear_requests(self) -> None:
        self.admin("DELETE", "/_sim/requests")


_shared: RunningSimulator | None = None


def shared_simulator() -> RunningSimulator:
    """One simulator process for the whole test session (reset by each test)."""
    global _shared
    if _shared is None or _shared.proc.poll() is not None:
        _shared = RunningSimulator()
        atexit.register(_shared.stop)
    return _shared


@contextlib.asynccontextmanager
async def client(url: str, key: str = KEY, secret: str = SECRET, **kwargs):
    ex = make_binanceusdm_client(url, key, secret, **kwargs)
    try:
        yield ex
    finally:
        await ex.close()
