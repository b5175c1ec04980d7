"""Numbers shared by the console summary, the plots and the HTML report: order-type families,
the per-coin table, the run's period and balances, metric lookup and metric formatting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from backtesting.result import BacktestResult

NON_FINITE_TEXT = "∞ / n/a"
NON_FINITE_TOOLTIP = "non-finite in the analysis (inf or NaN): not meaningful for this run"

# Order-type families, as the second word of the type name (`entry_grid_normal_long`).
FAMILIES = ("initial", "grid", "trailing", "unstuck", "panic", "auto_reduce", "other")


@dataclass(frozen=True)
class FillKind:
    action: str  # "entry" | "close"
    side: str  # "long" | "short" | "" (unknown: the caller infers it from the quantity)
    family: str  # one of FAMILIES


def fill_kind(order_type: str) -> FillKind:
    """Classify an order type name; unknown names become family `other` instead of failing,
    so a new order type in the engine still plots."""
    name = str(order_type).lower()
    action = "entry" if name.startswith("entry") else "close"
    side = "long" if name.endswith("_long") else "short" if name.endswith("_short") else ""
    words = name.split("_")
    family = words[1] if len(words) > 1 else "other"
    if family == "auto":
        family = "auto_reduce"
    if family not in FAMILIES:
        family = "other"
    return FillKind(action, side, family)


def classify_fills(fills: pd.DataFrame) -> pd.DataFrame:
    """`action`, `side`, `family` per fill (same index as `fills`). The type column has few
    distinct values, so classify those once and map."""
    if len(fills) == 0:
        return pd.DataFrame(
            {"action": pd.Series(dtype=object), "side": pd.Series(dtype=object), "family": pd.Series(dtype=object)}
        )
    kinds = {t: fill_kind(t) for t in fills["type"].unique()}
    types = fills["type"]
    out = pd.DataFrame(
        {
            "action": types.map(lambda t: kinds[t].action),
            "side": types.map(lambda t: kinds[t].side),
            "family": types.map(lambda t: kinds[t].family),
        },
        index=fills.index,
    )
    unknown = out["side"] == ""
    if unknown.any():
        # a long entry buys and a long close sells
        buys = fills.loc[unknown, "qty"].astype(float) > 0
        is_entry = out.loc[unknown, "action"] == "entry"
        out.loc[unknown, "side"] = np.where(buys == is_entry, "long", "short")
    return out


def all_coins(result: BacktestResult) -> list[str]:
    """The run's coins, then any coin that only appears in the fills (kept, not hidden)."""
    coins = [str(c) for c in result.coins]
    if len(result.fills):
        coins += sorted({str(c) for c in result.fills["coin"].unique()} - set(coins))
    return coins


def coin_table(result: BacktestResult) -> pd.DataFrame:
    """One row per coin: fills, entries, closes, realised PnL, fees (negative = cost), net PnL
    (pnl + fees), traded volume (USD) and the largest wallet exposure held per side."""
    coins = all_coins(result)
    cols = ["fills", "entries", "closes", "pnl", "fees", "net_pnl", "volume", "max_we_long", "max_we_short"]
    table = pd.DataFrame(0.0, index=pd.Index(coins, name="coin"), columns=cols)
    fills = result.fills
    if len(fills):
        kinds = classify_fills(fills)
        df = pd.DataFrame(
            {
                "coin": fills["coin"].astype(str),
                "entry": (kinds["action"] == "entry").astype(int),
                "close": (kinds["action"] == "close").astype(int),
                "pnl": fills["pnl"].astype(float),
                "fees": fills["fee_paid"].astype(float),
                "volume": (fills["qty"].astype(float) * fills["price"].astype(float)).abs(),
                "we_long": fills["wallet_exposure"].astype(float).abs().where(kinds["side"] == "long", 0.0),
                "we_short": fills["wallet_exposure"].astype(float).abs().where(kinds["side"] == "short", 0.0),
            }
        )
        g = df.groupby("coin")
        table["fills"] = g.size().reindex(coins, fill_value=0)
        table["entries"] = g["entry"].sum().reindex(coins, fill_value=0)
        table["closes"] = g["close"].sum().reindex(coins, fill_value=0)
        for col in ("pnl", "fees", "volume"):
            table[col] = g[col].sum().reindex(coins, fill_value=0.0)
        table["max_we_long"] = g["we_long"].max().reindex(coins, fill_value=0.0)
        table["max_we_short"] = g["we_short"].max().reindex(coins, fill_value=0.0)
    table["net_pnl"] = table["pnl"] + table["fees"]
    for col in ("fills", "entries", "closes"):
        table[col] = table[col].astype(int)
    return table


