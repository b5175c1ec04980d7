"""Request security as Binance checks it: API key header, HMAC-SHA256 signature over the raw
query string concatenated with the raw body (signature parameter removed), and the timestamp
against `recvWindow`.

Freshness: the simulator's serverTime is the replayed market time, while a client that does not
adjust for the time difference (the project's helper does not) signs with wall time. A timestamp
is accepted when it is fresh against either clock; Binance's rule is applied to each: not more
than 1000 ms ahead, not older than recvWindow (default 5000, at most 60000).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from simulator import errors as E
from simulator.errors import err

_SIGNATURE = re.compile(r"(^|&)signature=([^&]*)")


class Credentials:
    def __init__(self, api_key: str, secret: str):
        self.api_key = api_key
        self.secret = secret

    def check_key(self, header_key: str | None) -> None:
        if not header_key:
            raise err(E.API_KEY_FORMAT, 401)
        if not hmac.compare_digest(header_key, self.api_key):
            raise E.invalid_api_key()

    def check_signed(self, header_key: str | None, raw_query: str, raw_body: str, params: dict, clocks: list[int]):
        """Raise the Binance error a real server would give, else return None."""
        self.check_key(header_key)
        if "timestamp" not in params or params.get("timestamp") in ("", None):
            raise E.missing("timestamp")
        sig_match = _SIGNATURE.search(raw_query) or _SIGNATURE.search(raw_body)
        if not sig_match or not sig_match.group(2):
            raise E.missing("signature")
        try:
            ts = int(params["timestamp"])
        except ValueError:
            raise E.bad_param("timestamp") from None
        try:
            recv_window = int(params.get("recvWindow") or 5000)
        except ValueError:
            raise E.bad_param("recvWindow") from None
        if recv_window > 60000 or recv_window <= 0:
            raise err(E.RECV_WINDOW_TOO_BIG)
        payload = _SIGNATURE.sub("", raw_query).lstrip("&") + _SIGNATURE.sub("", raw_body).lstrip("&")
        expected = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig_match.group(2).lower()):
            raise err(E.BAD_SIGNATURE)
        fresh = [c for c in clocks if ts < c + 1000 and c - ts <= recv_window]
        if not fresh:
            if all(ts >= c + 1000 for c in clocks):
                raise err(E.TIMESTAMP_AHEAD)
            raise err(E.TIMESTAMP_OUTSIDE)
