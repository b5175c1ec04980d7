"""Approved / ignored coins: every accepted form, files, approved minus ignored (spec §2.4)."""

from __future__ import annotations

import logging
import os

import pytest
from config_testutil import NOW, write
from hypothesis import given
from hypothesis import strategies as st

from config import (
    ConfigError,
    load,
    normalize_coins,
    resolve_approved_coins,
    symbol_to_coin,
)

BOTH = {"long": ["BTC", "ETH"], "short": ["BTC", "ETH"]}


@pytest.mark.parametrize(
    "symbol,coin",
    [
        ("BTC", "BTC"),
        ("ETH/USDT:USDT", "ETH"),
        ("BTC/USDC:USDC", "BTC"),
        ("1000PEPE", "PEPE"),
        ("1000PEPE/USDT:USDT", "PEPE"),
        ("1000000MOG", "MOG"),
        ("kPEPE", "PEPE"),
        ("KAVA", "KAVA"),
        ("1INCH", "1INCH"),
        ("BTCUSDT", "BTC"),
        ("btc-usdt", "BTC"),
        ("BTC-USDT-SWAP", "BTC"),
        (" eth ", "ETH"),
    ],
)
def test_symbol_to_coin(symbol, coin):
    assert symbol_to_coin(symbol) == coin


@pytest.mark.parametrize("bad", ["", "  ", "/USDT:USDT", "a b"])
def test_symbol_to_coin_rejects_unusable_names(bad):
    with pytest.raises(ValueError, match="cannot tell which coin"):
        symbol_to_coin(bad)


@given(st.text(min_size=1, max_size=24))
def test_symbol_to_coin_is_idempotent(text):
    try:
        coin = symbol_to_coin(text)
    except ValueError:
        return
    assert symbol_to_coin(coin) == coin


@given(st.from_regex(r"[A-Z][A-Z0-9]{1,8}", fullmatch=True), st.sampled_from(["USDT", "USDC"]))
def test_symbol_to_coin_of_a_ccxt_symbol_is_its_coin(base, quote):
    expected = symbol_to_coin(base)
    assert symbol_to_coin(f"{base}/{quote}:{quote}") == expected


@pytest.mark.parametrize(
    "value",
    [
        ["BTC", "ETH"],
        ["BTC/USDT:USDT", "ETH", "BTC"],
        "BTC,ETH",
        "BTC, ETH/USDT:USDT",
        {"long": ["BTC", "ETH"], "short": "BTC,ETH"},
    ],
)
def test_inline_forms(value):
    assert normalize_coins(value, "live.approved_coins") == BOTH


def test_single_coin_string_and_empty_forms():
    assert normalize_coins("BTC") == {"long": ["BTC"], "short": ["BTC"]}
    assert normalize_coins("") == {"long": [], "short": []}
    assert normalize_coins([]) == {"long": [], "short": []}
    assert normalize_coins({"long": ["SOL"]}) == {"long": ["SOL"], "short": []}


def test_per_side_dict_with_other_keys_is_an_error():
    with pytest.raises(
        ConfigError,
        match=r"live.approved_coins: a per-side object may only have the keys 'long' and 'short', got \['both'\]",
    ):
        normalize_coins({"long": [], "both": []}, "live.approved_coins")


@pytest.mark.parametrize(
    "name,content",
    [
        ("coins.json", '["BTC", "ETH/USDT:USDT"]'),
        ("coins.hjson", '[\n  BTC  \n  "ETH"  # comment\n]'),
        ("coins.txt", "BTC\nETH\n"),
        ("coins2.txt", "BTC ETH, BTC"),
        ("coins3.txt", '"BTC"\n"ETH"\n'),
        ("coins4.txt", "[BTC, ETH]"),
        ("coins5.txt", "['BTC', 'ETH']"),
    ],
)
def test_file_forms(tmp_path, name, content):
    path = write(tmp_path / name, content)
    assert normalize_coins(str(path)) == BOTH
    assert normalize_coins([str(path)]) == BOTH  # one-element list holding a path


def test_file_with_per_side_dict(tmp_path):
    path = write(tmp_path / "sides.json", {"long": ["BTC"], "short": ["ETH/USDT:USDT", "1000PEPE"]})
    assert normalize_coins(str(path)) == {"long": ["BTC"], "short": ["ETH", "PEPE"]}


def test_per_side_file_paths(tmp_path):
    long_file = write(tmp_path / "long.txt", "BTC\nSOL")
    assert normalize_coins({"long": str(long_file), "short": ["ETH"]}) == {"long": ["BTC", "SOL"], "short": ["ETH"]}


def test_file_relative_to_the_config_folder(tmp_path):
    write(tmp_path / "lists" / "mine.txt", "XRP")
    cfg_path = write(tmp_path / "c.json", {"bot": {}, "live": {"approved_coins": "lists/mine.txt"}})
    assert load(cfg_path, now=NOW)["live"]["approved_coins"] == {"long": ["XRP"], "short": ["XRP"]}


def test_missing_coins_file_is_a_clear_error(tmp_path):
    cfg_path = write(tmp_path / "c.json", {"bot": {}, "live": {"approved_coins": "nope/missing.json"}})
    with pytest.raises(ConfigError) as info:
        load(cfg_path, now=NOW)
    (line,) = info.value.problems
    assert line.startswith(f"{cfg_path}: live.approved_coins: coins file not found: nope/missing.json")


def test_legacy_coins_file_name_is_redirected(caplog):
    assert normalize_coins("approved_coins_topmcap.json")["long"][:2] == ["ADA", "AVAX"]
    assert any("legacy name" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_approved_minus_ignored_per_side(tmp_path):
    data = {
        "bot": {},
        "live": {
            "approved_coins": ["BTC", "ETH", "SOL"],
            "ignored_coins": {"long": ["ETH/USDT:USDT"], "short": ["SOL", "DOGE"]},
        },
    }
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    assert cfg["live"]["approved_coins"] == {"long": ["BTC", "SOL"], "short": ["BTC", "ETH"]}
    assert cfg["live"]["ignored_coins"] == {"long": ["ETH"], "short": ["SOL", "DOGE"]}
    assert cfg["_coins_sources"]["approved_coins"] == ["BTC", "ETH", "SOL"]


def test_resolve_approved_coins_rereads_the_file(tmp_path):
    coins_file = write(tmp_path / "coins.txt", "BTC ETH")
    cfg = load(write(tmp_path / "c.json", {"bot": {}, "live": {"approved_coins": "coins.txt"}}), live_only=True)
    assert resolve_approved_coins(cfg)["approved"] == BOTH
    coins_file.write_text("SOL")
    os.utime(coins_file)
    assert resolve_approved_coins(cfg)["approved"] == {"long": ["SOL"], "short": ["SOL"]}


def test_wrong_coin_types_are_errors():
    with pytest.raises(ConfigError, match=r"live.approved_coins: coin names must be strings, got number 5"):
        normalize_coins(["BTC", 5], "live.approved_coins")
    with pytest.raises(ConfigError, match="expected a list of coins"):
        normalize_coins(5, "live.approved_coins")
