"""Example backtest report without the Rust engine: real prices from the bundled sample, fills
from a toy grid strategy (NOT the bot's logic), rough toy metrics. For looking at the charts and
the report layout, and for the report tests' real-shaped results.

    python src/tools/example_report.py [OUT_DIR] [--coins ADA,BTC,...] [--days N]
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backtesting.data import BUNDLED_SAMPLE, Dataset, load_from_folder
from backtesting.result import (
    BacktestResult,
    equity_frame,
    expand_analysis,
    fills_frame,
    prices_frame,
)

FEE = 0.0002


@dataclass
class _Pos:
    size: float = 0.0  # signed: short < 0
    price: float = 0.0
    last_entry: float = 0.0
    opened: int = -1


@dataclass
class ToyParams:
    twel_long: float = 1.5
    twel_short: float = 0.6
    spacing: float = 0.012  # next grid entry this far past the last entry
    markup: float = 0.006  # close this far in profit
    double_down: float = 1.0
    initial_pct: float = 0.08  # initial entry cost as a share of the coin's wallet exposure limit
    unstuck_hours: float = 72.0


class _Toy:
    """Very small grid bot on 1m closes: shared balance, one long and one short position per coin."""

    def __init__(self, dataset: Dataset, balance: float, params: ToyParams, seed: int) -> None:
        self.ds, self.p, self.balance = dataset, params, balance
        self.rng = np.random.default_rng(seed)
        n = len(dataset.coins)
        self.pos = {side: [_Pos() for _ in range(n)] for side in ("long", "short")}
        self.fills: list[tuple] = []

    def wel(self, side: str) -> float:
        return (self.p.twel_long if side == "long" else self.p.twel_short) / len(self.ds.coins)

    def twe(self, side: str) -> float:
        return sum(abs(q.size) * q.price for q in self.pos[side]) / self.balance

    def fill(self, k: int, i: int, side: str, qty: float, price: float, order_type: str) -> None:
        q = self.pos[side][i]
        pnl = 0.0
        if (qty > 0) == (side == "long"):  # entry
            new = q.size + qty
            q.price = (q.size * q.price + qty * price) / new
            q.size, q.last_entry = new, price
            q.opened = k if q.opened < 0 else q.opened
        else:
            pnl = (price - q.price) * -qty if side == "long" else (q.price - price) * qty
            q.size += qty
            if abs(q.size) < 1e-12:
                q.size, q.opened = 0.0, -1
        fee = -abs(qty) * price * FEE
        self.balance += pnl + fee
        twe_long, twe_short = self.twe("long"), -self.twe("short")
        self.fills.append((
            k, int(self.ds.timestamps[k]), self.ds.coins[i], pnl, fee, self.balance, 0.0, self.balance,
            float(self.ds.btc_usd[k]), qty, price, q.size, q.price if q.size else 0.0, order_type,
            q.size * q.price / self.balance, twe_long, twe_short, twe_long + twe_short,
        ))

    def step(self, k: int, i: int, side: str, c: float) -> None:
        q, sign = self.pos[side][i], (1.0 if side == "long" else -1.0)
        cap = self.wel(side) * self.balance / c
        if q.size == 0:
            kind = "entry_initial_normal" if self.rng.random() < 0.8 else "entry_initial_partial"
            self.fill(k, i, side, sign * cap * self.p.initial_pct, c, f"{kind}_{side}")
        elif sign * (q.last_entry - c) / q.last_entry >= self.p.spacing:
            qty = min(abs(q.size) * self.p.double_down, cap - abs(q.size))
            if qty > cap * 0.01:
                kind = "entry_grid_normal" if self.rng.random() < 0.85 else "entry_trailing_normal"
                self.fill(k, i, side, sign * qty, c, f"{kind}_{side}")
            elif k - q.opened > self.p.unstuck_hours * 60 and self.rng.random() < 0.002:
                self.fill(k, i, side, -sign * abs(q.size) * 0.2, c, f"close_unstuck_{side}")
        elif sign * (c - q.price) / q.price >= self.p.markup:
            kind = "close_grid" if self.rng.random() < 0.75 else "close_trailing"
            part = abs(q.size) if abs(q.size) * c < 0.02 * self.balance else abs(q.size) * 0.5
            self.fill(k, i, side, -sign * part, c, f"{kind}_{side}")

    def run(self) -> np.ndarray:
        closes = self.ds.hlcvs[:, :, 2]
        equity = np.empty((len(closes), 3))
        for k in range(len(closes)):
            upnl = 0.0
            for i in range(len(self.ds.coins)):
                c = closes[k, i]
                if not math.isfinite(c):
                    continue
                for side in ("long", "short"):
                    if self.wel(side) > 0:
                        self.step(k, i, side, c)
                    q = self.pos[side][i]
                    upnl += q.size * (c - q.price)
            e = self.balance + upnl
            equity[k] = (self.ds.timestamps[k], e, e / self.ds.btc_usd[k])
        return equity


def toy_analysis(equity: pd.DataFrame, fills: pd.DataFrame) -> dict[str, float]:
    """A handful of metrics with the analysis' names, computed roughly (for display only)."""
    e = equity["usd_total_equity"]
    daily = e.resample("1D").last().dropna()
    rets = daily.pct_change().dropna()
    days = max(len(daily) - 1, 1)
    gain = float(daily.iloc[-1] / daily.iloc[0]) if len(daily) else 1.0
    dd = float((1 - e / e.cummax()).max())
    closes = fills[fills["type"].str.startswith("close")] if len(fills) else fills
    losses = float(-closes["pnl"][closes["pnl"] < 0].sum()) if len(closes) else 0.0
    profits = float(closes["pnl"][closes["pnl"] > 0].sum()) if len(closes) else 0.0
    adg = gain ** (1 / days) - 1
    std = float(rets.std()) if len(rets) > 1 else 0.0
    downside = float(rets[rets < 0].std()) if (rets < 0).sum() > 1 else 0.0
    return {
        "adg": adg,
        "adg_w": adg,
        "mdg": float(rets.median()) if len(rets) else 0.0,
        "gain": gain,
        "drawdown_worst": dd,
        "sharpe_ratio": float(rets.mean() / std) if std else math.inf,
        "sortino_ratio": float(rets.mean() / downside) if downside else math.inf,
        "calmar_ratio": adg / dd if dd else math.inf,
        "loss_profit_ratio": losses / profits if profits else math.inf,
        "positions_held_per_day": float((fills["psize"] == 0).sum()) / days if len(fills) else 0.0,
        "position_held_hours_max": float("nan"),
        "total_wallet_exposure_max": float(fills["twe_long"].max() - fills["twe_short"].min()) if len(fills) else 0.0,
    }


