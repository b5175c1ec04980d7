"""A local exchange speaking Binance USDⓈ-M's REST API, replaying real 1m candles.

    python src/exchange_simulator.py [--data FOLDER|CACHE_DIR] [--port 8765] [--speed X | --manual-clock]
        [--start 2025-05-10T00:00] [--api-key K --api-secret S] [--balance 10000]

Point the real ccxt client at it with `exchanges.simulated.make_binanceusdm_client(url, key,
secret)`. Admin calls under /_sim/ (advance, state, reset, faults). `--port 0` picks a free
port; the first line printed is `listening on http://127.0.0.1:PORT`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import logging_setup
import simulator
from backtesting.data import BUNDLED_SAMPLE, DataError
from backtesting.markets import MarketError
from simulator.server import parse_time

log = logging.getLogger("exchange_simulator")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=BUNDLED_SAMPLE,
        help="freqtrade data folder or candle cache dir (default: bundled sample)",
    )
    ap.add_argument("--port", type=int, default=8765, help="TCP port on 127.0.0.1 (0 = any free port)")
    clock = ap.add_mutually_exclusive_group()
    clock.add_argument("--speed", type=float, default=1.0, help="replay speed: sim seconds per wall second")
    clock.add_argument("--manual-clock", action="store_true", help="the clock moves only on POST /_sim/advance")
    ap.add_argument("--start", help="start time (ms or ISO date, UTC); default one day after the first candle")
    ap.add_argument("--api-key", default=simulator.DEFAULT_API_KEY)
    ap.add_argument("--api-secret", default=simulator.DEFAULT_API_SECRET)
    ap.add_argument("--balance", type=float, default=10_000.0, help="starting USDT wallet balance")
    ap.add_argument(
        "--markets", type=Path, default=simulator.DEFAULT_MARKETS, help="per-symbol filters and fees (JSON)"
    )
    ap.add_argument("--coins", help="comma-separated coins to serve (default: all in the folder)")
    ap.add_argument(
        "--slippage", type=float, default=0.0005, help="market-order slippage as a fraction (0.0005 = 5 bp)"
    )
    ap.add_argument("--log-level", default="info", help="warning|info|debug|trace")
    return ap.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    from aiohttp import web

    sim = simulator.build(
        data=args.data,
        start_ms=parse_time(args.start) if args.start else None,
        speed=None if args.manual_clock else args.speed,
        balance=args.balance,
        api_key=args.api_key,
        api_secret=args.api_secret,
        markets_file=args.markets,
        coins=[c.strip().upper() for c in args.coins.split(",")] if args.coins else None,
        slippage=args.slippage,
    )
    runner = web.AppRunner(sim.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = runner.addresses[0][1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    state = sim.clock_state()
    log.info(
        "[boot] %d symbols from %s; clock %s at %s; key %s",
        len(sim.engine.data.markets),
        args.data,
        state["mode"] + (f" x{state['speed']:g}" if state["speed"] else ""),
        state["time"],
        args.api_key[:4] + "…",  # enough to tell keys apart, not to use one
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv=None) -> int:
    args = parse_args(argv)
    logging_setup.configure(args.log_level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(args))
    except (DataError, MarketError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