@dataclass(frozen=True)
class RunFacts:
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    days: float
    starting_balance: float | None
    final_balance: float | None
    final_equity: float | None
    final_btc_equity: float | None
    n_fills: int
    config_name: str | None

    @property
    def balance_change(self) -> float | None:
        """Final over starting balance − 1, when both are known and the start is positive."""
        if self.starting_balance and self.final_balance is not None and self.starting_balance > 0:
            return self.final_balance / self.starting_balance - 1.0
        return None


def _last_finite(s: pd.Series) -> float | None:
    s = pd.to_numeric(s, errors="coerce").dropna()
    return float(s.iloc[-1]) if len(s) else None


def run_facts(result: BacktestResult) -> RunFacts:
    eq = result.equity
    index = eq.index if len(eq) else result.prices.index
    start = pd.Timestamp(index[0]) if len(index) else None
    end = pd.Timestamp(index[-1]) if len(index) else None
    days = (end - start).total_seconds() / 86400.0 if start is not None and end is not None else 0.0
    # the balance when the period starts (after warm-up it may differ from the configured starting
    # balance: BTC collateral is re-marked every minute); else the configured one
    starting = None
    if "usd_total_balance" in eq:
        s = pd.to_numeric(eq["usd_total_balance"], errors="coerce").dropna()
        starting = float(s.iloc[0]) if len(s) else None
    if starting is None and isinstance(result.config, dict):
        cfg_start = (result.config.get("backtest") or {}).get("starting_balance")
        starting = float(cfg_start) if isinstance(cfg_start, (int, float)) else None
    final_balance = _last_finite(eq["usd_total_balance"]) if "usd_total_balance" in eq else None
    if final_balance is None and len(result.fills):
        final_balance = _last_finite(result.fills["usd_total_balance"])
    if final_balance is None:
        final_balance = starting
    return RunFacts(
        start=start,
        end=end,
        days=days,
        starting_balance=starting,
        final_balance=final_balance,
        final_equity=_last_finite(eq["usd_total_equity"]) if "usd_total_equity" in eq else None,
        final_btc_equity=_last_finite(eq["btc_total_equity"]) if "btc_total_equity" in eq else None,
        n_fills=len(result.fills),
        config_name=config_name(result.config),
    )


def config_name(config: dict | None) -> str | None:
    """File name of the config the run used (the loader records it as `_source_path`)."""
    if not isinstance(config, dict):
        return None
    path = config.get("_source_path") or config.get("config_path")
    return Path(str(path)).name if path else None


def twel(config: dict | None, side: str) -> float | None:
    """The side's total wallet exposure limit, or None when the side is disabled or unknown."""
    try:
        params = config["bot"][side]  # type: ignore[index]
        limit = float(params["total_wallet_exposure_limit"])
        n_positions = float(params.get("n_positions", 1))
    except (KeyError, TypeError, ValueError):
        return None
    return limit if limit > 0 and n_positions > 0 and math.isfinite(limit) else None


# ---- metrics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricInfo:
    label: str
    unit: str  # "pct" (fraction shown in %), "x" (multiplier), "hours", "ratio"
    help: str


