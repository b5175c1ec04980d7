"""Binance USDⓈ-M error codes and messages the simulator answers with (Binance's own wording:
ccxt matches some messages exactly, e.g. `No need to change margin type.`)."""

from __future__ import annotations


class BinanceError(Exception):
    """A rejection answered as `{"code": code, "msg": msg}` with HTTP `status`."""

    def __init__(self, code: int, msg: str, status: int = 400):
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg}


def missing(param: str) -> BinanceError:
    return BinanceError(-1102, f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed.")


def bad_param(param: str) -> BinanceError:
    return BinanceError(-1130, f"Data sent for parameter '{param}' is not valid.")


def not_required(param: str) -> BinanceError:
    return BinanceError(-1106, f"Parameter '{param}' sent when not required.")


RATE_LIMIT_MSG = (
    "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. "
    "Please use the websocket for live updates to avoid polling the API."
)

# The rejections used by the simulator, by name.
INVALID_SYMBOL = (-1121, "Invalid symbol.")
INVALID_SYMBOL_STATUS = (-1122, "Invalid symbol status.")
INVALID_SIDE = (-1117, "Invalid side.")
INVALID_TYPE = (-1116, "Invalid orderType.")
INVALID_TIF = (-1115, "Invalid timeInForce.")
INVALID_INTERVAL = (-1120, "Invalid interval.")
PRECISION = (-1111, "Precision is over the maximum defined for this asset.")
QTY_LE_ZERO = (-4003, "Quantity less than or equal to zero.")
QTY_TOO_BIG = (-4005, "Quantity greater than max quantity.")
PRICE_LE_ZERO = (-4001, "Price less than 0.")
PRICE_TICK = (-4014, "Price not increased by tick size.")
DUPLICATE_CLIENT_ID = (-4116, "ClientOrderId is duplicated.")
UNKNOWN_ORDER_CANCEL = (-2011, "Unknown order sent.")
ORDER_NOT_FOUND = (-2013, "Order does not exist.")
REDUCE_ONLY_REJECTED = (-2022, "ReduceOnly Order is rejected.")
MARGIN_INSUFFICIENT = (-2019, "Margin is insufficient.")
POST_ONLY_WOULD_TAKE = (
    -5022,
    (
        "Due to the order could not be executed as maker, the Post Only order will be rejected. "
        "The order will not be recorded in the order history"
    ),
)
POSITION_SIDE_MISMATCH = (-4061, "Order's position side does not match user's setting.")
NO_NEED_MARGIN_TYPE = (-4046, "No need to change margin type.")
MARGIN_TYPE_WITH_POSITION = (-4048, "Margin type cannot be changed if there exists position.")
NO_NEED_POSITION_SIDE = (-4059, "No need to change position side.")
POSITION_SIDE_WITH_ORDERS = (-4067, "Position side cannot be changed if there exists open orders.")
POSITION_SIDE_WITH_POSITION = (-4068, "Position side cannot be changed if there exists position.")
TIMESTAMP_OUTSIDE = (-1021, "Timestamp for this request is outside of the recvWindow.")
TIMESTAMP_AHEAD = (-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
BAD_SIGNATURE = (-1022, "Signature for this request is not valid.")
API_KEY_FORMAT = (-2014, "API-key format invalid.")
INVALID_LISTEN_KEY = (-1125, "This listenKey does not exist.")
RECV_WINDOW_TOO_BIG = (-1131, "recvWindow must be less than 60000")
BATCH_TOO_MANY = (-1130, "Data sent for parameter 'batchOrders' is not valid.")


def err(pair: tuple[int, str], status: int = 400) -> BinanceError:
    return BinanceError(pair[0], pair[1], status)


def invalid_api_key() -> BinanceError:
    return BinanceError(-2015, "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1", 401)


def invalid_leverage(leverage) -> BinanceError:
    return BinanceError(-4028, f"Leverage {leverage} is not valid")


def min_notional(notional: float) -> BinanceError:
    return BinanceError(
        -4164, f"Order's notional must be no smaller than {notional:g} (unless you choose reduce only)."
    )
