"""The backtest engine's order memo (`orders/memo.rs`, TWEL gate memos) never changes a result.

The memo hands back an entry/close computed at an earlier minute when everything it read is
bit-identical. `backtest_params.order_memo = False` makes the engine forget every memo before
each minute, so each minute is computed afresh as the live bot computes it. Random configs drawn
from the template's optimizer bounds, on the bundled real candles (6 coins, 45 days), both sides,
compat and fixed mode: fills, equity series and metrics must be identical bit for bit.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import passivbot_rust as pbr
import pytest
from golden_vectors import golden_backtest_inputs

from config import template_config

RUN = "iii_forager6_np3"
# (seed, backtest variant): among seeds 1–24 these trade most on both sides (most random
# configs trade little); each also runs in one-way mode and/or with BTC collateral.
CASES = [
    (10, {}),
    (12, {"hedge_mode": False}),
    (18, {"btc_collateral_cap": 0.7}),
    (19, {"hedge_mode": False, "btc_collateral_cap": 1.0}),
]


@cache
def _data() -> tuple[dict, np.ndarray, np.ndarray]:
    inputs, hlcvs, btc = golden_backtest_inputs(RUN)
    return inputs["run_backtest_args"], hlcvs, btc


def _random_bot_params(seed: int, template_bot: dict) -> dict:
    """Every optimisable parameter uniform within the template's bounds (stepped ones on their
    step); the same for every coin."""
    rng = np.random.default_rng(seed)
    bounds = template_config()["optimize"]["bounds"]
    bot = {side: dict(template_bot[side]) for side in ("long", "short")}
    for key, bound in sorted(bounds.items()):
        side, name = key.split("_", 1)
        if name not in bot[side]:
            continue
        lo, hi = float(bound[0]), float(bound[1])
        value = rng.uniform(lo, hi)
        if len(bound) > 2 and bound[2]:
            value = lo + round((value - lo) / bound[2]) * bound[2]
        bot[side][name] = value
    for side in ("long", "short"):
        bot[side]["n_positions"] = float(rng.integers(1, 7))  # 6 coins
    # The template's bounds keep shorts off (TWEL [0, 0]); here both sides trade.
    bot["short"]["total_wallet_exposure_limit"] = rng.uniform(0.5, 3.0)
    return bot


def _run(bot: dict, variant: dict, compat: bool, memo: bool):
    args, hlcvs, btc = _data()
    params = dict(args["backtest_params"], **variant, compat_v7=compat, order_memo=memo)
    per_coin = [bot] * len(args["bot_params"])
    return pbr.run_backtest(hlcvs, btc, per_coin, args["exchange_params_list"], params)


def _exact(result) -> tuple:
    fills, equities, analysis_usd, analysis_btc = result
    rows = json.dumps([[x.item() if hasattr(x, "item") else x for x in row] for row in fills])
    return (
        rows,
        np.ascontiguousarray(equities, dtype="<f8").tobytes(),
        json.dumps(analysis_usd, sort_keys=True),
        json.dumps(analysis_btc, sort_keys=True),
    )


@pytest.mark.parametrize("compat", [True, False], ids=["compat", "fixed"])
@pytest.mark.parametrize(("seed", "variant"), CASES, ids=[f"seed{s}-{'-'.join(v) or 'hedge'}" for s, v in CASES])
def test_memo_on_and_off_give_identical_backtests(seed: int, variant: dict, compat: bool) -> None:
    args, _, _ = _data()
    bot = _random_bot_params(seed, args["bot_params"][0])
    with_memo = _run(bot, variant, compat, memo=True)
    types = [str(row[13]) for row in with_memo[0]]  # order type column
    n_long = sum(t.endswith("_long") for t in types)
    n_short = sum(t.endswith("_short") for t in types)
    assert n_long > 20 and n_short > 20, f"both sides should trade ({n_long} long, {n_short} short fills)"
    assert _exact(with_memo) == _exact(_run(bot, variant, compat, memo=False))
