"""A real ccxt `binanceusdm` client wired to the local exchange simulator (or any Binance
USDⓈ-M look-alike at `base_url`): used by the tests and by the live bot's paper mode.

What is changed on the unmodified ccxt client (see `shared/reference/ccxt-binanceusdm.md`):
* every `urls['api']` REST entry points at `base_url` + its original path (`/fapi/v1`, `/sapi/v1`,
  ...), so no call can leave the machine (P1); the linear WebSocket base becomes `ws://…/ws` (P14);
* `fetchCurrencies` off (no sapi calls at load_markets);
* the futures (linear) error map merged into the exact/broad maps (P3): ccxt picks it from the
  `https://fapi.binance.com/` URL prefix, so without this -2022, -2019, -4164 become plain
  ExchangeError and -5022 InvalidOrder instead of OrderNotFillable;
* the rate limiter off by default (P4): it adds ~200 ms per order even on loopback;
* `adjustForTimeDifference` off: requests are signed with wall time, which the simulator accepts
  (its serverTime is the replayed market time).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async


def rewrite_urls(urls: dict, base_url: str) -> dict:
    """Every REST entry → `base_url` + the entry's original path; the linear ws entry →
    `ws://host:port/ws`. Other (nested) ws entries are left as they are."""
    base = base_url.rstrip("/")
    out = dict(urls)
    for name, url in urls.items():
        if isinstance(url, str):
            out[name] = base + urlsplit(url).path
    ws = dict(urls.get("ws") or {})
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    ws["linear"] = f"{scheme}://{parts.netloc}/ws"
    out["ws"] = ws
    return out


def merge_linear_errors(exchange) -> None:
    """ccxt selects Binance's futures error map from the URL prefix; a local URL misses it."""
    linear = exchange.exceptions.get("linear", {})
    for kind in ("exact", "broad"):
        exchange.exceptions[kind] = {**exchange.exceptions.get(kind, {}), **linear.get(kind, {})}


def configure(exchange, base_url: str):
    exchange.urls["api"] = rewrite_urls(exchange.urls["api"], base_url)
    merge_linear_errors(exchange)
    return exchange


def make_binanceusdm_client(
    base_url: str,
    api_key: str,
    secret: str,
    *,
    enable_rate_limit: bool = False,
    timeout_ms: int = 10_000,
    options: dict | None = None,
    pro: bool = False,
):
    """An async ccxt `binanceusdm` (ccxt.pro's with `pro=True`, for watch_* calls) talking to
    `base_url` (e.g. `http://127.0.0.1:8765`). Close it with `await client.close()`."""
    if pro:
        import ccxt.pro as ccxt_pro

        cls = ccxt_pro.binanceusdm
    else:
        cls = ccxt_async.binanceusdm
    client = cls(
        {
            "apiKey": api_key,
            "secret": secret,
            "enableRateLimit": enable_rate_limit,
            "timeout": timeout_ms,
            "options": {
                "fetchCurrencies": False,
                "adjustForTimeDifference": False,
                **(options or {}),
            },
        }
    )
    return configure(client, base_url)
