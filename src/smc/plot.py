"""Chart of price with the causal engine's structures (matplotlib, PNG): candles, pivots,
BOS/CHoCH lines from the pivot to the breaking bar, order blocks and FVGs as boxes from their
candle to the bar that ended them (or the right edge), liquidity pools as lines up to their sweep
(x) or run (>), and premium/discount shading of the swing range."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

END_KINDS = {
    "ob": ("ob_created", {"ob_invalidated", "ob_expired"}),
    "fvg": ("fvg_created", {"fvg_filled", "fvg_expired"}),
    "pool": ("pool_created", {"sweep", "run", "pool_expired"}),
}


def _lifetimes(events: pd.DataFrame, what: str, n_bars: int) -> pd.DataFrame:
    """Created objects of one family with the bar that ended them (n_bars - 1 if still live)."""
    start, ends = END_KINDS[what]
    created = events[events["kind"] == start].set_index("id")
    ended = events[events["kind"].isin(ends)].drop_duplicates("id").set_index("id")
    out = created.copy()
    out["end"] = ended["known"].reindex(out.index).fillna(n_bars - 1).astype(int)
    out["end_kind"] = ended["kind"].astype(str).reindex(out.index).fillna("")
    return out


def plot_structures(bars: pd.DataFrame, events: pd.DataFrame, first: int, last: int, title: str, out: Path) -> Path:
    """Draw bars `first..=last` (indices into `bars`, the engine's input) and the events that
    concern them. `events` is the engine's output over `bars[: last + 1]` or more."""
    n = len(bars)
    last = min(last, n - 1)
    if first > last:
        raise ValueError("empty time range")
    ev = events[events["known"] <= last]
    win = bars.iloc[first : last + 1]
    x = np.arange(first, last + 1)
    fig, ax = plt.subplots(figsize=(18, 8), dpi=110)
    up = (win["close"] >= win["open"]).to_numpy()
    ax.vlines(x, win["low"], win["high"], color=np.where(up, "#26a69a", "#ef5350"), linewidth=0.6)
    body_lo = np.minimum(win["open"], win["close"])
    body_h = np.maximum((win["close"] - win["open"]).abs(), (win["high"] - win["low"]).max() * 1e-4)
    ax.bar(x, body_h, bottom=body_lo, width=0.7, color=np.where(up, "#26a69a", "#ef5350"), linewidth=0)

    def visible(a: int, b: int) -> bool:
        return b >= first and a <= last

    for _, o in _lifetimes(ev, "ob", last + 1).iterrows():
        a, b = int(o["anchor"]), int(o["end"])
        if visible(a, b):
            color = "#1e88e5" if o["dir"] == 1 else "#fb8c00"
            a0 = max(a, first)
            ax.add_patch(
                Rectangle((a0 - 0.5, o["bottom"]), b - a0 + 1, o["top"] - o["bottom"], color=color, alpha=0.25, lw=0)
            )
    for _, f in _lifetimes(ev, "fvg", last + 1).iterrows():
        a, b = int(f["anchor"]), int(f["end"])
        if visible(a, b):
            color = "#7e57c2" if f["dir"] == 1 else "#ec407a"
            a0 = max(a, first)
            ax.add_patch(
                Rectangle((a0 - 0.5, f["bottom"]), b - a0 + 1, f["top"] - f["bottom"], color=color, alpha=0.15, lw=0)
            )
    for _, p in _lifetimes(ev, "pool", last + 1).iterrows():
        a, b = int(p["known"]), int(p["end"])
        if visible(a, b):
            style = {"liquidity": "-", "day": "--", "week": "-.", "session": ":"}.get(str(p["scale"]), "-")
            ax.hlines(p["level"], max(a, first), b, colors="#616161", linestyles=style, linewidth=0.9)
            if p["end_kind"] in ("sweep", "run") and first <= b <= last:
                ax.plot(b, p["level"], marker="x" if p["end_kind"] == "sweep" else ">", color="black", ms=6)
    for _, e in ev[ev["kind"].isin(["bos", "choch"])].iterrows():
        a, b = int(e["anchor"]), int(e["known"])
        if visible(a, b):
            major = e["scale"] == "swing"
            color = "#2e7d32" if e["dir"] == 1 else "#c62828"
            ax.hlines(
                e["level"],
                max(a, first),
                b,
                colors=color,
                linewidth=1.6 if major else 0.8,
                linestyles="-" if major else "--",
            )
            if first <= b <= last:
                label = ("CHoCH" if e["kind"] == "choch" else "BOS") + ("" if major else " (i)")
                ax.annotate(label, (b, e["level"]), fontsize=7 if major else 6, color=color, ha="right", va="bottom")
    piv = ev[(ev["kind"] == "pivot") & (ev["scale"] == "swing") & (ev["anchor"] >= first)]
    for d, marker, color in ((1, "v", "#2e7d32"), (-1, "^", "#c62828")):
        sel = piv[piv["dir"] == d]
        ax.scatter(sel["anchor"], sel["level"], marker=marker, c=color, s=22, zorder=3)
    zones = ev[(ev["kind"] == "zone")]
    if len(zones):
        z = zones.iloc[-1]
        mid = 0.5 * (z["top"] + z["bottom"])
        ax.axhspan(mid, z["top"], xmin=0.97, color="#ef9a9a", alpha=0.3)
        ax.axhspan(z["bottom"], mid, xmin=0.97, color="#a5d6a7", alpha=0.3)
    ticks = np.linspace(first, last, num=min(8, last - first + 1)).astype(int)
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [pd.Timestamp(int(bars["ts"].iloc[k]), unit="ms").strftime("%m-%d %H:%M") for k in ticks], fontsize=8
    )
    ax.set_xlim(first - 1, last + 2)
    lo, hi = win["low"].min(), win["high"].max()
    pad = (hi - lo) * 0.05
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_title(title)
    ax.grid(alpha=0.2)
    legend = [
        Rectangle((0, 0), 1, 1, color="#1e88e5", alpha=0.3, label="bullish OB"),
        Rectangle((0, 0), 1, 1, color="#fb8c00", alpha=0.3, label="bearish OB"),
        Rectangle((0, 0), 1, 1, color="#7e57c2", alpha=0.2, label="bullish FVG"),
        Rectangle((0, 0), 1, 1, color="#ec407a", alpha=0.2, label="bearish FVG"),
        plt.Line2D([], [], color="#616161", label="liquidity (— EQ, -- day, -. week, : session; x sweep, > run)"),
        plt.Line2D([], [], color="#2e7d32", label="bullish BOS/CHoCH (dashed: internal)"),
        plt.Line2D([], [], color="#c62828", label="bearish BOS/CHoCH"),
        plt.Line2D([], [], color="#2e7d32", marker="v", ls="", label="swing pivot high / low"),
    ]
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