METRICS: dict[str, MetricInfo] = {
    "adg": MetricInfo("ADG", "pct", "average daily gain: geometric mean daily growth of the (smoothed) equity"),
    "adg_w": MetricInfo("ADG weighted", "pct", "ADG weighted towards recent periods"),
    "mdg": MetricInfo("MDG", "pct", "median daily gain of the equity"),
    "mdg_w": MetricInfo("MDG weighted", "pct", "MDG weighted towards recent periods"),
    "gain": MetricInfo("Gain", "x", "last over first daily equity"),
    "adg_pnl": MetricInfo(
        "ADG of realised PnL", "pct", "mean over days with fills of realised PnL (incl. fees) / balance"
    ),
    "mdg_pnl": MetricInfo(
        "MDG of realised PnL", "pct", "median over days with fills of realised PnL (incl. fees) / balance"
    ),
    "drawdown_worst": MetricInfo("Worst drawdown", "pct", "worst peak-to-trough fall of the per-minute equity"),
    "drawdown_worst_mean_1pct": MetricInfo(
        "Drawdown, mean of worst 1 %", "pct", "mean of the 1 % worst drawdowns of the daily-minimum equity"
    ),
    "expected_shortfall_1pct": MetricInfo("Expected shortfall 1 %", "pct", "mean of the 1 % worst daily returns"),
    "sharpe_ratio": MetricInfo("Sharpe ratio", "ratio", "mean / std of daily returns"),
    "sortino_ratio": MetricInfo("Sortino ratio", "ratio", "mean / downside deviation of daily returns"),
    "calmar_ratio": MetricInfo("Calmar ratio", "ratio", "ADG / worst drawdown"),
    "omega_ratio": MetricInfo("Omega ratio", "ratio", "sum of gains / sum of losses of daily returns"),
    "sterling_ratio": MetricInfo("Sterling ratio", "ratio", "ADG / mean of the worst drawdowns"),
    "loss_profit_ratio": MetricInfo(
        "Loss / profit ratio", "ratio", "sum of losing closes / sum of winning closes (lower is better)"
    ),
    "equity_balance_diff_neg_max": MetricInfo(
        "Equity below balance, max", "pct", "largest (balance − equity) / balance: worst unrealised loss"
    ),
    "equity_balance_diff_neg_mean": MetricInfo(
        "Equity below balance, mean", "pct", "mean unrealised loss relative to the balance"
    ),
    "equity_balance_diff_pos_max": MetricInfo(
        "Equity above balance, max", "pct", "largest unrealised gain relative to the balance"
    ),
    "peak_recovery_hours_equity": MetricInfo(
        "Longest equity recovery", "hours", "longest time the equity spent below a previous peak"
    ),
    "peak_recovery_hours_pnl": MetricInfo(
        "Longest PnL recovery", "hours", "longest time the cumulative realised PnL spent below a previous peak"
    ),
    "total_wallet_exposure_max": MetricInfo(
        "Total wallet exposure, max", "ratio", "largest position cost / balance, both sides"
    ),
    "total_wallet_exposure_mean": MetricInfo("Total wallet exposure, mean", "ratio", "mean position cost / balance"),
    "positions_held_per_day": MetricInfo("Positions per day", "ratio", "positions opened and closed per day"),
    "position_held_hours_mean": MetricInfo("Position held, mean", "hours", "mean time from open to full close"),
    "position_held_hours_median": MetricInfo("Position held, median", "hours", "median time from open to full close"),
    "position_held_hours_max": MetricInfo("Position held, max", "hours", "longest time from open to full close"),
    "position_unchanged_hours_max": MetricInfo(
        "Position unchanged, max", "hours", "longest time a position went without a fill"
    ),
    "volume_pct_per_day_avg": MetricInfo(
        "Volume per day", "pct", "traded volume per day with fills, relative to the balance"
    ),
    "entry_initial_balance_pct_long": MetricInfo(
        "Initial entry size, long", "pct", "initial entry cost as a share of the balance"
    ),
    "entry_initial_balance_pct_short": MetricInfo(
        "Initial entry size, short", "pct", "initial entry cost as a share of the balance"
    ),
    "loss_profit_ratio_long": MetricInfo("Loss / profit ratio, long", "ratio", "loss / profit ratio of long closes"),
    "loss_profit_ratio_short": MetricInfo("Loss / profit ratio, short", "ratio", "loss / profit ratio of short closes"),
}

