"""Market specs files (`--markets`, the simulator's markets): malformed entries are refused with
one line naming the file, coin and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backtesting.markets import MARKETS_DIR, MarketError, load_markets, markets_for

GOOD = {
    "symbol": "ADA/USDT:USDT",
    "price_step": 0.0001,
    "qty_step": 1.0,
    "min_qty": 1.0,
    "min_cost": 5.0,
    "c_mult": 1.0,
    "maker_fee": 0.0002,
    "taker_fee": 0.0005,
}


def write(tmp_path: Path, content) -> Path:
    path = tmp_path / "markets.json"
    path.write_text(json.dumps(content))
    return path


def test_the_bundled_binance_file_loads() -> None:
    specs = markets_for("binance-usdm", ["BTC", "ETH"])
    assert specs["BTC"].symbol == "BTC/USDT:USDT" and specs["BTC"].qty_step > 0


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**GOOD, "qty_step": 0}, "ADA.qty_step must be > 0, got 0"),
        ({**GOOD, "price_step": -0.01}, "ADA.price_step must be > 0"),
        ({**GOOD, "c_mult": "1"}, "ADA.c_mult must be a finite number, got '1'"),
        ({**GOOD, "min_cost": -5}, "ADA.min_cost must be >= 0"),
        ({**GOOD, "maker_fee": None}, "ADA.maker_fee must be a finite number, got None"),
        ({**GOOD, "qty_step": True}, "ADA.qty_step must be a finite number, got True"),
        ({k: v for k, v in GOOD.items() if k != "min_qty"}, "entry ADA: "),
        ([1, 2], "ADA must be an object, got list"),
    ],
)
def test_bad_entries_are_refused_naming_file_coin_and_key(tmp_path: Path, entry, message: str) -> None:
    path = write(tmp_path, {"markets": {"ADA": entry}})
    with pytest.raises(MarketError) as err:
        load_markets(path)
    assert message in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("content", [[GOOD], {"ADA": GOOD}, {"markets": [GOOD]}])
def test_a_file_without_a_markets_object_is_refused(tmp_path: Path, content) -> None:
    with pytest.raises(MarketError, match='expected an object {"markets"'):
        load_markets(write(tmp_path, content))


def test_missing_coins_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, {"markets": {"ADA": GOOD}})
    with pytest.raises(MarketError, match="no market specs for XRP"):
        markets_for("x", ["ADA", "XRP"], path)


def test_bundled_files_are_all_valid() -> None:
    for path in MARKETS_DIR.glob("*.json"):
        assert load_markets(path), path
