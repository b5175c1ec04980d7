"""Plots, HTML report and console summary on small synthetic results (the real engine's output
is covered end to end by test_backtest_cli). Low dpi and small figures keep the suite fast."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from backtesting import plots
from backtesting.report import write_report
from backtesting.report_data import (
    NON_FINITE_TEXT,
    all_coins,
    classify_fills,
    coin_table,
    fill_kind,
    split_denomination,
)
from backtesting.result import (
    FILL_COLUMNS,
    BacktestResult,
    expand_analysis,
    fills_frame,
)
from backtesting.summary import format_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src" / "tools"))

FAST = {"dpi": 30, "width": 6.0}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
T0 = pd.Timestamp("2025-03-01 00:00", tz="UTC")


# ---- builders --------------------------------------------------------------------------------


def _fill(
    minute: int,
    coin: str,
    order_type: str,
    qty: float,
    price: float,
    psize: float,
    pprice: float,
    *,
    pnl: float = 0.0,
    balance: float = 1000.0,
    twe: tuple[float, float] = (0.0, 0.0),
) -> dict:
    fee = -abs(qty) * price * 0.0002
    return {
        "minute": minute,
        "timestamp": T0 + pd.Timedelta(minutes=minute),
        "coin": coin,
        "pnl": pnl,
        "fee_paid": fee,
        "usd_total_balance": balance,
        "btc_cash_wallet": 0.0,
        "usd_cash_wallet": balance,
        "btc_price": 60000.0,
        "qty": qty,
        "price": price,
        "psize": psize,
        "pprice": pprice,
        "type": order_type,
        "wallet_exposure": psize * pprice / balance,
        "twe_long": twe[0],
        "twe_short": twe[1],
        "twe_net": twe[0] + twe[1],
    }


def hand_fills() -> list[dict]:
    """BTC long: initial, grid, partial grid close, trailing close. ETH short: initial, grid,
    unstuck close, panic close."""
    return [
        _fill(10, "BTC", "entry_initial_normal_long", 0.002, 60000, 0.002, 60000, twe=(0.12, 0)),
        _fill(30, "ETH", "entry_initial_normal_short", -0.05, 3000, -0.05, 3000, twe=(0.12, -0.15)),
        _fill(60, "BTC", "entry_grid_normal_long", 0.002, 59000, 0.004, 59500, twe=(0.238, -0.15)),
        _fill(90, "ETH", "entry_grid_normal_short", -0.05, 3050, -0.1, 3025, twe=(0.238, -0.3025)),
        _fill(120, "BTC", "close_grid_long", -0.002, 60500, 0.002, 59500, pnl=2.0, balance=1002.0, twe=(0.119, -0.302)),
        _fill(
            150, "ETH", "close_unstuck_short", 0.03, 3100, -0.07, 3025, pnl=-2.25, balance=999.75, twe=(0.119, -0.212)
        ),
        _fill(200, "BTC", "close_trailing_long", -0.002, 61000, 0.0, 0.0, pnl=3.0, balance=1002.75, twe=(0.0, -0.211)),
        _fill(250, "ETH", "close_panic_short", 0.07, 3080, 0.0, 0.0, pnl=-3.85, balance=998.9, twe=(0.0, 0.0)),
    ]


def make_result(
    coins: list[str] | None = None,
    fills: list[dict] | None = None,
    hours: int = 6,
    analysis: dict | None = None,
    exchange: str = "binance",
    seed: int = 1,
) -> BacktestResult:
    coins = ["BTC", "ETH"] if coins is None else coins
    fills = hand_fills() if fills is None else fills
    minutes = pd.date_range(T0, periods=hours * 60, freq="1min")
    rng = np.random.default_rng(seed)
    base = {"BTC": 60000.0, "ETH": 3000.0}
    closes = {
        c: base.get(c, 10.0 + i) * np.exp(np.cumsum(rng.normal(0, 1e-3, len(minutes)))) for i, c in enumerate(coins)
    }
    prices = pd.DataFrame(closes, index=minutes)[::5]
    df = pd.DataFrame(fills, columns=FILL_COLUMNS) if fills else fills_frame(None)
    balance = pd.Series(1000.0, index=minutes)
    if fills:
        balance = df.groupby("timestamp")["usd_total_balance"].last().reindex(minutes).ffill().fillna(1000.0)
    equity_usd = balance + rng.normal(0, 1.5, len(minutes)).cumsum() * 0.3
    equity = pd.DataFrame(
        {"usd_total_equity": equity_usd, "btc_total_equity": equity_usd / 60000.0, "usd_total_balance": balance},
        index=minutes,
    )
    if analysis is None:
        analysis = {
            "adg_usd": 0.00123,
            "adg_btc": 0.0011,
            "gain_usd": 1.0234,
            "gain_btc": 1.01,
            "drawdown_worst_usd": 0.0567,
            "drawdown_worst_btc": 0.07,
            "sharpe_ratio_usd": 0.4321,
            "sharpe_ratio_btc": None,
            "sortino_ratio_usd": None,
            "loss_profit_ratio": 0.25,
            "positions_held_per_day": 3.5,
            "position_held_hours_max": 12.5,
            "calmar_ratio_usd": None,
        }
    return BacktestResult(
        config={
            "backtest": {"starting_balance": 1000.0},
            "_source_path": "/cfg/my_config.json",
            "bot": {
                "long": {"total_wallet_exposure_limit": 1.5, "n_positions": 2},
                "short": {"total_wallet_exposure_limit": 0.5, "n_positions": 2},
            },
        },
        exchange=exchange,
        coins=coins,
        fills=df,
        equity=equity,
        prices=prices,
        analysis=analysis,
        first_trade_time=df["timestamp"].iloc[0] if fills else None,
        notes=["synthetic test result"],
    )


def random_fills(coins: list[str], n: int, minutes: int, seed: int = 0) -> list[dict]:
    """Many plausible fills: alternating long entries/closes and short entries/closes."""
    rng = np.random.default_rng(seed)
    types = [
        "entry_grid_normal_long",
        "close_grid_long",
        "entry_grid_normal_short",
        "close_trailing_short",
        "entry_initial_normal_long",
        "close_unstuck_long",
        "close_auto_reduce_twel_long",
        "entry_trailing_normal_short",
    ]
    out = []
    for k, m in enumerate(np.sort(rng.integers(0, minutes, n))):
        t = types[k % len(types)]
        sign = (1 if t.endswith("long") else -1) * (1 if t.startswith("entry") else -1)
        out.append(
            _fill(
                int(m),
                coins[k % len(coins)],
                t,
                sign * 0.01,
                100 + rng.normal(),
                (k % 5) * 0.01 * (1 if "long" in t else -1),
                100.0,
                pnl=rng.normal(),
                twe=(rng.random(), -rng.random() * 0.5),
            )
        )
    return out


def assert_png(path: Path, min_bytes: int = 1500) -> None:
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) >= min_bytes, (path, len(data))
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.size[0] > 50 and im.size[1] > 50


def report_html(result: BacktestResult, tmp_path: Path) -> tuple[str, dict[str, Path]]:
    made = plots.plot_all(result, tmp_path, **FAST)
    return write_report(result, tmp_path, made).read_text(encoding="utf-8"), made


# ---- plots -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> tuple[BacktestResult, dict[str, Path], str]:
    """The 2-coin hand-made result with every chart (log variant included) and its report,
    rendered once for the tests that only read them."""
    r = make_result()
    out = tmp_path_factory.mktemp("standard")
    made = plots.plot_all(r, out, log_scale=True, **FAST)
    return r, made, write_report(r, out, made).read_text(encoding="utf-8")


def test_plot_all_writes_every_chart_as_png(standard: tuple) -> None:
    _, made, _ = standard
    assert list(made) == [
        "balance_equity",
        "balance_equity_log",
        "drawdown",
        "exposure",
        "pnl_by_coin",
        "coin:BTC",
        "coin:ETH",
    ]
    assert len({p.name for p in made.values()}) == len(made)  # one file per chart
    for p in made.values():
        assert_png(p)


def test_dpi_parameter_sets_the_image_size(tmp_path: Path) -> None:
    small = plots.plot_drawdown(make_result(), tmp_path / "a", dpi=20, width=5.0)
    large = plots.plot_drawdown(make_result(), tmp_path / "b", dpi=40, width=5.0)
    with Image.open(small) as a, Image.open(large) as b:
        assert b.size[0] == pytest.approx(2 * a.size[0], abs=2)


def test_exposure_per_minute_forward_fills_between_fills() -> None:
    r = make_result()
    twe = plots.exposure_per_minute(r)
    assert twe.index.equals(r.equity.index)

    def at(minute: int) -> pd.Series:
        return twe.loc[T0 + pd.Timedelta(minutes=minute)]

    assert at(0)["twe_long"] == 0.0 and at(9)["twe_long"] == 0.0  # before the first fill
    assert at(10)["twe_long"] == 0.12 and at(59)["twe_long"] == 0.12  # carried until the next fill
    assert at(95)["twe_short"] == -0.3025 and at(95)["twe_net"] == pytest.approx(0.238 - 0.3025)
    assert (at(300)[["twe_long", "twe_short", "twe_net"]] == 0).all()  # all closed


def test_open_positions_count_per_side() -> None:
    counts = plots.open_positions(make_result())
    assert counts["long"].max() == 1 and counts["short"].max() == 1
    assert counts.iloc[-1].tolist() == [0, 0]


def test_envelope_keeps_extremes_gaps_and_ends() -> None:
    y = np.sin(np.linspace(0, 50, 100_000))
    y[12_345] = 9.0
    y[54_321] = -9.0
    y[70_000:70_100] = np.nan
    idx = plots.envelope_indices(y, max_points=3000)
    assert len(idx) <= 3000 + 2
    assert {0, 12_345, 54_321, 99_999} <= set(idx.tolist())
    assert np.isnan(y[idx]).any()  # the gap survives, so the line breaks there
    assert (np.diff(idx) > 0).all()
    assert len(plots.envelope_indices(np.arange(10.0))) == 10


def test_drawdown_pct() -> None:
    dd = plots.drawdown_pct(np.array([100.0, 110.0, 99.0, 120.0, 90.0]))
    assert dd == pytest.approx([0.0, 0.0, -10.0, 0.0, -25.0])
    assert np.isnan(plots.drawdown_pct(np.array([0.0, 0.0]))).all()


def test_coin_filenames_are_safe_and_distinct() -> None:
    names = [plots.coin_filename(c) for c in ("BTC", "<script>", "A/B", "A_B", "1000PEPE", "币安人生", "../etc")]
    assert names[0] == "coin_BTC.png" and names[4] == "coin_1000PEPE.png"
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"coin_[A-Za-z0-9._-]+\.png", n) and "/" not in n and ".." not in n[5:-4] for n in names)


# ---- edge cases ------------------------------------------------------------------------------


def test_no_fills_everything_still_renders(tmp_path: Path) -> None:
    r = make_result(fills=[])
    text, made = report_html(r, tmp_path)
    assert set(made) >= {"balance_equity", "drawdown", "exposure", "pnl_by_coin"}
    for p in made.values():
        assert_png(p)
    assert (plots.exposure_per_minute(r) == 0).all().all()
    assert "no fills" in format_summary(r)
    assert text.count("data:image/png;base64,") == len(made)


def test_single_coin(tmp_path: Path) -> None:
    fills = [f for f in hand_fills() if f["coin"] == "BTC"]
    r = make_result(coins=["BTC"], fills=fills)
    text, made = report_html(r, tmp_path)
    assert [k for k in made if k.startswith("coin:")] == ["coin:BTC"]
    assert_png(made["pnl_by_coin"])
    assert "BTC" in text


def test_side_without_fills(tmp_path: Path) -> None:
    fills = [{**f, "twe_short": 0.0, "twe_net": f["twe_long"]} for f in hand_fills() if f["type"].endswith("_long")]
    r = make_result(fills=fills)
    assert (plots.exposure_per_minute(r)["twe_short"] == 0).all()
    assert plots.open_positions(r)["short"].eq(0).all()
    assert_png(plots.plot_exposure(r, tmp_path, **FAST))
    assert_png(plots.plot_coin(r, "ETH", tmp_path, **FAST))  # a coin with prices but no fills at all


def test_nan_prices_and_coin_without_price_column(tmp_path: Path) -> None:
    r = make_result(coins=["BTC", "ETH", "NEW"])
    r.prices.loc[r.prices.index[:30], "BTC"] = np.nan  # listed later
    r.prices["NEW"] = np.nan  # no data at all
    r.prices = r.prices.drop(columns=["ETH"])  # fills but no price column
    for coin in ("BTC", "ETH", "NEW"):
        assert_png(plots.plot_coin(r, coin, tmp_path, **FAST))


def test_twenty_five_coins(tmp_path: Path) -> None:
    """Everything that depends on the number of coins sees all 25 (PnL bars, exposure, open
    positions, tables, summary). Per-coin charts are independent of each other, so for speed
    every third coin is drawn: 9 charts, enough for the report to fold them."""
    coins = [f"C{i:02d}" for i in range(25)]
    r = make_result(coins=coins, fills=random_fills(coins, 200, 360), hours=6)
    assert all_coins(r) == coins  # what plot_all draws per coin by default
    made = plots.plot_all(r, tmp_path, coins=coins[::3], **FAST)
    text = write_report(r, tmp_path, made).read_text(encoding="utf-8")
    for p in made.values():
        assert_png(p)
    assert len([k for k in made if k.startswith("coin:")]) == 9
    assert text.count("data:image/png;base64,") == len(made)
    assert '<details id="coin-0"><summary>' in text  # more than 8 coin charts start folded
    table = text[text.index('id="coins"') :]
    assert all(f">{c}<" in table for c in coins) and len(coin_table(r)) == 25
    assert plots.open_positions(r)[["long", "short"]].to_numpy().max() <= 25
    summary = format_summary(r)
    assert "25 coins" in summary and all(c in summary for c in coins)
    assert max(len(line) for line in summary.splitlines() if line.startswith(("Realised", "  C"))) <= 100


def test_large_fill_count_plots_quickly(tmp_path: Path) -> None:
    coins = ["BTC", "ETH"]
    r = make_result(coins=coins, fills=random_fills(coins, 12_000, 5 * 1440), hours=5 * 24)
    start = time.perf_counter()
    paths = [plots.plot_coin(r, "BTC", tmp_path, **FAST), plots.plot_exposure(r, tmp_path, **FAST)]
    assert time.perf_counter() - start < 3.0
    for p in paths:
        assert_png(p)


# ---- report ----------------------------------------------------------------------------------


def test_report_is_one_self_contained_file(standard: tuple) -> None:
    _, made, text = standard
    assert (made["drawdown"].parent / "report.html").is_file()
    assert text.startswith("<!DOCTYPE html>")
    assert text.count("data:image/png;base64,") == len(made)
    srcs = re.findall(r'\b(?:src|href)\s*=\s*["\']?([^"\'\s>]*)', text, flags=re.IGNORECASE)
    assert srcs and all(s.startswith(("data:", "#")) for s in srcs), [
        s[:40] for s in srcs if not s.startswith(("data:", "#"))
    ]
    assert not re.search(r"https?://|url\(|@import|<script|<link", text, flags=re.IGNORECASE)
    # header facts
    for expected in ("binance", "my_config.json", "2025-03-01 00:00", "1,000.00", "998.90", "Fills"):
        assert expected in text


def test_report_metrics_grouped_and_none_marked(standard: tuple) -> None:
    _, _, text = standard
    for group in ("Returns", "Risk", "Positions"):
        assert f"<caption>{group}</caption>" in text
    assert "0.123 %" in text  # adg_usd 0.00123
    assert "5.67 %" in text  # drawdown_worst_usd
    assert "1.023×" in text  # gain_usd
    nonfinite = re.findall(r'<td class="num nonfinite"[^>]*title="([^"]+)"[^>]*>([^<]+)</td>', text)
    assert len(nonfinite) >= 3  # sortino_usd, calmar_usd, sharpe_btc (key and full tables)
    assert all(label == "∞ / n/a" and "non-finite" in title for title, label in nonfinite)


def test_report_escapes_every_string(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    # also names matplotlib could misread ("$" starts mathtext) or lacks glyphs for
    names = {"BTC": evil, "ETH": "$WIF"}
    fills = [{**f, "coin": names[f["coin"]]} for f in hand_fills()]
    r = make_result(
        coins=[evil, "$WIF", "币安人生"],
        fills=fills,
        exchange='bin"ance<b>',
        analysis={"adg_usd": 0.001, "<img src=x>": 1.0},
    )
    r.notes.append("note with <i>tags</i> & ampersand")
    # the charts that show coin names (the overview ones are covered elsewhere)
    made = {"pnl_by_coin": plots.plot_pnl_by_coin(r, tmp_path, **FAST)}
    made |= {plots.coin_plot_key(c): plots.plot_coin(r, c, tmp_path, **FAST) for c in r.coins}
    text = write_report(r, tmp_path, made).read_text(encoding="utf-8")
    assert "<script" not in text and "<img src=x>" not in text and "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "bin&quot;ance&lt;b&gt;" in text and "&amp; ampersand" in text
    assert "$WIF" in text and "币安人生" in text
    for p in made.values():
        assert_png(p)


def test_report_per_coin_table(standard: tuple) -> None:
    r, _, text = standard
    table = coin_table(r)
    assert table.loc["BTC", "fills"] == 4 and table.loc["ETH", "closes"] == 2
    assert table.loc["BTC", "pnl"] == pytest.approx(5.0)
    assert table.loc["ETH", "net_pnl"] == pytest.approx(-6.1 + table.loc["ETH", "fees"])
    assert table.loc["ETH", "max_we_short"] == pytest.approx(0.1 * 3025 / 1000)
    section = text[text.index('id="coins"') :]
    assert 'href="#coin-' in section and "Total" in section
    assert f"{table.loc['BTC', 'net_pnl']:+,.2f}" in section


# the engine's 53 analysis keys
ANALYSIS_KEYS = [
    "adg",
    "adg_pnl",
    "adg_pnl_w",
    "adg_w",
    "calmar_ratio",
    "calmar_ratio_w",
    "drawdown_worst",
    "drawdown_worst_mean_1pct",
    "entry_initial_balance_pct_long",
    "entry_initial_balance_pct_short",
    "equity_balance_diff_neg_max",
    "equity_balance_diff_neg_mean",
    "equity_balance_diff_pos_max",
    "equity_balance_diff_pos_mean",
    "equity_choppiness",
    "equity_choppiness_w",
    "equity_jerkiness",
    "equity_jerkiness_w",
    "expected_shortfall_1pct",
    "exponential_fit_error",
    "exponential_fit_error_w",
    "gain",
    "loss_profit_ratio",
    "loss_profit_ratio_w",
    "mdg",
    "mdg_pnl",
    "mdg_pnl_w",
    "mdg_w",
    "omega_ratio",
    "omega_ratio_w",
    "peak_recovery_hours_equity",
    "peak_recovery_hours_pnl",
    "position_held_hours_max",
    "position_held_hours_mean",
    "position_held_hours_median",
    "position_unchanged_hours_max",
    "positions_held_per_day",
    "positions_held_per_day_w",
    "sharpe_ratio",
    "sharpe_ratio_pnl",
    "sharpe_ratio_pnl_w",
    "sharpe_ratio_w",
    "sortino_ratio",
    "sortino_ratio_pnl",
    "sortino_ratio_pnl_w",
    "sortino_ratio_w",
    "sterling_ratio",
    "sterling_ratio_w",
    "total_wallet_exposure_max",
    "total_wallet_exposure_mean",
    "total_wallet_exposure_median",
    "volume_pct_per_day_avg",
    "volume_pct_per_day_avg_w",
]


def test_report_lists_every_analysis_key(tmp_path: Path) -> None:
    """The engine's full analysis layout (53 metrics, expanded to USD/BTC and per exposure)."""
    rng = np.random.default_rng(3)
    usd = {k: float(rng.random()) for k in ANALYSIS_KEYS} | {
        "omega_ratio": float("inf"),
        "sterling_ratio": float("nan"),
    }
    analysis = expand_analysis(usd, usd, 1.5, 0.0, {"loss_profit_ratio_long": 0.3, "loss_profit_ratio_short": None})
    r = make_result(analysis=analysis)
    text = write_report(r, tmp_path, {}).read_text(encoding="utf-8")
    start = text.index("All metrics")
    full = text[start : text.index("</details>", start)]
    assert f"All metrics ({len(analysis)} values)" in full
    for key in analysis:
        assert f"[{split_denomination(key)[0]}]" in full, key
    value_cells = re.findall(r'<td class="num[^"]*"( colspan="2")?[^>]*>', full)
    assert sum(2 if span else 1 for span in value_cells) == 2 * len({split_denomination(k)[0] for k in analysis})
    assert full.count("∞ / n/a") >= 5  # omega and sterling in USD and BTC, short loss/profit ratio


