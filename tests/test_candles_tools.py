"""The data tools as documented in the README: import a freqtrade folder, verify, download from a
(local) archive server, export; and the backtester reading through the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from candles_testutil import DAY_MS, REPO, SAMPLE, kline_zip, ms, sample_candles, serve

from backtesting.data import load_from_cache, load_from_folder
from candles import CandlestickManager, CandleStore
from tools import download_candles, import_freqtrade, verify_candles


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache")
    assert import_freqtrade.main([str(SAMPLE), "--cache-dir", str(root)]) == 0
    return root


def test_import_and_verify_report_full_coverage(cache: Path, capsys) -> None:
    assert verify_candles.main(["--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "BTC/USDT:USDT" in out and "2025-05-04 15:33 UTC" in out and "100.00%" in out
    assert verify_candles.main(["BTC", "--cache-dir", str(cache), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["candles"] == 73139 and row["gaps"] == 0 and row["ok"]


def test_verify_reports_gaps_and_corrupt_files(tmp_path: Path, capsys) -> None:
    store = CandleStore(tmp_path, "binanceusdm")
    df = sample_candles("ETH").iloc[:3000]
    store.write("ETH", df.drop(df.index[100:130]), "test")
    assert verify_candles.main(["ETH", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "largest gap 30 minutes from 2025-05-09 19:58 UTC" in out
    path = store.shard_path("ETH", ms("2025-05-01"))
    path.write_bytes(path.read_bytes()[:-50])
    assert verify_candles.main(["ETH", "--cache-dir", str(tmp_path)]) == 1
    assert str(path) in capsys.readouterr().out


def test_export_tool_writes_freqtrade_files(cache: Path, tmp_path: Path) -> None:
    assert import_freqtrade.main(["--export", str(tmp_path), "--coins", "SOL", "--cache-dir", str(cache)]) == 0
    assert pd.read_feather(tmp_path / "SOL_USDT_USDT-1m-futures.feather").equals(
        pd.read_feather(SAMPLE / "SOL_USDT_USDT-1m-futures.feather")
    )


def test_download_tool_fetches_from_a_local_archive(tmp_path: Path, capsys) -> None:
    src = sample_candles("XRP")
    files = {}
    for day in ("2025-06-01", "2025-06-02", "2025-06-03"):
        t = ms(day)
        name = f"XRPUSDT-1m-{day}"
        part = src[(src["ts"] >= t) & (src["ts"] < t + DAY_MS)]
        files[f"/data/futures/um/daily/klines/XRPUSDT/1m/{name}.zip"] = kline_zip(part, f"{name}.csv")
    with serve(files) as (base, _):
        argv = ["XRP", "--start", "2025-06-01", "--end", "2025-06-03", "--cache-dir", str(tmp_path)]
        assert download_candles.main([*argv, "--archive-url", base, "--no-api"]) == 0
    out = capsys.readouterr()
    assert "4,320 minutes missing" in out.out and "4,320/4,320 candles" in out.err
    got = CandlestickManager("binanceusdm", tmp_path).get_candles(
        "XRP", ms("2025-06-01"), ms("2025-06-04") - 60_000, strict=True, now_ms=ms("2025-07-01")
    )
    want = src[(src["ts"] >= ms("2025-06-01")) & (src["ts"] < ms("2025-06-04"))]
    np.testing.assert_array_equal(got["close"].to_numpy(), want["close"].to_numpy())


def test_backtest_dataset_from_the_cache_equals_the_folder(cache: Path) -> None:
    coins = ["ADA", "BTC", "ETH"]
    start, end = ms("2025-05-09"), ms("2025-06-24 10:31")
    a = load_from_folder(SAMPLE, coins, start, end, 120)
    b = load_from_cache(CandlestickManager("binanceusdm", cache), coins, start, end, 120)
    assert a.coins == b.coins and a.first_valid == b.first_valid and a.last_valid == b.last_valid
    np.testing.assert_array_equal(a.timestamps, b.timestamps)
    np.testing.assert_array_equal(a.hlcvs, b.hlcvs)
    np.testing.assert_array_equal(a.btc_usd, b.btc_usd)


def test_backtest_cli_reads_through_the_cache(cache: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, str(REPO / "src" / "backtest.py"), "--cache-dir", str(cache), "-dp"]
    cmd += ["--backtest.base_dir", str(tmp_path), "--backtest.start_date", "2025-06-01"]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "[data] candle cache" in proc.stderr and "bundled sample" not in proc.stderr
    (out,) = list(tmp_path.glob("binance/*"))
    assert (out / "analysis.json").is_file()