def toy_result(
    dataset: Dataset, *, starting_balance: float = 1000.0, params: ToyParams | None = None, seed: int = 0, exchange: str = "binance"
) -> BacktestResult:
    params = params or ToyParams()
    toy = _Toy(dataset, starting_balance, params, seed)
    eq_arr = toy.run()
    fills = fills_frame(np.array(toy.fills, dtype=object) if toy.fills else None)
    equity = equity_frame(eq_arr, fills, starting_balance)
    usd = toy_analysis(equity, fills)
    analysis = expand_analysis(usd, usd, params.twel_long, params.twel_short, {"loss_profit_ratio_long": usd["loss_profit_ratio"]})
    bot = {side: {"total_wallet_exposure_limit": t, "n_positions": len(dataset.coins)}
           for side, t in (("long", params.twel_long), ("short", params.twel_short))}
    return BacktestResult(
        config={"backtest": {"starting_balance": starting_balance}, "bot": bot, "_source_path": "configs/toy_example.json"},
        exchange=exchange,
        coins=list(dataset.coins),
        fills=fills,
        equity=equity,
        prices=prices_frame(dataset),
        analysis=analysis,
        first_trade_time=fills["timestamp"].iloc[0] if len(fills) else None,
        notes=["Example only: fills come from a toy grid strategy on real prices, not from the engine; metrics are rough."],
    )


def sample_dataset(coins: list[str], days: float | None = None) -> Dataset:
    """The bundled sample's candles for `coins` (the last `days` days when given)."""
    end = 2**62
    start = 0
    if days is not None:
        full = load_from_folder(BUNDLED_SAMPLE, ["BTC"], 0, end, 10_000)
        end = int(full.timestamps[-1])
        start = end - int(days * 86_400_000)
    return load_from_folder(BUNDLED_SAMPLE, coins, start, end, 10_000)


def main(argv: list[str] | None = None) -> None:
    from backtesting.plots import plot_all
    from backtesting.report import write_report
    from backtesting.summary import format_summary

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", nargs="?", default="/tmp/report_example")
    ap.add_argument("--coins", default="ADA,BNB,BTC,ETH,SOL,XRP")
    ap.add_argument("--days", type=float, default=None)
    args = ap.parse_args(argv)
    result = toy_result(sample_dataset(args.coins.split(","), args.days))
    out = Path(args.out_dir)
    plots = plot_all(result, out)
    report = write_report(result, out, plots)
    print(format_summary(result))
    print(f"report: {report}")


if __name__ == "__main__":
    main()
