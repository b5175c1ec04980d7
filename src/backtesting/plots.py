"""Backtest charts, one PNG per function (matplotlib Agg canvas, no display, no pyplot state).

Public API:
    plot_balance_equity(result, out_dir, log_scale=False)  balance and equity in USD, equity in BTC
    plot_drawdown(result, out_dir)                          equity drawdown from its running peak, in %
    plot_exposure(result, out_dir, twel_long=, twel_short=) total wallet exposure per side, open positions
    plot_coin(result, coin, out_dir)                        price with fills marked, position size below
    plot_pnl_by_coin(result, out_dir)                       realised PnL incl. fees per coin
    plot_all(result, out_dir) -> {key: path}                all of the above; keys as `PLOT_TITLES`,
                                                            per coin `coin_plot_key(coin)`
    exposure_per_minute(result)                             per-minute TWE rebuilt from the fills
Every function takes `dpi` and `width` (inches): tests use a low dpi to stay fast.
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from backtesting.report_data import (
    all_coins,
    classify_fills,
    coin_table,
    format_money,
    run_facts,
    twel,
)
from backtesting.result import BacktestResult

DEFAULT_DPI = 110
DEFAULT_WIDTH = 12.0  # inches: ~1300 px at the default dpi, the width of a report column
# Line points kept per series after min/max decimation: more than a figure has pixels columns.
MAX_LINE_POINTS = 4000
COIN_KEY_PREFIX = "coin:"

PLOT_TITLES = {
    "balance_equity": "Balance and equity",
    "balance_equity_log": "Balance and equity (log scale)",
    "drawdown": "Drawdown",
    "exposure": "Wallet exposure",
    "pnl_by_coin": "Realised PnL per coin",
}

C_EQUITY = "#1f4e79"
C_BALANCE = "#e08a00"
C_BTC = "#f2a900"
C_LONG = "#2e8b57"
C_SHORT = "#c0392b"
C_ENTRY = "#1f77b4"
C_CLOSE = "#ff7f0e"
C_PRICE = "#555555"
C_GAIN = "#2e8b57"
C_LOSS = "#c0392b"

# Marker shape per order-type family: shape ("tri" = ^ for buys, v for sells), filled, size factor.
# Routine fills are small triangles; the rare forced closes get bold, distinct shapes.
FAMILY_MARKERS: dict[str, tuple[str, bool, float]] = {
    "initial": ("tri", True, 1.5),
    "grid": ("tri", True, 1.0),
    "trailing": ("tri", False, 1.2),
    "unstuck": ("X", True, 1.8),
    "panic": ("*", True, 2.4),
    "auto_reduce": ("D", True, 1.3),
    "other": ("o", True, 1.0),
}

_RC = {
    "text.parse_math": False,  # coin names and labels are plain text: "$" must not start mathtext
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titley": 1.0,  # fixed: the automatic title placement measures every tick label (slow)
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.framealpha": 0.85,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "path.simplify": True,
    "agg.path.chunksize": 20000,  # very long paths render in chunks instead of overflowing
}


# ---- helpers ---------------------------------------------------------------------------------


@contextmanager
def _styled() -> Iterator[None]:
    """Our style for the figure built inside, without touching the caller's global rcParams."""
    with mpl.rc_context(_RC), warnings.catch_warnings():
        # coin names in scripts DejaVu Sans lacks (e.g. CJK) render as boxes; not worth a warning each
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        yield


def _figure(
    width: float,
    height: float,
    nrows: int = 1,
    height_ratios: Sequence[float] | None = None,
    *,
    left: float = 0.85,
    right: float = 0.25,
) -> tuple[Figure, list[Axes]]:
    """A figure with fixed margins in inches (room for tick labels, titles, an outside legend
    via `right`). Fixed margins instead of constrained layout: it doubled the time per chart."""
    height = max(height, 1.6 * nrows + 0.9)  # small figures keep room for their axes
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    axes = fig.subplots(
        nrows, 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": height_ratios} if height_ratios else None
    )
    top, bottom, gap = 0.35, 0.55, 0.45  # title above each panel; tick labels and "UTC" below the last
    panel = (height - top - bottom - gap * (nrows - 1)) / nrows
    fig.subplots_adjust(
        left=min(left / width, 0.4),
        right=max(1 - right / width, 0.6),
        top=1 - top / height,
        bottom=bottom / height,
        hspace=gap / panel,
    )
    return fig, list(axes[:, 0])


