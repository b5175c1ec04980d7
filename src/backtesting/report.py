"""The backtest report: ONE self-contained `report.html` (charts embedded as base64 data URIs,
inline CSS, no script, no external URL), readable offline and easy to send around.

Layout: header (exchange, coins, period, balances, config), key metrics grouped (returns, risk,
positions; every metric in a collapsible table), the charts (overview, then one per coin), the
per-coin table. Every string from the run goes through `html.escape`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from backtesting.plots import COIN_KEY_PREFIX, PLOT_TITLES
from backtesting.report_data import (
    KEY_METRICS,
    NON_FINITE_TEXT,
    NON_FINITE_TOOLTIP,
    MetricValue,
    RunFacts,
    coin_table,
    format_metric,
    format_money,
    format_time,
    lookup,
    metric_group,
    metric_info,
    run_facts,
    split_denomination,
)
from backtesting.result import BacktestResult

REPORT_NAME = "report.html"
# Open the per-coin charts by default only while the page stays short.
OPEN_COIN_CHARTS_MAX = 8
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def write_report(result: BacktestResult, out_dir: Path, plots: dict[str, Path]) -> Path:
    """Write `out_dir/report.html` and return its path. `plots` maps chart keys (see
    `plots.PLOT_TITLES`, per coin `coin:<COIN>`) to image files, shown in the given order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    path.write_text(render_report(result, plots), encoding="utf-8")
    return path


