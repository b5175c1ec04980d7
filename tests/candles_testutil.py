"""Helpers for the candle-layer tests: real candles from the bundled sample, Binance-shaped archive
zips, and a local HTTP server (127.0.0.1, started and stopped by the test)."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from candles.freqtrade import read_feather

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample" / "binance-usdm"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "candles"
DAY_MS = 86_400_000
MINUTE_MS = 60_000


def sample_candles(coin: str = "BTC") -> pd.DataFrame:
    """Real Binance USDⓈ-M 1m candles (ts, open, high, low, close, volume) from the bundled sample."""
    return read_feather(SAMPLE / f"{coin}_USDT_USDT-1m-futures.feather", coin)


def ms(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value // 1_000_000)


def kline_csv(df: pd.DataFrame, header: bool) -> bytes:
    """Binance archive CSV: open_time, open, high, low, close, volume, close_time, quote_volume,
    count, taker_buy_volume, taker_buy_quote_volume, ignore (floats written with repr)."""
    lines = []
    if header:
        lines.append(
            "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
            "taker_buy_volume,taker_buy_quote_volume,ignore"
        )
    for ts, o, h, low, c, v in df[["ts", "open", "high", "low", "close", "volume"]].itertuples(index=False):
        lines.append(
            f"{ts},{o!r},{h!r},{low!r},{c!r},{v!r},{ts + MINUTE_MS - 1},{v * c!r},100,{v / 2!r},{v * c / 2!r},0"
        )
    return ("\n".join(lines) + "\n").encode()


def kline_zip(df: pd.DataFrame, csv_name: str, header: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(csv_name, kline_csv(df, header))
    return buf.getvalue()


def checksum_file(data: bytes, name: str) -> bytes:
    return f"{hashlib.sha256(data).hexdigest()}  {name}\n".encode()


Handler = Callable[[str, dict[str, list[str]]], tuple[int, bytes]]


@contextmanager
def serve(handler: Handler | dict[str, bytes]) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 (ephemeral port). `handler(path, query) -> (status, body)`, or a
    dict path → body (other paths 404). Yields (base URL, list of requested paths)."""
    requests: list[str] = []
    if isinstance(handler, dict):
        table = handler

        def handler(path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
            return (200, table[path]) if path in table else (404, b"not found")

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            requests.append(self.path)
            status, body = handler(parts.path, parse_qs(parts.query))
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if body[:1] in (b"{", b"[") else "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def exchange_info(symbols: list[str]) -> bytes:
    """A minimal `/fapi/v1/exchangeInfo` with the fields ccxt reads (USDT perpetuals)."""
    out = []
    for sym in symbols:
        base = sym[: -len("USDT")]
        out.append(
            {
                "symbol": sym,
                "pair": sym,
                "baseAsset": base,
                "quoteAsset": "USDT",
                "marginAsset": "USDT",
                "contractType": "PERPETUAL",
                "status": "TRADING",
                "pricePrecision": 2,
                "quantityPrecision": 3,
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "onboardDate": 1569398400000,
                "deliveryDate": 4133404800000,
                "orderTypes": ["LIMIT", "MARKET"],
                "timeInForce": ["GTC", "GTX"],
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": "0.10", "maxPrice": "4529764", "tickSize": "0.10"},
                    {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"},
                    {"filterType": "MARKET_LOT_SIZE", "minQty": "0.001", "maxQty": "120", "stepSize": "0.001"},
                    {"filterType": "MIN_NOTIONAL", "notional": "100"},
                ],
            }
        )
    return json.dumps({"timezone": "UTC", "serverTime": 0, "symbols": out}).encode()


def klines_body(df: pd.DataFrame, query: dict[str, list[str]]) -> bytes:
    """Binance `/fapi/v1/klines` answer for `startTime`/`endTime`/`limit` (strings, as Binance)."""
    limit = int(query.get("limit", ["500"])[0])
    start = int(query.get("startTime", ["0"])[0])
    end = int(query.get("endTime", [str(2**62)])[0])
    sel = df[(df["ts"] >= start) & (df["ts"] <= end)].head(limit)
    rows = [
        [int(ts), repr(o), repr(h), repr(low), repr(c), repr(v), int(ts) + MINUTE_MS - 1, "0", 1, "0", "0", "0"]
        for ts, o, h, low, c, v in sel[["ts", "open", "high", "low", "close", "volume"]].itertuples(index=False)
    ]
    return json.dumps(rows).encode()
