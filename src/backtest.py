"""Backtest a config on historical 1m candles.

    python src/backtest.py [config.json|.hjson] [--data FOLDER] [--bot.long.n_positions 5] ...

Without a config the template (`configs/template.json`) is used. Candles come from, in order: a
freqtrade data folder (`--data` or `backtest.ohlcv_source_dir`); else the candle cache
(`--cache-dir`, default `caches/`) when it holds candles for the approved coins, or with `--fetch`
(download what is missing from the exchange's archive and API first); else the bundled sample
(6 Binance USDⓈ-M coins, May–June 2025). Results go to `backtests/<exchange>/<timestamp>/`: analysis.json, config.json, fills,
balance and equity, plots and a single-file report.html.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import logging_setup
from backtesting import plots, report
from backtesting.data import BUNDLED_SAMPLE, DataError, Dataset, load_from_cache, load_from_folder, slice_dataset, utc
from backtesting.markets import MarketError, markets_for
from backtesting.output import fills_by_side_ratios, run_directory, write_outputs
from backtesting.prepare import build_run_args
from backtesting.progress import Progress
from backtesting.result import (
    BacktestResult,
    equity_frame,
    expand_analysis,
    fills_frame,
    prices_frame,
)
from backtesting.suite import build_scenarios, summarize
from backtesting.summary import format_summary
from candles.errors import LockTimeout
from config import (
    ConfigError,
    bot_params_for_coin,
    load,
    warmup_minutes,
    warmup_minutes_for_coin,
)
from config.cli import add_config_arguments, apply_cli_overrides, str2bool

log = logging.getLogger("backtest")
REPO_ROOT = Path(__file__).resolve().parents[1]
DAY_MS = 86_400_000
EXCHANGE_MARKETS = {"binance": "binance-usdm", "binanceusdm": "binance-usdm"}

BACKTEST_SECTIONS = (
    "bot",
    "backtest",
    "live.approved_coins",
    "live.ignored_coins",
    "live.empty_means_all_approved",
    "live.hedge_mode",
    "live.max_warmup_minutes",
    "live.minimum_coin_age_days",
    "live.warmup_ratio",
    "smc",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="backtest.py",
        # One line: errors print the usage, and the full list of config flags is ~30 lines.
        usage="%(prog)s [config_path] [--data DIR] [--suite] [--<section>.<key> VALUE ...] (all flags: --help)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config_path", nargs="?", default=None, help="config file (JSON or HJSON); default: template")
    parser.add_argument("--data", type=Path, default=None, help="freqtrade-format data folder of 1m candles")
    parser.add_argument("--markets", type=Path, default=None, help="market specs JSON (tick/step sizes, fees)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="candle cache folder (default: caches/)")
    parser.add_argument(
        "--fetch", action="store_true", help="download missing candles into the cache (exchange archive, then API)"
    )
    parser.add_argument("-dp", "--disable_plotting", action="store_true", help="skip plots and the HTML report")
    parser.add_argument("--log-level", default=None, help="warning|info|debug|trace or 0-3 (default info)")
    parser.add_argument(
        "--suite",
        nargs="?",
        const="y",
        default=None,
        type=str2bool,
        help="run backtest.suite's scenarios (y/n; omit to use backtest.suite.enabled)",
    )
    parser.add_argument("--suite-config", default=None, help="take backtest.suite from this config file")
    add_config_arguments(parser, BACKTEST_SECTIONS)
    return parser.parse_args(argv)


def date_ms(text: str) -> int:
    return int(datetime.strptime(str(text)[:10], "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)


def selected_coins(config: dict, available: list[str]) -> list[str]:
    approved, ignored = config["live"]["approved_coins"], config["live"]["ignored_coins"]
    enabled = [
        side
        for side in ("long", "short")
        if config["bot"][side]["total_wallet_exposure_limit"] > 0 and config["bot"][side]["n_positions"] > 0
    ]
    coins: set[str] = set()
    for side in enabled or ["long", "short"]:
        side_coins = set(approved[side]) or (set(available) if config["live"]["empty_means_all_approved"] else set())
        coins |= side_coins - set(ignored[side])
    return sorted(coins)


def run(args: argparse.Namespace) -> Path:
    config = apply_cli_overrides(load(args.config_path), args)
    if args.suite_config:
        other = load(args.suite_config)
        config["backtest"]["suite"] = {**config["backtest"]["suite"], **other["backtest"]["suite"]}
    suite_on = args.suite if args.suite is not None else config["backtest"]["suite"]["enabled"]
    return run_suite(args, config) if suite_on else run_single(args, config)


def backtest_window(config: dict) -> tuple[int, int, int]:
    """(requested start, end, warm-up minutes) of a config's backtest."""
    bt = config["backtest"]
    start_ms = date_ms(bt["start_date"])
    end_ms = date_ms(bt["end_date"]) + DAY_MS - 60_000
    if end_ms <= start_ms:
        raise ConfigError([f"backtest.end_date {bt['end_date']} must be after backtest.start_date {bt['start_date']}"])
    return start_ms, end_ms, warmup_minutes(config, include_bounds=True)