def _save(fig: Figure, path: Path, dpi: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def _dates(index: pd.Index | pd.Series | Sequence) -> np.ndarray:
    """Matplotlib date numbers of UTC timestamps (naive ones are taken as UTC)."""
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return mdates.date2num(idx.to_numpy())


def _time_axis(ax: Axes, x_range: tuple[float, float] | None = None) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
    if x_range and x_range[1] > x_range[0]:
        ax.set_xlim(*x_range)


def _placeholder(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#777777", fontsize=11)


def envelope_indices(values: np.ndarray, max_points: int = MAX_LINE_POINTS) -> np.ndarray:
    """Indices that keep a long series' shape: per bucket its minimum, maximum and first NaN
    (so peaks, troughs and data gaps survive), plus both ends. All indices when short enough."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, max_points // 3)
    size = -(-n // buckets)
    blocks = np.full(buckets * size, np.nan)
    blocks[:n] = values
    blocks = blocks.reshape(buckets, size)
    nan = np.isnan(blocks)
    starts = np.arange(buckets) * size
    picks = [
        starts + np.where(nan, np.inf, blocks).argmin(axis=1),
        starts + np.where(nan, -np.inf, blocks).argmax(axis=1),
        (starts + nan.argmax(axis=1))[nan.any(axis=1)],
        np.array([0, n - 1]),
    ]
    idx = np.unique(np.concatenate(picks))
    return idx[idx < n]


def _envelope_union(*series: np.ndarray, max_points: int = MAX_LINE_POINTS) -> np.ndarray:
    """Shared decimation indices for series drawn on one x axis (fill_between needs one x)."""
    return np.unique(np.concatenate([envelope_indices(s, max_points) for s in series]))


def _timeline(result: BacktestResult) -> pd.DatetimeIndex:
    """The run's minutes: the equity index, else the price index, else the fill times."""
    for idx in (result.equity.index, result.prices.index):
        if len(idx):
            return pd.DatetimeIndex(idx)
    if len(result.fills):
        return pd.DatetimeIndex(sorted(result.fills["timestamp"]))
    return pd.DatetimeIndex([], tz="UTC")


def _x_range(result: BacktestResult) -> tuple[float, float] | None:
    t = _timeline(result)
    if not len(t):
        return None
    x = _dates(t[[0, -1]])
    return float(x[0]), float(x[1])


def coin_plot_key(coin: str) -> str:
    return COIN_KEY_PREFIX + coin


def coin_filename(coin: str) -> str:
    """A file name for any coin name: unsafe characters replaced, plus a short hash of the
    original when anything changed, so `A/B` and `A_B` do not collide."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", coin).strip("._")[:60] or "coin"
    if safe != coin:
        safe += "_" + hashlib.sha1(coin.encode("utf-8")).hexdigest()[:8]
    return f"coin_{safe}.png"


def _series(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)


# ---- balance and equity ----------------------------------------------------------------------


def plot_balance_equity(
    result: BacktestResult,
    out_dir: Path,
    *,
    log_scale: bool = False,
    dpi: int = DEFAULT_DPI,
    width: float = DEFAULT_WIDTH,
) -> Path:
    """USD balance (steps at fills) and equity, the gap between them shaded as unrealised
    profit/loss; below, the equity in BTC."""
    name = "balance_equity_log.png" if log_scale else "balance_equity.png"
    facts = run_facts(result)
    with _styled():
        fig, (ax, ax_btc) = _figure(width, width * 0.5, 2, (3, 1.2))
        eq = result.equity
        if not len(eq):
            _placeholder(ax, "no equity data")
            return _save(fig, Path(out_dir) / name, dpi)
        equity, balance, btc = (
            _series(eq, "usd_total_equity"),
            _series(eq, "usd_total_balance"),
            _series(eq, "btc_total_equity"),
        )
        idx = _envelope_union(equity, balance)
        x = _dates(eq.index)
        xi, e, b = x[idx], equity[idx], balance[idx]
        for where, color, label in ((e > b, C_GAIN, "unrealised profit"), (e < b, C_LOSS, "unrealised loss")):
            if where.any():  # no legend entry for an area that never appears
                ax.fill_between(xi, b, e, where=where, interpolate=True, color=color, alpha=0.25, lw=0, label=label)
        ax.plot(xi, b, color=C_BALANCE, lw=1.3, drawstyle="steps-post", label="balance")
        ax.plot(xi, e, color=C_EQUITY, lw=0.9, label="equity")
        if facts.starting_balance:
            ax.axhline(facts.starting_balance, color="#888888", lw=0.8, ls=":", label="starting balance")
        change = facts.balance_change
        change_text = f" ({change * 100:+.2f} %)" if change is not None else ""
        ax.set_title(
            f"Balance and equity (USD) — final balance {format_money(facts.final_balance)}{change_text}, "
            f"final equity {format_money(facts.final_equity)}"
        )
        ax.set_ylabel("USD")
        ax.legend(loc="upper left", ncol=5)
        jdx = envelope_indices(btc)
        ax_btc.plot(x[jdx], btc[jdx], color=C_BTC, lw=0.9)
        ax_btc.set_title("Equity in BTC")
        ax_btc.set_ylabel("BTC")
        if log_scale:
            _log_y(ax, np.concatenate([e, b]))
            _log_y(ax_btc, btc)
        _time_axis(ax_btc, _x_range(result))
        ax_btc.set_xlabel("UTC")
        return _save(fig, Path(out_dir) / name, dpi)


def _log_y(ax: Axes, values: np.ndarray) -> None:
    """Log scale where possible; a non-positive value (wiped-out account) keeps it linear."""
    finite = values[np.isfinite(values)]
    if len(finite) and (finite > 0).all():
        ax.set_yscale("log")
        # plain-number labels (the default ones are mathtext, switched off here); within one
        # decade the log locator would label a single tick, so use evenly spread ones there
        narrow = finite.max() / finite.min() < 10
        locator = mticker.MaxNLocator(nbins=6) if narrow else mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0))
        ax.yaxis.set_major_locator(locator)
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.6g}"))
        ax.yaxis.set_minor_locator(mticker.NullLocator())
    else:
        ax.set_title(ax.get_title() + " — linear: values ≤ 0")


# ---- drawdown --------------------------------------------------------------------------------


def drawdown_pct(equity: pd.Series | np.ndarray) -> np.ndarray:
    """Equity below its running peak, in % (≤ 0; NaN while the peak is not positive)."""
    e = np.asarray(equity, dtype=float)
    peak = np.fmax.accumulate(np.where(np.isfinite(e), e, -np.inf)) if len(e) else e
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, (e / peak - 1.0) * 100.0, np.nan)


def plot_drawdown(
    result: BacktestResult, out_dir: Path, *, dpi: int = DEFAULT_DPI, width: float = DEFAULT_WIDTH
) -> Path:
    """USD-equity drawdown from its running peak (BTC-equity one as a thin line); the worst
    drawdown is annotated and its peak-to-recovery span shaded."""
    with _styled():
        fig, (ax,) = _figure(width, width * 0.3)
        eq = result.equity
        dd = drawdown_pct(_series(eq, "usd_total_equity"))
        if not len(dd) or not np.isfinite(dd).any():
            _placeholder(ax, "no equity data")
            ax.set_title("Drawdown from running peak")
            return _save(fig, Path(out_dir) / "drawdown.png", dpi)
        x = _dates(eq.index)
        idx = envelope_indices(dd)
        ax.fill_between(x[idx], dd[idx], 0, color=C_LOSS, alpha=0.3, lw=0)
        ax.plot(x[idx], dd[idx], color=C_LOSS, lw=0.8, label="USD equity")
        dd_btc = drawdown_pct(_series(eq, "btc_total_equity"))
        if np.isfinite(dd_btc).any():
            jdx = envelope_indices(dd_btc)
            ax.plot(x[jdx], dd_btc[jdx], color=C_BTC, lw=0.7, alpha=0.9, label="BTC equity")
        worst = _annotate_worst(ax, x, _series(eq, "usd_total_equity"), dd)
        ax.set_title(f"Drawdown from running peak — worst {worst:.2f} % (USD equity)")
        ax.set_ylabel("%")
        lowest = np.nanmin(np.concatenate([dd, dd_btc[np.isfinite(dd_btc)]]))
        ax.set_ylim(min(lowest * 1.15, -1.0), max(0.5, abs(lowest) * 0.05))
        ax.legend(loc="lower left")
        _time_axis(ax, _x_range(result))
        ax.set_xlabel("UTC")
        return _save(fig, Path(out_dir) / "drawdown.png", dpi)


def _annotate_worst(ax: Axes, x: np.ndarray, equity: np.ndarray, dd: np.ndarray) -> float:
    """Mark the worst drawdown, shade from its peak to its recovery (or the end); return it."""
    i = int(np.nanargmin(dd))
    worst = float(dd[i])
    if worst >= 0:
        return 0.0
    peak_i = int(np.nanargmax(np.where(np.isfinite(equity[: i + 1]), equity[: i + 1], -np.inf)))
    after = np.nonzero(equity[i:] >= equity[peak_i])[0]
    end_i = i + int(after[0]) if len(after) else len(x) - 1
    ax.axvspan(x[peak_i], x[end_i], color="#999999", alpha=0.12, lw=0)
    recovery = (
        f"recovered in {(x[end_i] - x[peak_i]):.1f} d from the peak" if len(after) else "not recovered by the end"
    )
    when = mdates.num2date(x[i]).strftime("%Y-%m-%d %H:%M")
    right_half = x[i] > (x[0] + x[-1]) / 2
    ax.annotate(
        f"worst {worst:.2f} % at {when}\n{recovery}",
        xy=(x[i], worst),
        xytext=(-12 if right_half else 12, 10),
        textcoords="offset points",
        ha="right" if right_half else "left",
        va="bottom",
        fontsize=8,
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#bbbbbb", "alpha": 0.9},
        arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 0.8},
    )
    ax.plot([x[i]], [worst], marker="o", ms=4, color="#333333")
    return worst


# ---- wallet exposure -------------------------------------------------------------------------

TWE_COLUMNS = ["twe_long", "twe_short", "twe_net"]


def exposure_per_minute(result: BacktestResult) -> pd.DataFrame:
    """twe_long, twe_short (≤ 0), twe_net per minute of the run: the value after the last fill
    at or before the minute, 0 before the first fill. Exposure is position cost / balance, so
    it only changes at fills and forward filling is exact."""
    minutes = _timeline(result)
    if not len(result.fills):
        return pd.DataFrame(0.0, index=minutes, columns=TWE_COLUMNS)
    fills = result.fills.sort_values("timestamp", kind="stable")
    after = fills.groupby("timestamp")[TWE_COLUMNS].last().astype(float)
    after.index = pd.DatetimeIndex(after.index)
    union = minutes.union(after.index)
    return after.reindex(union).ffill().reindex(minutes).fillna(0.0)


def _change_points(df: pd.DataFrame) -> pd.DataFrame:
    """Rows where any column changes, plus the first and last: enough for a step plot."""
    if len(df) <= 2:
        return df
    changed = df.ne(df.shift()).any(axis=1).to_numpy(copy=True)
    changed[[0, -1]] = True
    return df[changed]


def open_positions(result: BacktestResult) -> pd.DataFrame:
    """Number of open positions per side after each fill time (columns long, short)."""
    fills = result.fills
    if not len(fills):
        return pd.DataFrame(columns=["long", "short"], dtype=float)
    kinds = classify_fills(fills)
    df = pd.DataFrame(
        {
            "t": fills["timestamp"],
            "coin": fills["coin"].astype(str),
            "side": kinds["side"],
            "open": pd.to_numeric(fills["psize"], errors="coerce").fillna(0.0).ne(0).astype(int),
        }
    )
    df = df.sort_values("t", kind="stable")
    prev = df.groupby(["coin", "side"])["open"].shift(fill_value=0)
    df["delta"] = df["open"] - prev  # +1 opens, -1 closes
    counts = df.pivot_table(index="t", columns="side", values="delta", aggfunc="sum", fill_value=0).cumsum()
    return counts.reindex(columns=["long", "short"], fill_value=0)


def plot_exposure(
    result: BacktestResult,
    out_dir: Path,
    *,
    twel_long: float | None = None,
    twel_short: float | None = None,
    dpi: int = DEFAULT_DPI,
    width: float = DEFAULT_WIDTH,
) -> Path:
    """Total wallet exposure per side (long up, short down, net as a line) with each side's
    TWEL (from the config unless given); below, how many positions are open per side."""
    twel_long = twel_long if twel_long is not None else twel(result.config, "long")
    twel_short = twel_short if twel_short is not None else twel(result.config, "short")
    with _styled():
        fig, (ax, ax_n) = _figure(width, width * 0.42, 2, (3, 1))
        twe = _change_points(exposure_per_minute(result))
        x = _dates(twe.index) if len(twe) else np.array([])
        drawn = False
        for col, color, label in (("twe_long", C_LONG, "long"), ("twe_short", C_SHORT, "short")):
            y = twe[col].to_numpy() if len(twe) else np.array([])
            if len(y) and np.abs(y).max() > 0:
                ax.fill_between(
                    x, y, 0, step="post", color=color, alpha=0.35, lw=0, label=f"{label} (max {np.abs(y).max():.3g})"
                )
                drawn = True
        if drawn and (twe["twe_long"].abs().max() > 0) and (twe["twe_short"].abs().max() > 0):
            ax.plot(x, twe["twe_net"].to_numpy(), drawstyle="steps-post", color="#222222", lw=0.7, label="net")
        for limit, sign, color, label in ((twel_long, 1, C_LONG, "long"), (twel_short, -1, C_SHORT, "short")):
            if limit:
                ax.axhline(sign * limit, color=color, ls="--", lw=1.0, label=f"{label} TWEL {limit:g}")
        if not drawn:
            _placeholder(ax, "no fills: no exposure")
        ax.axhline(0, color="#999999", lw=0.6)
        ax.set_title("Total wallet exposure (position cost / balance; short side below zero)")
        ax.set_ylabel("exposure")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", ncol=5)
        _plot_open_positions(ax_n, result)
        _time_axis(ax_n, _x_range(result))
        ax_n.set_xlabel("UTC")
        return _save(fig, Path(out_dir) / "exposure.png", dpi)


def _plot_open_positions(ax: Axes, result: BacktestResult) -> None:
    counts = open_positions(result)
    ax.set_title("Open positions")
    if not len(counts):
        return
    x_end = _x_range(result)
    for side, color in (("long", C_LONG), ("short", C_SHORT)):
        y = counts[side].to_numpy(dtype=float)
        if not y.any():
            continue
        x = _dates(counts.index)
        if x_end:  # start at zero, hold the last count to the end of the run
            x, y = np.concatenate([[x_end[0]], x, [x_end[1]]]), np.concatenate([[0.0], y, [y[-1]]])
        ax.plot(x, y, drawstyle="steps-post", color=color, lw=1.0, label=side)
    ax.yaxis.get_major_locator().set_params(integer=True)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", ncol=2)


# ---- per coin --------------------------------------------------------------------------------


def plot_coin(
    result: BacktestResult, coin: str, out_dir: Path, *, dpi: int = DEFAULT_DPI, width: float = DEFAULT_WIDTH
) -> Path:
    """The coin's price (5-min closes) with every fill marked — triangle up = buy, down = sell,
    blue = entry, orange = close, shape/hollowness = order family — and the average entry price
    of open positions dashed; below, the position size per side in coin units."""
    fills = result.fills[result.fills["coin"].astype(str) == coin] if len(result.fills) else result.fills
    kinds = classify_fills(fills)
    with _styled():
        fig, (ax, ax_pos) = _figure(width, width * 0.45, 2, (3, 1.1), right=2.1)
        x_range = _x_range(result)
        _plot_price(ax, result, coin)
        _plot_fills(ax, fills, kinds)
        _plot_positions(ax, ax_pos, fills, kinds, x_range)
        ax.set_title(f"{coin} — {_coin_summary(fills, kinds)}")
        ax.set_ylabel("price")
        _coin_legend(ax)
        _time_axis(ax_pos, x_range)
        ax_pos.set_xlabel("UTC")
        return _save(fig, Path(out_dir) / coin_filename(coin), dpi)


def _coin_summary(fills: pd.DataFrame, kinds: pd.DataFrame) -> str:
    if not len(fills):
        return "no fills"
    entries = int((kinds["action"] == "entry").sum())
    net = float(pd.to_numeric(fills["pnl"]).sum() + pd.to_numeric(fills["fee_paid"]).sum())
    return (
        f"{len(fills):,} fills ({entries:,} entries, {len(fills) - entries:,} closes), "
        f"realised PnL incl. fees {format_money(net, signed=True)} USD"
    )


_LEGEND_ORDER = ("price", "long entry", "long close", "long avg", "short entry", "short close", "short avg")


def _coin_legend(ax: Axes) -> None:
    """Legend right of the chart (it would hide fills inside), grouped by side then action."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    rank = [next((i for i, p in enumerate(_LEGEND_ORDER) if lab.startswith(p)), len(_LEGEND_ORDER)) for lab in labels]
    order = sorted(range(len(labels)), key=lambda i: rank[i])
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper left",
        bbox_to_anchor=(1.005, 1.0),
        fontsize=7,
        markerscale=1.2,
        frameon=False,
        borderaxespad=0,
    )


def _plot_price(ax: Axes, result: BacktestResult, coin: str) -> None:
    prices = result.prices
    y = _series(prices, coin) if coin in prices else np.array([])
    if not len(y) or not np.isfinite(y).any():
        _placeholder(ax, f"no price data for {coin}")
        return
    idx = envelope_indices(y)
    ax.plot(_dates(prices.index)[idx], y[idx], color=C_PRICE, lw=0.7, label="price (5 min)")


def _marker_size(n: int) -> float:
    """Smaller markers for busy charts, so 10k fills stay a readable cloud."""
    return float(np.clip(7.5 - 1.3 * math.log10(max(n, 1)), 2.5, 6.5))


def _plot_fills(ax: Axes, fills: pd.DataFrame, kinds: pd.DataFrame) -> None:
    if not len(fills):
        return
    x = _dates(fills["timestamp"])
    price = pd.to_numeric(fills["price"], errors="coerce").to_numpy(dtype=float)
    buy = pd.to_numeric(fills["qty"], errors="coerce").to_numpy(dtype=float) > 0
    base = _marker_size(len(fills))
    alpha = 0.9 if len(fills) < 500 else 0.65
    groups = kinds.assign(buy=buy).groupby(["action", "side", "family", "buy"], sort=False).indices
    # entries first (drawn under the closes), routine families before the rare forced ones
    order = sorted(groups, key=lambda k: (k[0] != "entry", list(FAMILY_MARKERS).index(k[2]), k[1], not k[3]))
    for action, side, family, is_buy in order:
        rows = groups[(action, side, family, is_buy)]
        shape, filled, scale = FAMILY_MARKERS.get(family, FAMILY_MARKERS["other"])
        marker = ("^" if is_buy else "v") if shape == "tri" else shape
        color = C_ENTRY if action == "entry" else C_CLOSE
        special = family in ("unstuck", "panic", "auto_reduce")
        ax.plot(
            x[rows],
            price[rows],
            ls="none",
            marker=marker,
            ms=base * scale,
            mfc=color if filled else "none",
            mec="#222222" if special or family == "initial" else color,
            mew=0.9 if special or not filled else 0.4,
            alpha=1.0 if special else alpha,
            label=f"{side} {action} · {family.replace('_', '-')} ({len(rows):,})",
            zorder=4 if special else 3,
        )


def _side_steps(fills: pd.DataFrame, column: str, x_range: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """A per-fill value of one side as a step series from the run's start to its end."""
    x = _dates(fills["timestamp"])
    y = pd.to_numeric(fills[column], errors="coerce").to_numpy(dtype=float)
    if x_range:
        x = np.concatenate([[min(x_range[0], x[0])], x, [max(x_range[1], x[-1])]])
        y = np.concatenate([[0.0 if column == "psize" else np.nan], y, [y[-1]]])
    return x, y


def _plot_positions(
    ax_price: Axes, ax: Axes, fills: pd.DataFrame, kinds: pd.DataFrame, x_range: tuple[float, float] | None
) -> None:
    ax.set_title("Position size (coin units; short below zero)")
    ax.axhline(0, color="#999999", lw=0.6)
    drawn = False
    for side, color in (("long", C_LONG), ("short", C_SHORT)):
        part = fills[(kinds["side"] == side).to_numpy()] if len(fills) else fills
        if not len(part):
            continue
        part = part.sort_values("timestamp", kind="stable")
        x, size = _side_steps(part, "psize", x_range)
        ax.fill_between(x, size, 0, step="post", color=color, alpha=0.35, lw=0)
        ax.plot(x, size, drawstyle="steps-post", color=color, lw=0.8, label=side)
        _, pprice = _side_steps(part, "pprice", x_range)
        pprice = np.where(size != 0, pprice, np.nan)  # average entry price only while open
        ax_price.plot(
            x, pprice, drawstyle="steps-post", color=color, lw=0.9, ls="--", alpha=0.9, label=f"{side} avg entry price"
        )
        drawn = True
    if drawn:
        ax.legend(loc="upper left", ncol=2)
    else:
        _placeholder(ax, "no position")


# ---- PnL per coin ----------------------------------------------------------------------------


def plot_pnl_by_coin(
    result: BacktestResult, out_dir: Path, *, dpi: int = DEFAULT_DPI, width: float = DEFAULT_WIDTH
) -> Path:
    """Realised PnL incl. fees per coin as horizontal bars, best at the top, each labelled with
    its value and the fees it paid."""
    table = coin_table(result).sort_values("net_pnl")
    n = len(table)
    with _styled():
        longest = max((len(str(c)) for c in table.index), default=3)
        fig, (ax,) = _figure(width * 0.75, 0.3 * n + 1.2, left=min(2.5, 0.35 + 0.085 * longest), right=0.3)
        ax.set_title("Realised PnL incl. fees per coin (USD)")
        if not n or not (table["fills"] > 0).any():
            _placeholder(ax, "no fills")
            return _save(fig, Path(out_dir) / "pnl_by_coin.png", dpi)
        net = table["net_pnl"].to_numpy()
        y = np.arange(n)
        ax.barh(y, net, color=np.where(net >= 0, C_GAIN, C_LOSS), alpha=0.8, height=0.7)
        ax.set_yticks(y, [str(c) for c in table.index])
        ax.axvline(0, color="#555555", lw=0.8)
        ax.grid(axis="y", visible=False)
        span = float(np.abs(net).max()) or 1.0
        for yi, value, fees in zip(y, net, table["fees"].to_numpy(), strict=True):
            ax.text(
                value + (0.01 * span if value >= 0 else -0.01 * span),
                yi,
                f"{value:+,.2f} (fees {_small_money(fees)})",
                va="center",
                ha="left" if value >= 0 else "right",
                fontsize=7,
            )
        # room for the value labels beside the bars
        lo, hi = float(net.min()), float(net.max())
        ax.set_xlim(lo - 0.45 * span if lo < 0 else -0.05 * span, hi + 0.45 * span if hi > 0 else 0.05 * span)
        ax.set_xlabel("USD")
        return _save(fig, Path(out_dir) / "pnl_by_coin.png", dpi)


def _small_money(value: float) -> str:
    """Cents, or three significant digits below one cent (tiny fees would read as -0.00)."""
    return f"{value:,.2f}" if value == 0 or abs(value) >= 0.01 else f"{value:.3g}"


# ---- everything ------------------------------------------------------------------------------


def _wants_log(result: BacktestResult) -> bool:
    """A log chart only adds information when the equity moved by a multiple."""
    e = _series(result.equity, "usd_total_equity")
    e = e[np.isfinite(e)]
    return bool(len(e) and e.min() > 0 and e.max() / e.min() > 2.0)


def plot_all(
    result: BacktestResult,
    out_dir: Path,
    *,
    log_scale: bool | None = None,
    coins: Sequence[str] | None = None,
    dpi: int = DEFAULT_DPI,
    width: float = DEFAULT_WIDTH,
) -> dict[str, Path]:
    """Every chart of the run, in report order. `log_scale=None` adds the log-scale balance
    chart only when the equity moved by more than 2×; `coins` limits the per-coin charts."""
    out_dir = Path(out_dir)
    kw = {"dpi": dpi, "width": width}
    plots = {"balance_equity": plot_balance_equity(result, out_dir, **kw)}
    if log_scale or (log_scale is None and _wants_log(result)):
        plots["balance_equity_log"] = plot_balance_equity(result, out_dir, log_scale=True, **kw)
    plots["drawdown"] = plot_drawdown(result, out_dir, **kw)
    plots["exposure"] = plot_exposure(result, out_dir, **kw)
    plots["pnl_by_coin"] = plot_pnl_by_coin(result, out_dir, **kw)
    for coin in coins if coins is not None else all_coins(result):
        plots[coin_plot_key(coin)] = plot_coin(result, coin, out_dir, **kw)
    return plots
