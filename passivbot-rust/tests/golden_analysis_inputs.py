"""Rebuild the per-minute inputs of the analysis for the golden backtests (dev aid, not in CI).

The golden set keeps only hourly equity samples, but every analysis metric needs the full
per-minute equity and net-TWE series. They follow from the fills and the candles (§11.7):
  equity_usd(k) = usd_total, then += upnl of each open position (long coins ascending, then short
                  coins ascending), upnl = |size|·c_mult·(close[k] − pprice) (mirrored for short);
  equity_btc(k) = btc_total, then += upnl / btc_usd[k] per position, in the same order;
  usd_total     = balance after the last fill (BTC collateral: btc_cash·btc_usd[k] + usd_cash,
                  re-marked every minute); btc_total = usd_total / btc price (of the last fill
                  without collateral, initially btc_usd[0]; of minute k with collateral);
  twe_net(k)    = Σ long WE − Σ short WE, WE = |size|·pprice·c_mult / usd_total.
The script checks the rebuilt equity bit for bit against every hourly sample, then writes
<out>/<run>/{fills.tsv, equity_usd.f64, equity_btc.f64, twe_net.f64, meta.json} for
`cargo test --release --test golden_analysis -- --ignored` (PB_GOLDEN_ANALYSIS_DIR=<out>).

Needs pyarrow and pandas (not project requirements):
    python golden_analysis_inputs.py /path/to/shared /tmp/golden_analysis
"""

import json
import os
import sys

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pyarrow.parquet as pq

FLOAT_COLS = ["pnl", "fee_paid", "usd_total_balance", "btc_cash_wallet", "usd_cash_wallet",
              "btc_price", "qty", "price", "psize", "pprice"]
TWE_COLS = ["wallet_exposure", "twe_long", "twe_short", "twe_net"]


def closes_on_grid(path, first_ts, n):
    t = feather.read_table(path).to_pandas()
    idx = (t["date"].astype("int64") // 10**6 - first_ts) // 60000
    s = pd.Series(np.nan, index=range(n))
    m = (idx >= 0) & (idx < n)
    s[idx[m].to_numpy()] = t["close"].to_numpy()[m.to_numpy()]
    return s


def rebuild(shared, run, out):
    gdir = os.path.join(shared, "golden", "backtests", run)
    inp = json.load(open(os.path.join(gdir, "inputs.json")))
    bp = inp["run_backtest_args"]["backtest_params"]
    exch = inp["run_backtest_args"]["exchange_params_list"]
    coins, T, ft = inp["coins"], inp["n_timesteps"], inp["first_timestamp_ms"]
    closes = [closes_on_grid(os.path.join(shared, f), ft, T).to_numpy() for f in inp["data_files"]]
    btc_file = os.path.join(shared, "market-data/binance-usdm/BTC_USDT_USDT-1m-futures.feather")
    btc = closes_on_grid(btc_file, ft, T).ffill().bfill().to_numpy()
    fills = pq.read_table(os.path.join(gdir, "fills.parquet")).to_pylist()
    cap, start = bp["btc_collateral_cap"], bp["starting_balance"]
    k0 = bp["global_warmup_bars"] + 1
    usd_cash, btc_cash = (start - cap * start, cap * start / btc[0]) if cap > 0 else (start, 0.0)
    usd_total, btc_total = start, start / btc[0]
    pos, fi, eq_usd, eq_btc, twe = {}, 0, [], [], []
    for k in range(k0, T - 1):
        while fi < len(fills) and fills[fi]["index"] == k:
            f = fills[fi]
            key = (coins.index(f["coin"]), 0 if f["type"].endswith("_long") else 1)
            if f["psize"] == 0.0:
                pos.pop(key, None)
            else:
                pos[key] = (f["psize"], f["pprice"])
            usd_cash, btc_cash = f["usd_cash_wallet"], f["btc_cash_wallet"]
            usd_total = f["usd_total_balance"]
            btc_total = usd_total / f["btc_price"]
            fi += 1
        if cap > 0:
            usd_total = btc_cash * btc[k] + usd_cash
            btc_total = usd_total / btc[k]
        e, eb, tl, ts = usd_total, btc_total, 0.0, 0.0
        for side in (0, 1):
            for ci in range(len(coins)):
                if (ci, side) not in pos:
                    continue
                size, pprice = pos[(ci, side)]
                diff = closes[ci][k] - pprice if side == 0 else pprice - closes[ci][k]
                upnl = abs(size) * exch[ci]["c_mult"] * diff
                e += upnl
                eb += upnl / btc[k]
        for ci in range(len(coins)):
            for side in (0, 1):
                if (ci, side) in pos and usd_total > 0:
                    size, pprice = pos[(ci, side)]
                    we = abs(size) * pprice * exch[ci]["c_mult"] / usd_total
                    if side == 0:
                        tl += we
                    else:
                        ts += we
        eq_usd.append(e)
        eq_btc.append(eb)
        twe.append(tl - ts)
    bad = 0
    for r in pq.read_table(os.path.join(gdir, "equity_hourly.parquet")).to_pylist():
        i = r["row"]
        bad += (eq_usd[i] != r["usd_total_equity"]) + (eq_btc[i] != r["btc_total_equity"])
    print(f"{run}: {len(eq_usd)} minutes, {bad} sample mismatches")
    if bad:
        raise SystemExit(1)
    d = os.path.join(out, run)
    os.makedirs(d, exist_ok=True)
    np.array(eq_usd, dtype="<f8").tofile(os.path.join(d, "equity_usd.f64"))
    np.array(eq_btc, dtype="<f8").tofile(os.path.join(d, "equity_btc.f64"))
    np.array(twe, dtype="<f8").tofile(os.path.join(d, "twe_net.f64"))
    with open(os.path.join(d, "fills.tsv"), "w") as fh:
        for f in fills:
            row = [str(f["index"]), str(f["timestamp"]), str(coins.index(f["coin"]))]
            row += [repr(float(f[c])) for c in FLOAT_COLS] + [f["type"]]
            row += [repr(float(f[c])) for c in TWE_COLS]
            fh.write("\t".join(row) + "\n")
    meta = {"k0": k0, "starting_balance": start, "starting_balance_btc": start / btc[0], "cap": cap}
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"))


if __name__ == "__main__":
    shared_dir, out_dir = sys.argv[1], sys.argv[2]
    for name in sorted(os.listdir(os.path.join(shared_dir, "golden", "backtests"))):
        rebuild(shared_dir, name, out_dir)
