"""The console summary printed after a backtest: the run in three lines, a dozen key metrics
aligned, realised PnL per coin. The caller appends where the outputs were written."""

from __future__ import annotations

import textwrap

from backtesting.report_data import (
    NON_FINITE_TEXT,
    coin_table,
    format_metric,
    format_money,
    format_time,
    lookup,
    metric_info,
    run_facts,
)
from backtesting.result import BacktestResult

# (base metric, denomination) in display order; shared metrics ignore the denomination.
SUMMARY_METRICS: list[tuple[str, str]] = [
    ("adg", "usd"),
    ("mdg", "usd"),
    ("gain", "usd"),
    ("adg", "btc"),
    ("drawdown_worst", "usd"),
    ("drawdown_worst_mean_1pct", "usd"),
    ("sharpe_ratio", "usd"),
    ("sortino_ratio", "usd"),
    ("calmar_ratio", "usd"),
    ("loss_profit_ratio", "usd"),
    ("equity_balance_diff_neg_max", "usd"),
    ("positions_held_per_day", "usd"),
    ("position_held_hours_mean", "usd"),
    ("position_held_hours_max", "usd"),
    ("total_wallet_exposure_max", "usd"),
]
WIDTH = 100


def format_summary(result: BacktestResult) -> str:
    facts = run_facts(result)
    change = facts.balance_change
    change_text = f" ({change * 100:+.2f} %)" if change is not None else ""
    balances = f"{format_money(facts.starting_balance)} -> {format_money(facts.final_balance)} USD{change_text}"
    lines = [
        _headline(result, facts.config_name),
        f"Period   {format_time(facts.start)} -> {format_time(facts.end)} UTC ({facts.days:.1f} days)",
        f"Balance  {balances}; final equity {format_money(facts.final_equity)} USD",
        f"Fills    {facts.n_fills:,}",
        "",
    ]
    lines += _metric_lines(result.analysis or {})
    lines += ["", *_pnl_lines(result)]
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)


def _headline(result: BacktestResult, config_name: str | None) -> str:
    n = len(result.coins)
    text = f"Backtest {result.exchange}: {n} coin{'s' if n != 1 else ''} ({', '.join(result.coins) or 'none'})"
    return text + (f", config {config_name}" if config_name else "")


def _metric_lines(analysis: dict[str, float | None]) -> list[str]:
    rows = []
    for base, denomination in SUMMARY_METRICS:
        mv = lookup(analysis, base, denomination)
        if not mv.present:
            continue
        info = metric_info(base)
        shared = f"{base}_{denomination}" not in analysis
        label = info.label if shared else f"{info.label} ({denomination.upper()})"
        rows.append((label, format_metric(mv.value, info.unit)))
    if not rows:
        return ["(no metrics)"]
    width = max(len(label) for label, _ in rows)
    out = [f"  {label:<{width}}  {value:>14}" for label, value in rows]
    if any(value == NON_FINITE_TEXT for _, value in rows):
        out.append(f"  ({NON_FINITE_TEXT}: non-finite value)")
    return out


def _pnl_lines(result: BacktestResult) -> list[str]:
    table = coin_table(result).sort_values("net_pnl", ascending=False)
    traded = table[table["fills"] > 0]
    if not len(traded):
        return ["Realised PnL per coin: no fills"]
    # a no-break space keeps each coin with its value when the line wraps
    parts = [f"{coin}\u00a0{format_money(float(v), signed=True)}" for coin, v in traded["net_pnl"].items()]
    total = format_money(float(table["net_pnl"].sum()), signed=True)
    text = f"Realised PnL incl. fees (USD), total {total}: " + ", ".join(parts)
    return [
        line.replace("\u00a0", " ")
        for line in textwrap.wrap(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False)
    ]
