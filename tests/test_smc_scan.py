"""`src/tools/smc_scan.py` on the bundled sample: state per coin, JSON, chart, errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "src" / "tools" / "smc_scan.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True, timeout=300
    )


def test_scan_prints_every_coin():
    r = run("--timeframe", "60")
    assert r.returncode == 0, r.stderr
    for coin in ["ADA", "BNB", "BTC", "ETH", "SOL", "XRP"]:
        assert f"\n{coin}  2025-06-24" in r.stdout
    assert r.stdout.count("signal") == 6 and "trend" in r.stdout and "zone" in r.stdout


def test_scan_json_is_as_of_end():
    r = run("--coins", "eth,btc", "--end", "2025-06-13", "--json", "--signal-params", '{"require_discount": false}')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [o["coin"] for o in out] == ["ETH", "BTC"]
    for o in out:
        # The last closed 15m bar before 2025-06-13 00:00 UTC opened at 23:45.
        assert o["snapshot"]["last_bar"]["ts"] == 1749771900000
        sig = o["signal"]
        assert sig["action"] in ("long", "short", "none")
        if sig["action"] == "long":
            assert sig["stop_loss"] < sig["entry_price"] < sig["take_profit"]
        if sig["action"] == "short":
            assert sig["take_profit"] < sig["entry_price"] < sig["stop_loss"]
        if sig["action"] != "none":
            assert 0 < sig["confidence"] <= 1 and sig["symbol"] == o["coin"]


def test_plot_writes_png(tmp_path):
    out = tmp_path / "btc.png"
    r = run("--plot", str(out), "--coin", "BTC", "--start", "2025-06-10", "--end", "2025-06-12")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_errors_exit_2():
    r = run("--coins", "DOGE")
    assert r.returncode == 2 and "DOGE" in r.stderr
    r = run("--params", '{"swing_length": 0}')
    assert r.returncode == 2 and "swing_length" in r.stderr
    r = run("--plot", "x.png")
    assert r.returncode == 2 and "--coin" in r.stderr
    r = run("--timeframe", "7")
    assert r.returncode == 2 and "divide a day" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeframe", "-5"], "--timeframe: must be between 1 and 10080 minutes"),
        (["--timeframe", "x"], "--timeframe: expected a whole number of minutes"),
        (["--params", "[1]"], "--params must be a JSON object, got list"),
    ],
)
def test_bad_arguments_are_one_line_errors(args, message):
    r = run(*args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