# What a user looks at first, per group (base names; denominated ones show USD and BTC).
KEY_METRICS: dict[str, list[str]] = {
    "Returns": ["adg", "mdg", "gain", "adg_w", "adg_pnl"],
    "Risk": [
        "drawdown_worst",
        "drawdown_worst_mean_1pct",
        "sharpe_ratio",
        "sortino_ratio",
        "calmar_ratio",
        "loss_profit_ratio",
        "equity_balance_diff_neg_max",
        "peak_recovery_hours_equity",
        "total_wallet_exposure_max",
    ],
    "Positions": [
        "positions_held_per_day",
        "position_held_hours_mean",
        "position_held_hours_max",
        "position_unchanged_hours_max",
        "volume_pct_per_day_avg",
    ],
}

_RISK_WORDS = (
    "drawdown",
    "sharpe",
    "sortino",
    "calmar",
    "omega",
    "sterling",
    "shortfall",
    "equity_balance",
    "loss_profit",
    "recovery",
    "exposure",
    "choppiness",
    "jerkiness",
    "fit_error",
)
_POSITION_WORDS = ("position", "volume", "entry_initial")
_RETURN_WORDS = ("adg", "mdg", "gain")


def metric_group(base: str) -> str:
    if "_per_exposure_" in base:  # returns scaled by the TWEL, not an exposure measure
        return "Returns"
    if any(w in base for w in _POSITION_WORDS):
        return "Positions"
    if any(w in base for w in _RISK_WORDS):
        return "Risk"
    if any(w in base for w in _RETURN_WORDS):
        return "Returns"
    return "Other"


def split_denomination(key: str) -> tuple[str, str]:
    """`adg_usd` → (`adg`, `usd`); a shared metric → (`key`, ``)."""
    for suffix in ("usd", "btc"):
        if key.endswith("_" + suffix):
            return key[: -len(suffix) - 1], suffix
    return key, ""


def metric_info(base: str) -> MetricInfo:
    """Known metrics have a label and unit; per-exposure and unknown ones get a readable default."""
    if base in METRICS:
        return METRICS[base]
    for suffix in ("_w",):
        if base.endswith(suffix) and base[: -len(suffix)] in METRICS:
            info = METRICS[base[: -len(suffix)]]
            return MetricInfo(info.label + " weighted", info.unit, info.help + " (weighted towards recent periods)")
    if "_per_exposure_" in base:
        head, side = base.split("_per_exposure_", 1)
        info = metric_info(head)
        return MetricInfo(f"{info.label} per exposure, {side}", info.unit, f"{info.help}, divided by the {side} TWEL")
    unit = "hours" if "hours" in base else "ratio"
    return MetricInfo(base.replace("_", " ").capitalize(), unit, base)


@dataclass(frozen=True)
class MetricValue:
    present: bool  # the key exists in the analysis
    value: float | None  # None = non-finite


def lookup(analysis: dict[str, float | None], base: str, denomination: str = "usd") -> MetricValue:
    """A metric by base name: the denominated key first (`adg_usd`), then the shared key."""
    for key in (f"{base}_{denomination}", base):
        if key in analysis:
            v = analysis[key]
            if v is not None:
                try:
                    v = float(v)
                except (TypeError, ValueError):
                    v = None
                else:
                    v = v if math.isfinite(v) else None
            return MetricValue(True, v)
    return MetricValue(False, None)


def format_metric(value: float | None, unit: str) -> str:
    """Human form of a finite metric; None → the non-finite marker."""
    if value is None:
        return NON_FINITE_TEXT
    if unit == "pct":
        return f"{value * 100:.3g} %" if abs(value) < 0.01 else f"{value * 100:.2f} %"
    if unit == "x":
        return f"{value:.4g}×"
    if unit == "hours":
        return f"{value:.1f} h" if value < 48 else f"{value:.0f} h ({value / 24:.1f} d)"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.3e}"
    return f"{value:.4g}"


def format_money(value: float | None, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def format_time(ts: pd.Timestamp | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M") if ts is not None else "n/a"
