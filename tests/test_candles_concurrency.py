"""Several processes sharing one cache: concurrent writers of the same symbol lose nothing and
corrupt nothing; a lock left by a killed process does not block; a held lock times out clearly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from candles_testutil import REPO, sample_candles

from candles import CandleStore, LockTimeout
from candles.store import COLUMNS
from candles.verify import verify_symbol

WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path[:0] = [{src!r}, {tests!r}]
    from candles import CandleStore
    from candles_testutil import sample_candles
    cache, parity, go = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    df = sample_candles("BTC")
    df = df[(df["ts"] >= 1746835200000) & (df["ts"] < 1746835200000 + 4 * 86_400_000)]  # 4 days in May
    store = CandleStore(cache, "binanceusdm", lock_timeout_s=60)
    chunks = [df.iloc[i : i + 60] for i in range(0, len(df), 60)]  # one hour per write
    while time.time() < go:
        time.sleep(0.001)
    for k, chunk in enumerate(chunks):
        if k % 2 == parity or k % 7 == 0:  # hours of this writer, plus some both write
            store.write("BTC", chunk, f"writer {{parity}}")
    """
)


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "child.py"
    path.write_text(body.format(src=str(REPO / "src"), tests=str(REPO / "tests")))
    return path


def test_two_processes_writing_the_same_symbol_lose_nothing(tmp_path: Path) -> None:
    child = script(tmp_path, WRITER)
    go = time.time() + 1.5  # both start writing at the same moment
    procs = [
        subprocess.Popen([sys.executable, str(child), str(tmp_path / "cache"), str(p), str(go)], stderr=subprocess.PIPE)
        for p in (0, 1)
    ]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    store = CandleStore(tmp_path / "cache", "binanceusdm")
    src = sample_candles("BTC")
    want = src[(src["ts"] >= 1746835200000) & (src["ts"] < 1746835200000 + 4 * 86_400_000)]
    got = store.read("BTC", 0, 2**62)
    assert len(got) == len(want) == 4 * 1440
    for c in COLUMNS:
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy())
    assert verify_symbol(store, "BTC").ok
    leftovers = [p.name for p in store.symbol_path("BTC").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


HOLDER = textwrap.dedent(
    """
    import os, signal, sys, time
    sys.path[:0] = [{src!r}]
    from candles import CandleStore
    store = CandleStore(sys.argv[1], "binanceusdm")
    lock = store.lock("BTC")
    lock.acquire()
    print("locked", flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), signal.SIGKILL)  # killed while holding the lock: no cleanup runs
    time.sleep(float(sys.argv[3]))
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_lock_left_by_a_killed_process_does_not_block(tmp_path: Path) -> None:
    child = script(tmp_path, HOLDER)
    proc = subprocess.run(
        [sys.executable, str(child), str(tmp_path), "die", "0"], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip() == "locked" and proc.returncode == -signal.SIGKILL
    store = CandleStore(tmp_path, "binanceusdm", lock_timeout_s=2)
    lock_file = store.symbol_path("BTC") / ".lock"
    assert lock_file.exists()  # the dead holder's lock file is still there
    t0 = time.monotonic()
    assert store.write("BTC", sample_candles("BTC").iloc[:10], "test") == 10
    assert time.monotonic() - t0 < 1.0


def test_a_held_lock_times_out_naming_the_file_and_holder(tmp_path: Path) -> None:
    child = script(tmp_path, HOLDER)
    proc = subprocess.Popen([sys.executable, str(child), str(tmp_path), "hold", "5"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        store = CandleStore(tmp_path, "binanceusdm", lock_timeout_s=0.3)
        with pytest.raises(LockTimeout) as err:
            store.write("BTC", sample_candles("BTC").iloc[:10], "test")
        assert ".lock" in str(err.value) and f"pid {proc.pid}" in str(err.value)
    finally:
        proc.kill()
        proc.wait()
    store = CandleStore(tmp_path, "binanceusdm", lock_timeout_s=2)
    assert store.write("BTC", sample_candles("BTC").iloc[:10], "test") == 10  # released when it exited


def test_lock_is_reentrant_within_a_thread(tmp_path: Path) -> None:
    store = CandleStore(tmp_path, "binanceusdm", lock_timeout_s=0.5)
    with store.lock("BTC"), store.lock("BTC"):
        store.write("BTC", sample_candles("BTC").iloc[:5], "test")
    assert len(store.read("BTC", 0, 2**62)) == 5