def exchange_of(config: dict) -> str:
    exchanges = config["backtest"]["exchanges"]
    return exchanges[0] if exchanges else "binance"


def base_dir(config: dict) -> Path:
    path = Path(config["backtest"]["base_dir"])
    return path if path.is_absolute() else REPO_ROOT / path


def describe_dataset(dataset: Dataset, folder: Path, start_ms: int, end_ms: int, warmup: int, config: dict) -> None:
    data_start, data_end = int(dataset.timestamps[0]), int(dataset.timestamps[-1])
    if start_ms - warmup * 60_000 < data_start:
        log.warning(
            "[data] requested %s (incl. %d warm-up minutes) but data starts %s",
            utc(start_ms - warmup * 60_000),
            warmup,
            utc(data_start),
        )
    if end_ms > data_end:
        log.info("[data] data ends %s (requested end %s)", utc(data_end), config["backtest"]["end_date"])
    if config["live"]["minimum_coin_age_days"] > 0:
        log.info("[data] live.minimum_coin_age_days not applied: listing dates are unknown for %s", folder)
    log.info(
        "[data] %d coins %s, %s → %s, %d minutes",
        len(dataset.coins),
        ",".join(dataset.coins),
        utc(data_start),
        utc(data_end),
        len(dataset.timestamps),
    )


def simulate(
    config: dict, dataset: Dataset, exchange: str, start_ms: int, warmup: int, markets_path: Path | None
) -> BacktestResult:
    """Run one config on a dataset: market specs and fees, the Rust engine, the expanded metrics."""
    bt = config["backtest"]
    markets = markets_for(EXCHANGE_MARKETS.get(exchange, exchange), dataset.coins, markets_path)
    first = markets[dataset.coins[0]]
    maker_fee = bt["maker_fee_override"] if bt["maker_fee_override"] is not None else first.maker_fee
    taker_fee = bt["taker_fee_override"] if bt["taker_fee_override"] is not None else first.taker_fee
    run_args = build_run_args(
        dataset,
        [bot_params_for_coin(config, c) for c in dataset.coins],
        markets,
        starting_balance=bt["starting_balance"],
        maker_fee=maker_fee,
        taker_fee=taker_fee,
        requested_start_ms=start_ms,
        global_warmup_minutes=warmup,
        per_coin_warmup_minutes=[warmup_minutes_for_coin(config, c) for c in dataset.coins],
        btc_collateral_cap=bt["btc_collateral_cap"],
        btc_collateral_ltv_cap=bt["btc_collateral_ltv_cap"],
        filter_by_min_effective_cost=bool(bt["filter_by_min_effective_cost"]),
        hedge_mode=config["live"]["hedge_mode"],
        compat_v7=bt["compat_v7"],
    )

    smc = config["smc"]
    if smc["enabled"]:
        run_args.backtest_params["smc"] = {k: smc[k] for k in ("timeframe_minutes", "gate", "engine")}

    import passivbot_rust as pbr

    t0 = time.monotonic()
    fills, equities, analysis_usd, analysis_btc = pbr.run_backtest(
        dataset.hlcvs,
        dataset.btc_usd,
        run_args.bot_params,
        run_args.exchange_params,
        run_args.backtest_params,
        progress=Progress("backtest", units_per_step=len(dataset.coins)),
    )
    elapsed = time.monotonic() - t0
    coin_minutes = len(dataset.timestamps) * len(dataset.coins)
    log.info("[backtest] %d fills in %.2fs (%.2fM coin-minutes/s)", len(fills), elapsed, coin_minutes / elapsed / 1e6)

    fills_df = fills_frame(fills)
    analysis = expand_analysis(
        analysis_usd,
        analysis_btc,
        config["bot"]["long"]["total_wallet_exposure_limit"],
        config["bot"]["short"]["total_wallet_exposure_limit"],
        fills_by_side_ratios(fills_df),
    )
    return BacktestResult(
        config=config,
        exchange=exchange,
        coins=dataset.coins,
        fills=fills_df,
        equity=equity_frame(equities),
        prices=prices_frame(dataset),
        analysis=analysis,
    )


