"""`passivbot_rust.run_backtest` argument checking: bad arrays and params give clear errors."""

from __future__ import annotations

import numpy as np
import passivbot_rust as pbr
import pytest

BOT = {
    "long": {
        "close_grid_markup_end": 0.01, "close_grid_markup_start": 0.01, "close_grid_qty_pct": 1.0,
        "close_trailing_grid_ratio": 0.0, "close_trailing_qty_pct": 1.0, "close_trailing_retracement_pct": 0.0,
        "close_trailing_threshold_pct": 0.0, "ema_span_0": 1.0, "ema_span_1": 1.0,
        "entry_grid_double_down_factor": 1.0, "entry_grid_spacing_pct": 0.02,
        "entry_grid_spacing_volatility_weight": 0.0, "entry_grid_spacing_we_weight": 0.0,
        "entry_initial_ema_dist": 0.0, "entry_initial_qty_pct": 0.1, "entry_trailing_double_down_factor": 1.0,
        "entry_trailing_grid_ratio": 0.0, "entry_trailing_retracement_pct": 0.0,
        "entry_trailing_retracement_volatility_weight": 0.0, "entry_trailing_retracement_we_weight": 0.0,
        "entry_trailing_threshold_pct": 0.0, "entry_trailing_threshold_volatility_weight": 0.0,
        "entry_trailing_threshold_we_weight": 0.0, "entry_volatility_ema_span_hours": 0.0,
        "filter_volatility_drop_pct": 0.0, "filter_volatility_ema_span": 10.0, "filter_volume_drop_pct": 0.0,
        "filter_volume_ema_span": 10.0, "n_positions": 1, "risk_twel_enforcer_threshold": 1.0,
        "risk_we_excess_allowance_pct": 0.0, "risk_wel_enforcer_threshold": 1.0, "total_wallet_exposure_limit": 1.0,
        "unstuck_close_pct": 0.0, "unstuck_ema_dist": 0.0, "unstuck_loss_allowance_pct": 0.0, "unstuck_threshold": 0.0,
    }
}  # fmt: skip
BOT["short"] = dict(BOT["long"], n_positions=0, total_wallet_exposure_limit=0.0)
EX = {"qty_step": 0.001, "price_step": 0.01, "min_qty": 0.001, "min_cost": 1.0, "c_mult": 1.0}


def params(n: int) -> dict:
    return {
        "starting_balance": 1000.0, "maker_fee": 0.0002, "coins": ["BTC"], "first_timestamp_ms": 0,
        "first_valid_indices": [0], "last_valid_indices": [n - 1], "warmup_minutes": [0], "global_warmup_bars": 1,
    }  # fmt: skip


def flat(n: int) -> np.ndarray:
    a = np.empty((n, 1, 4))
    a[:] = [101.0, 99.0, 100.0, 1.0]
    return a


def test_small_flat_run_works() -> None:
    fills, equities, usd, btc = pbr.run_backtest(flat(50), np.full(50, 1.0), [BOT], [EX], params(50))
    assert equities.shape[1] == 4 and len(equities) > 0
    assert fills.shape[1] == 18
    assert set(usd) == set(btc) and "adg" in usd


@pytest.mark.parametrize(
    ("hlcvs", "message"),
    [
        (np.zeros((50, 1, 3)), r"shape \(minutes, coins, 4\)"),
        (np.asfortranarray(flat(50)), "C-contiguous"),
    ],
)
def test_wrong_array_shape_or_layout(hlcvs: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pbr.run_backtest(hlcvs, np.full(50, 1.0), [BOT], [EX], params(50))


def test_btc_series_length_must_match() -> None:
    with pytest.raises(ValueError, match="btc_usd has 49 values"):
        pbr.run_backtest(flat(50), np.full(49, 1.0), [BOT], [EX], params(50))


def test_nan_candle_inside_the_range_is_named() -> None:
    a = flat(50)
    a[7, 0, 2] = np.nan
    with pytest.raises(ValueError, match=r"BTC at 1970-01-01T00:07Z \(minute 7\): non-finite value"):
        pbr.run_backtest(a, np.full(50, 1.0), [BOT], [EX], params(50))


def test_missing_bot_key_and_unknown_param_are_named() -> None:
    bot = {"long": dict(BOT["long"]), "short": BOT["short"]}
    del bot["long"]["ema_span_0"]
    with pytest.raises(ValueError, match=r"bot_params\[0\]\.long is missing required key 'ema_span_0'"):
        pbr.run_backtest(flat(50), np.full(50, 1.0), [bot], [EX], params(50))
    with pytest.raises(ValueError, match="unknown field `starting_balanse`"):
        pbr.run_backtest(flat(50), np.full(50, 1.0), [BOT], [EX], dict(params(50), starting_balanse=5))


def test_bundle_holds_the_arrays_and_runs_the_same_backtest() -> None:
    hlcvs, btc = flat(50), np.full(50, 1.0)
    ts = np.arange(50, dtype=np.int64) * 60_000
    meta = {"coins": [{"symbol": "BTC/USDT:USDT", "coin": "BTC"}], "requested_start_timestamp_ms": 0}
    bundle = pbr.HlcvsBundle(hlcvs, btc, ts, meta)
    assert bundle.coins_len() == 1 and bundle.hlcvs.shape == (50, 1, 4)
    assert bundle.coin_meta("BTC")["symbol"] == "BTC/USDT:USDT" and bundle.coin_meta("ETH") is None
    direct = pbr.run_backtest(hlcvs, btc, [BOT], [EX], params(50))
    via_bundle = pbr.run_backtest_bundle(bundle, [BOT], [EX], params(50))
    assert np.array_equal(direct[1], via_bundle[1]) and direct[2] == via_bundle[2]


def test_bundle_rejects_mismatched_arrays() -> None:
    with pytest.raises(ValueError, match="timestamps has 49 values"):
        pbr.HlcvsBundle(flat(50), np.full(50, 1.0), np.arange(49, dtype=np.int64), {})
    with pytest.raises(ValueError, match=r"meta\['coins'\] lists 2 coins"):
        pbr.HlcvsBundle(flat(50), np.full(50, 1.0), np.arange(50, dtype=np.int64), {"coins": [{}, {}]})