def render_report(result: BacktestResult, plots: dict[str, Path]) -> str:
    facts = run_facts(result)
    table = coin_table(result)
    anchors = {coin: f"coin-{i}" for i, coin in enumerate(table.index)}
    title = f"Backtest {result.exchange} · {_coins_short(result.coins)} · {format_time(facts.start)} → {format_time(facts.end)}"
    body = "\n".join(
        [
            _header(result, facts),
            _metrics_section(result.analysis),
            _charts_section(plots, table, anchors),
            _coin_section(table, anchors, plots),
            _footer(),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _footer() -> str:
    now = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    return f"<footer>Generated {esc(now)}. Times are UTC; money in USD unless marked.</footer>"


def _coins_short(coins: list[str], limit: int = 6) -> str:
    shown = ", ".join(coins[:limit])
    return shown + (f" +{len(coins) - limit} more" if len(coins) > limit else "") if coins else "no coins"


# ---- header ----------------------------------------------------------------------------------


def _header(result: BacktestResult, facts: RunFacts) -> str:
    change = facts.balance_change
    change_html = (
        f' <span class="{"pos" if change >= 0 else "neg"}">({change * 100:+.2f} %)</span>' if change is not None else ""
    )
    btc = f" · {facts.final_btc_equity:.6g} BTC" if facts.final_btc_equity is not None else ""
    config_path = result.config.get("_source_path") if isinstance(result.config, dict) else None
    rows = [
        ("Exchange", esc(result.exchange)),
        (f"Coins ({len(result.coins)})", esc(", ".join(result.coins)) or "none"),
        ("Period", f"{esc(format_time(facts.start))} → {esc(format_time(facts.end))} UTC ({facts.days:.1f} days)"),
        ("Starting balance", f"{esc(format_money(facts.starting_balance))} USD"),
        ("Final balance", f"{esc(format_money(facts.final_balance))} USD{change_html}"),
        ("Final equity", f"{esc(format_money(facts.final_equity))} USD{esc(btc)}"),
        ("Fills", f"{facts.n_fills:,}"),
        ("First trade", esc(format_time(result.first_trade_time)) if result.first_trade_time is not None else "none"),
        ("Config", f'<span title="{esc(config_path)}">{esc(facts.config_name)}</span>' if facts.config_name else "n/a"),
    ]
    facts_html = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in rows)
    notes = "".join(f"<li>{esc(n)}</li>" for n in result.notes)
    notes_html = f'<ul class="notes">{notes}</ul>' if notes else ""
    return f'<header>\n<h1>Backtest report</h1>\n<dl class="facts">{facts_html}</dl>\n{notes_html}\n</header>'


# ---- metrics ---------------------------------------------------------------------------------


def _value_cell(mv: MetricValue, unit: str, colspan: int = 1) -> str:
    span = f' colspan="{colspan}"' if colspan > 1 else ""
    if not mv.present:
        return f'<td class="num na"{span} title="not in the analysis">—</td>'
    if mv.value is None:
        return f'<td class="num nonfinite"{span} title="{esc(NON_FINITE_TOOLTIP)}">{esc(NON_FINITE_TEXT)}</td>'
    return f'<td class="num"{span} title="{esc(repr(mv.value))}">{esc(format_metric(mv.value, unit))}</td>'


def _metric_row(analysis: dict[str, float | None], base: str) -> str:
    """Label, then the USD and BTC values, or one value across both for a shared metric."""
    info = metric_info(base)
    label = f'<th scope="row" title="{esc(info.help)} [{esc(base)}]">{esc(info.label)}</th>'
    usd, btc = (f"{base}_usd" in analysis), (f"{base}_btc" in analysis)
    if usd or btc:
        cells = _value_cell(lookup(analysis, base, "usd") if usd else MetricValue(False, None), info.unit)
        cells += _value_cell(lookup(analysis, base, "btc") if btc else MetricValue(False, None), info.unit)
    else:
        cells = _value_cell(lookup(analysis, base), info.unit, colspan=2)
    return f"<tr>{label}{cells}</tr>"


def _metric_table(analysis: dict[str, float | None], bases: Iterable[str], caption: str) -> str:
    rows = "".join(_metric_row(analysis, b) for b in bases)
    return (
        f'<table class="metrics"><caption>{esc(caption)}</caption>'
        '<thead><tr><th></th><th class="num">USD</th><th class="num">BTC</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _bases(analysis: dict[str, float | None]) -> list[str]:
    """Metric base names in first-seen order (`adg_usd` and `adg_btc` → `adg`)."""
    return list(dict.fromkeys(split_denomination(k)[0] for k in analysis))


def _metrics_section(analysis: dict[str, float | None]) -> str:
    analysis = analysis or {}
    present = set(_bases(analysis))
    key_tables = "".join(
        _metric_table(analysis, [b for b in bases if b in present], group)
        for group, bases in KEY_METRICS.items()
        if any(b in present for b in bases)
    )
    grouped: dict[str, list[str]] = {}
    for base in sorted(present):
        grouped.setdefault(metric_group(base), []).append(base)
    full = "".join(
        _metric_table(analysis, grouped[g], g) for g in ("Returns", "Risk", "Positions", "Other") if g in grouped
    )
    if not analysis:
        return '<section id="metrics"><h2>Key metrics</h2><p class="muted">No metrics in this result.</p></section>'
    return (
        '<section id="metrics"><h2>Key metrics</h2>'
        f'<div class="groups">{key_tables}</div>'
        f'<p class="muted">Hover a name for its definition and a value for its raw number. '
        f'<span class="nonfinite">{esc(NON_FINITE_TEXT)}</span>: the value was non-finite (inf or NaN).</p>'
        f'<details><summary>All metrics ({len(analysis)} values)</summary><div class="groups">{full}</div></details>'
        "</section>"
    )


# ---- charts ----------------------------------------------------------------------------------


def _data_uri(path: Path) -> str | None:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    mime = _MIME.get(Path(path).suffix.lower(), "image/png")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _figure(path: Path, caption: str) -> str:
    uri = _data_uri(path)
    if uri is None:
        return f'<p class="missing">Chart “{esc(caption)}” could not be read from {esc(path)}.</p>'
    return f'<figure><img src="{uri}" alt="{esc(caption)}"><figcaption>{esc(caption)}</figcaption></figure>'


def _charts_section(plots: dict[str, Path], table: pd.DataFrame, anchors: dict[str, str]) -> str:
    overview = [_figure(p, PLOT_TITLES.get(k, k)) for k, p in plots.items() if not k.startswith(COIN_KEY_PREFIX)]
    coin_keys = [k for k in plots if k.startswith(COIN_KEY_PREFIX)]
    opened = " open" if len(coin_keys) <= OPEN_COIN_CHARTS_MAX else ""
    per_coin = []
    for key in coin_keys:
        coin = key[len(COIN_KEY_PREFIX) :]
        anchor = f' id="{esc(anchors[coin])}"' if coin in anchors else ""
        summary = esc(coin)
        if coin in table.index:
            row = table.loc[coin]
            summary += f' <span class="muted">— {int(row["fills"]):,} fills, net PnL {esc(format_money(float(row["net_pnl"]), signed=True))}</span>'
        per_coin.append(
            f"<details{anchor}{opened}><summary>{summary}</summary>{_figure(plots[key], f'{coin}: price, fills and position')}</details>"
        )
    if not plots:
        return '<section id="charts"><h2>Charts</h2><p class="muted">No charts.</p></section>'
    coin_html = f'<h3>Per coin</h3><p class="muted">{_LEGEND_HELP}</p>{"".join(per_coin)}' if per_coin else ""
    return f'<section id="charts"><h2>Charts</h2>{"".join(overview)}{coin_html}</section>'


_LEGEND_HELP = (
    "▲ buy, ▼ sell; blue = entry, orange = close; hollow = trailing, black edge = initial entry; "
    "✕ unstuck, ★ panic, ◆ auto-reduce. Dashed: average entry price while a position is open."
)


# ---- per coin table --------------------------------------------------------------------------


def _money_cell(value: float, signed: bool = False) -> str:
    cls = " pos" if signed and value > 0 else " neg" if signed and value < 0 else ""
    return f'<td class="num{cls}">{esc(format_money(value, signed=signed))}</td>'


def _coin_section(table: pd.DataFrame, anchors: dict[str, str], plots: dict[str, Path]) -> str:
    if not len(table):
        return '<section id="coins"><h2>Per coin</h2><p class="muted">No coins.</p></section>'
    head = (
        "Coin",
        "Fills",
        "Entries",
        "Closes",
        "Realised PnL",
        "Fees",
        "Net PnL",
        "Volume",
        "Max WE long",
        "Max WE short",
    )
    rows = []
    for coin, r in table.sort_values("net_pnl", ascending=False).iterrows():
        name = esc(coin)
        if f"{COIN_KEY_PREFIX}{coin}" in plots:
            name = f'<a href="#{esc(anchors[coin])}">{name}</a>'
        rows.append(
            f'<tr><th scope="row">{name}</th>'
            f'<td class="num">{int(r["fills"]):,}</td><td class="num">{int(r["entries"]):,}</td><td class="num">{int(r["closes"]):,}</td>'
            f"{_money_cell(r['pnl'], True)}{_money_cell(r['fees'], True)}{_money_cell(r['net_pnl'], True)}{_money_cell(r['volume'])}"
            f'<td class="num">{r["max_we_long"]:.3g}</td><td class="num">{r["max_we_short"]:.3g}</td></tr>'
        )
    t = table.sum(numeric_only=True)
    total = (
        f'<tr class="total"><th scope="row">Total</th><td class="num">{int(t["fills"]):,}</td><td class="num">{int(t["entries"]):,}</td>'
        f'<td class="num">{int(t["closes"]):,}</td>{_money_cell(t["pnl"], True)}{_money_cell(t["fees"], True)}'
        f"{_money_cell(t['net_pnl'], True)}{_money_cell(t['volume'])}<td></td><td></td></tr>"
    )
    header = "".join(f'<th class="num">{esc(h)}</th>' if i else f"<th>{esc(h)}</th>" for i, h in enumerate(head))
    return (
        '<section id="coins"><h2>Per coin</h2>'
        '<p class="muted">PnL and fees in USD (fees negative = paid); net PnL = realised PnL + fees. '
        "Max WE: largest wallet exposure (position cost / balance) held on the side.</p>"
        f'<table class="coins"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody><tfoot>{total}</tfoot></table></section>'
    )


_CSS = """
:root { --fg:#1d232a; --muted:#6b7280; --line:#e3e6ea; --pos:#1e7b47; --neg:#b42318; --bg:#fff; --alt:#f7f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 1.2rem 1.5rem 3rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 0 0 .6rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: .4rem 1.2rem; margin: 0; }
.facts div { background: var(--alt); border-radius: 6px; padding: .35rem .6rem; }
.facts dt { font-size: .75rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.notes { background: #fff8e6; border-left: 3px solid #e0a800; padding: .5rem 1rem .5rem 2rem; margin: .8rem 0 0; }
.groups { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: flex-start; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 700; padding: .2rem 0; }
th, td { padding: .22rem .6rem; border-bottom: 1px solid var(--line); text-align: left; }
th[scope=row] { font-weight: 500; }
thead th { font-size: .78rem; color: var(--muted); font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.metrics th[title] { cursor: help; }
.nonfinite { color: var(--muted); font-style: italic; cursor: help; }
.na { color: var(--muted); }
.pos { color: var(--pos); } .neg { color: var(--neg); }
.muted { color: var(--muted); font-size: .85rem; }
tbody tr:nth-child(even) { background: var(--alt); }
tfoot tr { font-weight: 700; border-top: 2px solid var(--line); }
figure { margin: 1rem 0 1.5rem; } figure img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: .85rem; }
details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; padding: .2rem 0; }
.missing { color: var(--neg); }
footer { margin-top: 3rem; color: var(--muted); font-size: .8rem; }
a { color: #1f4e79; }
"""