def test_report_skips_unreadable_plot(tmp_path: Path) -> None:
    r = make_result()
    path = write_report(r, tmp_path, {"drawdown": tmp_path / "missing.png"})
    text = path.read_text(encoding="utf-8")
    assert "could not be read" in text and "data:image" not in text


# ---- summary and helpers ---------------------------------------------------------------------


def test_format_summary_has_the_key_numbers() -> None:
    s = format_summary(make_result())
    for expected in (
        "binance",
        "2 coins",
        "my_config.json",
        "1,000.00 -> 998.90 USD",
        "(-0.11 %)",
        "Fills    8",
        "ADG (USD)",
        "0.123 %",
        "Worst drawdown (USD)",
        "5.67 %",
        "Gain (USD)",
        "1.023×",
        "Sharpe ratio (USD)",
        "0.4321",
        "Loss / profit ratio",
        "0.25",
        "Positions per day",
        "3.5",
        "Position held, max",
        "12.5 h",
        NON_FINITE_TEXT,
        "BTC +",
        "ETH -",
    ):
        assert expected in s, expected
    lines = s.splitlines()
    metric_lines = [line for line in lines if line.startswith("  ") and ("%" in line or "×" in line or " h" in line)]
    assert len({len(line) for line in metric_lines}) == 1  # values right-aligned in one column


def test_fill_kind_classification() -> None:
    k = fill_kind("close_auto_reduce_twel_short")
    assert (k.action, k.side, k.family) == ("close", "short", "auto_reduce")
    k = fill_kind("entry_grid_cropped_long")
    assert (k.action, k.side, k.family) == ("entry", "long", "grid")
    assert fill_kind("something_new").family == "other"
    df = pd.DataFrame({"type": ["mystery", "mystery"], "qty": [1.0, -1.0]})
    assert classify_fills(df)["side"].tolist() == ["short", "long"]  # closes: a buy closes a short