def run_single(args: argparse.Namespace, config: dict) -> Path:
    start_ms, end_ms, warmup = backtest_window(config)
    exchange = exchange_of(config)
    dataset, folder = load_candles(args, config, exchange, start_ms - warmup * 60_000, end_ms)
    describe_dataset(dataset, folder, start_ms, end_ms, warmup, config)
    result = simulate(config, dataset, exchange, start_ms, warmup, args.markets)
    out_dir = run_directory(base_dir(config), exchange)
    write_outputs(result, out_dir, config["backtest"]["balance_sample_divider"])
    if not args.disable_plotting:
        write_visuals(result, out_dir)
    print(format_summary(result))
    print(f"outputs: {out_dir}")
    return out_dir


def run_suite(args: argparse.Namespace, config: dict) -> Path:
    """Every scenario on one dataset covering all of them; `suite_summary.json` aggregates."""
    scenarios = build_scenarios(config)
    windows = {label: backtest_window(cfg) for label, cfg in scenarios}
    union = copy.deepcopy(config)
    union["live"]["approved_coins"] = {
        side: sorted({c for _, cfg in scenarios for c in cfg["live"]["approved_coins"][side]})
        for side in ("long", "short")
    }
    union["live"]["ignored_coins"] = {"long": [], "short": []}
    exchange = exchange_of(config)
    start = min(s - w * 60_000 for s, _, w in windows.values())
    end = max(e for _, e, _ in windows.values())
    dataset, folder = load_candles(args, union, exchange, start, end)
    describe_dataset(dataset, folder, start, end, 0, union)
    suite_dir = run_directory(base_dir(config) / "suite_runs", exchange)
    analyses: dict[str, dict] = {}
    runs: dict[str, dict] = {}
    for label, cfg in scenarios:
        s_start, s_end, warmup = windows[label]
        coins = [c for c in selected_coins(cfg, dataset.coins) if c in dataset.coins]
        if not coins:
            raise DataError(f"Scenario {label} has no usable coins.")
        log.info(
            "[suite] scenario %s: %s, %s → %s",
            label,
            ",".join(coins),
            cfg["backtest"]["start_date"],
            cfg["backtest"]["end_date"],
        )
        t0 = time.monotonic()
        result = simulate(
            cfg,
            slice_dataset(dataset, coins, s_start - warmup * 60_000, s_end),
            exchange,
            s_start,
            warmup,
            args.markets,
        )
        out_dir = suite_dir / safe_label(label)
        out_dir.mkdir(parents=True)
        write_outputs(result, out_dir, cfg["backtest"]["balance_sample_divider"])
        if not args.disable_plotting:
            write_visuals(result, out_dir)
        analyses[label] = result.analysis
        runs[label] = {"elapsed_seconds": round(time.monotonic() - t0, 3), "output_path": str(out_dir)}
    summary = summarize(analyses, config["backtest"]["suite"]["aggregate"], runs, suite_dir.name)
    (suite_dir / "suite_summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(format_suite_table(summary))
    print(f"outputs: {suite_dir}")
    return suite_dir


def safe_label(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_=." else "_" for ch in label) or "scenario"


def format_suite_table(summary: dict) -> str:
    keys = [
        "adg_usd",
        "gain_usd",
        "drawdown_worst_usd",
        "sharpe_ratio_usd",
        "loss_profit_ratio",
        "positions_held_per_day",
    ]
    metrics = summary["suite_metrics"]["metrics"]
    labels = summary["suite_metrics"]["scenario_labels"]
    width = max(12, *(len(label) for label in labels))
    lines = [f"{'scenario':{width}s} " + " ".join(f"{k[:18]:>18s}" for k in keys)]
    for label in labels + ["aggregated"]:
        cells = []
        for k in keys:
            m = metrics.get(k)
            v = None if m is None else (m["aggregated"] if label == "aggregated" else m["scenarios"][label])
            cells.append(f"{'n/a':>18s}" if v is None else f"{v:18.6g}")
        lines.append(f"{label:{width}s} " + " ".join(cells))
    return "\n".join(lines)


def load_candles(args: argparse.Namespace, config: dict, exchange: str, start_ms: int, end_ms: int):
    """The dataset and where it came from: the freqtrade folder, else the cache (fetching with
    `--fetch`), else the bundled sample."""
    from backtesting.data import freqtrade_files
    from candles import CandlestickManager, coin_of, exchange_id
    from config.coins import symbol_to_coin

    bt = config["backtest"]
    tolerance = bt["gap_tolerance_ohlcvs_minutes"]
    folder = args.data or bt["ohlcv_source_dir"]
    if not folder:
        cache_dir = Path(args.cache_dir or bt.get("cache_dir") or REPO_ROOT / "caches")
        if args.fetch:
            manager = CandlestickManager.with_sources(exchange_id(exchange), cache_dir)
        else:
            manager = CandlestickManager(exchange_id(exchange), cache_dir)
        # Config coins (PEPE) → cached perpetual symbols (1000PEPE/USDT:USDT).
        cached = {symbol_to_coin(coin_of(s)): s for s in manager.store.symbols() if ":" in s}
        coins = selected_coins(config, sorted(cached))
        in_window = args.fetch or any(
            len(manager.get_candles(cached[c], start_ms, end_ms, strict=True, fetch=False)) for c in coins if c in cached
        )
        if coins and in_window:
            log.info(
                "[data] candle cache %s%s", manager.store.root, " (fetching missing candles)" if args.fetch else ""
            )
            dataset = load_from_cache(
                manager, coins, start_ms, end_ms, tolerance, fetch=args.fetch, symbols=cached
            )
            return dataset, manager.store.root
        folder = BUNDLED_SAMPLE
        log.info("[data] using the bundled sample %s", folder.relative_to(REPO_ROOT))
    folder = Path(folder)
    coins = selected_coins(config, sorted(freqtrade_files(folder)))
    if not coins:
        raise DataError("no coins to backtest: live.approved_coins is empty (set it or live.empty_means_all_approved)")
    return load_from_folder(folder, coins, start_ms, end_ms, tolerance), folder


def write_visuals(result: BacktestResult, out_dir: Path) -> None:
    report.write_report(result, out_dir, plots.plot_all(result, out_dir / "plots"))


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        logging_setup.configure(args.log_level)
        run(args)
    except ConfigError as e:
        for line in str(e).splitlines():
            print(f"config error: {line}", file=sys.stderr)
        return 2
    except (DataError, MarketError, ValueError, LockTimeout) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
