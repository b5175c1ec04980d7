//! Rounding, cost, exposure and PnL helpers with the reference's exact float semantics (§2).
//!
//! Every operation is plain IEEE-754 `f64` in the reference's order (divide, round, multiply,
//! then a 10-decimal cleanup). Reordering terms or using decimal arithmetic changes results by
//! one step at exact-looking boundaries (`round_dn(0.3, 0.1) == 0.2`), which the golden vectors
//! check bit for bit.

use crate::types::{ExchangeParams, Pside};

/// 2^52: every double at or above it in magnitude is an integer.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

/// Integer part, sign of zero kept; same result as `f64::trunc` for every input. Baseline x86-64
/// (SSE2) has no rounding instruction, so `trunc`/`floor`/`ceil`/`round` are out-of-line calls;
/// these inline versions use the truncating integer conversion and are several times faster.
#[inline(always)]
fn trunc_exact(x: f64) -> f64 {
    if x.abs() < TWO_POW_52 {
        ((x as i64) as f64).copysign(x)
    } else {
        x // already integral, ±inf or NaN
    }
}

/// `f64::floor`, bit for bit.
#[inline(always)]
pub fn floor_exact(x: f64) -> f64 {
    let t = trunc_exact(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `f64::ceil`, bit for bit.
#[inline(always)]
pub fn ceil_exact(x: f64) -> f64 {
    let t = trunc_exact(x);
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// `f64::round` (half away from zero), bit for bit. `x − trunc(x)` is exact below 2^52.
#[inline(always)]
pub fn round_half_away(x: f64) -> f64 {
    let t = trunc_exact(x);
    let frac = x - t;
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Removes float noise below 1e-10 (rounding half away from zero).
#[inline]
fn clean(y: f64) -> f64 {
    round_half_away(y * 1e10) / 1e10
}

/// Nearest multiple of `step`, ties away from zero. `step == 0` gives NaN.
#[inline]
pub fn round_(n: f64, step: f64) -> f64 {
    clean(round_half_away(n / step) * step)
}

/// Next multiple of `step` at or above `n`.
#[inline]
pub fn round_up(n: f64, step: f64) -> f64 {
    clean(ceil_exact(n / step) * step)
}

/// Next multiple of `step` at or below `n`.
#[inline]
pub fn round_dn(n: f64, step: f64) -> f64 {
    clean(floor_exact(n / step) * step)
}

fn round_dynamic_with(n: f64, digits: i32, f: fn(f64) -> f64) -> f64 {
    if n == 0.0 {
        return n;
    }
    let shift = digits - n.abs().log10().floor() as i32 - 1;
    let scale = 10f64.powi(shift);
    clean(f(n * scale) / scale)
}

/// Rounds to `digits` significant digits.
pub fn round_dynamic(n: f64, digits: i32) -> f64 {
    round_dynamic_with(n, digits, f64::round)
}

pub fn round_dynamic_up(n: f64, digits: i32) -> f64 {
    round_dynamic_with(n, digits, f64::ceil)
}

pub fn round_dynamic_dn(n: f64, digits: i32) -> f64 {
    round_dynamic_with(n, digits, f64::floor)
}

/// Snap an emitted price or quantity to its step (left as is when the step is not positive or
/// the value is not finite).
#[inline]
pub fn quantize(v: f64, step: f64) -> f64 {
    if step > 0.0 && v.is_finite() {
        round_(v, step)
    } else {
        v
    }
}

/// Relative difference `|x - y| / |y|`: 0 when both are 0, +inf when only `y` is 0.
pub fn calc_diff(x: f64, y: f64) -> f64 {
    if y == 0.0 {
        if x == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        (x - y).abs() / y.abs()
    }
}

#[inline]
pub fn cost_to_qty(cost: f64, price: f64, c_mult: f64) -> f64 {
    if price > 0.0 {
        let qty = cost.abs() / price;
        // `x / 1.0 == x` exactly in IEEE-754 and most contracts have `c_mult == 1`: skipping
        // that division keeps every bit and takes a slow instruction off the entry/close paths.
        if c_mult == 1.0 {
            qty
        } else {
            qty / c_mult
        }
    } else {
        0.0
    }
}

#[inline]
pub fn qty_to_cost(qty: f64, price: f64, c_mult: f64) -> f64 {
    qty.abs() * price * c_mult
}

/// Wallet exposure `|size|·price·c_mult / balance`; 0 without balance or position.
#[inline]
pub fn calc_wallet_exposure(
    c_mult: f64,
    balance: f64,
    position_size: f64,
    position_price: f64,
) -> f64 {
    if balance <= 0.0 || position_size == 0.0 {
        return 0.0;
    }
    qty_to_cost(position_size, position_price, c_mult) / balance
}

/// New size and average price after adding `qty` at `price`. The weights use the unrounded
/// sizes but the divisor is the step-rounded new size (reference quirk 17).
pub fn calc_new_psize_pprice(
    psize: f64,
    pprice: f64,
    qty: f64,
    price: f64,
    qty_step: f64,
) -> (f64, f64) {
    if qty == 0.0 {
        return (psize, pprice);
    }
    if psize == 0.0 {
        return (qty, price);
    }
    let new_psize = round_(psize + qty, qty_step);
    if new_psize == 0.0 {
        return (0.0, 0.0);
    }
    let pprice = if pprice.is_nan() { 0.0 } else { pprice };
    (
        new_psize,
        pprice * (psize / new_psize) + price * (qty / new_psize),
    )
}

/// Exposure the position would have after `qty` fills at `price` (sizes snapped to the step).
pub fn calc_wallet_exposure_if_filled(
    balance: f64,
    psize: f64,
    pprice: f64,
    qty: f64,
    price: f64,
    exchange: &ExchangeParams,
) -> f64 {
    let psize = round_(psize.abs(), exchange.qty_step);
    let qty = round_(qty.abs(), exchange.qty_step);
    let (new_psize, new_pprice) =
        calc_new_psize_pprice(psize, pprice, qty, price, exchange.qty_step);
    calc_wallet_exposure(exchange.c_mult, balance, new_psize, new_pprice)
}

/// Smallest order the exchange accepts at `price`: at least `min_qty` and `min_cost`.
#[inline]
pub fn calc_min_entry_qty(price: f64, exchange: &ExchangeParams) -> f64 {
    exchange.min_qty.max(round_up(
        cost_to_qty(exchange.min_cost, price, exchange.c_mult),
        exchange.qty_step,
    ))
}

#[inline]
pub fn calc_pnl_long(entry_price: f64, close_price: f64, qty: f64, c_mult: f64) -> f64 {
    qty.abs() * c_mult * (close_price - entry_price)
}

#[inline]
pub fn calc_pnl_short(entry_price: f64, close_price: f64, qty: f64, c_mult: f64) -> f64 {
    qty.abs() * c_mult * (entry_price - close_price)
}

#[inline]
pub fn calc_pnl(pside: Pside, entry_price: f64, close_price: f64, qty: f64, c_mult: f64) -> f64 {
    match pside {
        Pside::Long => calc_pnl_long(entry_price, close_price, qty, c_mult),
        Pside::Short => calc_pnl_short(entry_price, close_price, qty, c_mult),
    }
}

/// How far `price` is adverse to a position entered at `pprice` (positive = underwater).
#[inline]
pub fn calc_pprice_diff(pside: Pside, pprice: f64, price: f64) -> f64 {
    if pprice <= 0.0 {
        return 0.0;
    }
    match pside {
        Pside::Long => 1.0 - price / pprice,
        Pside::Short => price / pprice - 1.0,
    }
}

/// Distance of a buy order below the market (negative = marketable).
#[inline]
pub fn order_price_diff_bid(order_price: f64, market_price: f64) -> f64 {
    if market_price <= 0.0 {
        0.0
    } else {
        1.0 - order_price / market_price
    }
}

/// Distance of a sell order above the market (negative = marketable).
#[inline]
pub fn order_price_diff_ask(order_price: f64, market_price: f64) -> f64 {
    if market_price <= 0.0 {
        0.0
    } else {
        order_price / market_price - 1.0
    }
}

/// Keeps `prev` unless `val` moved by more than `pct` (relative); non-finite input keeps `prev`.
pub fn hysteresis(val: f64, prev: f64, pct: f64) -> f64 {
    if !val.is_finite() || !prev.is_finite() || !pct.is_finite() {
        return prev;
    }
    let pct = pct.max(0.0);
    if prev == 0.0 {
        return val;
    }
    if (val - prev).abs() / prev.abs() > pct {
        val
    } else {
        prev
    }
}

/// Realised-loss budget for unstucking (§8.3): losses are allowed until the balance would fall
/// `loss_allowance_pct` below the peak reconstructed from the PnL cumsum.
pub fn calc_auto_unstuck_allowance(
    balance: f64,
    loss_allowance_pct: f64,
    pnl_cumsum_max: f64,
    pnl_cumsum_last: f64,
) -> f64 {
    let peak = balance + (pnl_cumsum_max - pnl_cumsum_last);
    let drop = balance / peak - 1.0;
    (peak * (loss_allowance_pct + drop)).max(0.0)
}

/// Per-position limit including the excess allowance (`WEL_a`).
#[inline]
pub fn wel_with_allowance(wallet_exposure_limit: f64, risk_we_excess_allowance_pct: f64) -> f64 {
    if wallet_exposure_limit <= 0.0 {
        return wallet_exposure_limit;
    }
    wallet_exposure_limit * (1.0 + risk_we_excess_allowance_pct.max(0.0))
}

/// Linear inter/extrapolation through two points, evaluated as the reference's Lagrange form.
pub fn interpolate(x: f64, xs: [f64; 2], ys: [f64; 2]) -> f64 {
    let mut result = 0.0;
    for i in 0..2 {
        let mut term = ys[i];
        for j in 0..2 {
            if i != j {
                term = term * (x - xs[j]) / (xs[i] - xs[j]);
            }
        }
        result += term;
    }
    result
}

/// Initial-entry price from the lower band (long: min with bid, round down).
#[inline]
pub fn calc_ema_price_bid(
    price_step: f64,
    order_book_bid: f64,
    ema_band_lower: f64,
    ema_dist: f64,
) -> f64 {
    order_book_bid.min(round_dn(ema_band_lower * (1.0 - ema_dist), price_step))
}

/// Initial-entry price from the upper band (short: max with ask, round up).
#[inline]
pub fn calc_ema_price_ask(
    price_step: f64,
    order_book_ask: f64,
    ema_band_upper: f64,
    ema_dist: f64,
) -> f64 {
    order_book_ask.max(round_up(ema_band_upper * (1.0 + ema_dist), price_step))
}

#[cfg(test)]
mod tests {
    use super::*;

    // §18.1: half-away rounding and binary float noise, values worked out by hand.
    #[test]
    fn spec18_01_round_half_away_from_zero() {
        assert_eq!(round_(2.5, 1.0), 3.0);
        assert_eq!(round_(0.5, 1.0), 1.0);
        assert_eq!(round_(-2.5, 1.0), -3.0);
        assert_eq!(round_(0.49999999999999994, 1.0), 0.0);
    }

    #[test]
    fn spec18_01_round_keeps_binary_float_noise() {
        // 0.3 / 0.1 = 2.9999999999999996 in binary, so the floor is 2 steps.
        assert_eq!(round_dn(0.3, 0.1), 0.2);
        assert_eq!(round_dn(0.7, 0.1), 0.6);
        assert_eq!(round_up(0.30000000000000004, 0.1), 0.4);
        assert_eq!(round_up(0.3, 0.1), 0.3);
        assert_eq!(round_(0.3, 0.1), 0.3);
    }

    #[test]
    fn inline_rounding_matches_std_bit_for_bit() {
        let specials = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.0e15,
            1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let randoms = (0..200_000).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // spread over magnitudes 1e-6 .. 1e17, both signs
            let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
            let exp = ((state & 0xff) as i32 % 24) - 6;
            let sign = if state & 0x100 == 0 { 1.0 } else { -1.0 };
            sign * mantissa * 10f64.powi(exp)
        });
        for x in specials.into_iter().chain(randoms) {
            assert_eq!(
                round_half_away(x).to_bits(),
                x.round().to_bits(),
                "round {x:e}"
            );
            assert_eq!(floor_exact(x).to_bits(), x.floor().to_bits(), "floor {x:e}");
            assert_eq!(ceil_exact(x).to_bits(), x.ceil().to_bits(), "ceil {x:e}");
        }
        assert!(
            round_half_away(f64::NAN).is_nan()
                && floor_exact(f64::NAN).is_nan()
                && ceil_exact(f64::NAN).is_nan()
        );
    }

    #[test]
    fn round_with_zero_step_is_nan() {
        assert!(round_(1.0, 0.0).is_nan());
    }

    #[test]
    fn min_entry_qty_includes_min_cost() {
        let ex = ExchangeParams {
            qty_step: 0.001,
            price_step: 0.1,
            min_qty: 0.001,
            min_cost: 100.0,
            c_mult: 1.0,
        };
        // 100 / 30000 = 0.00333.. → round up to 0.004
        assert_eq!(calc_min_entry_qty(30000.0, &ex), 0.004);
        let ex = ExchangeParams {
            min_cost: 0.0,
            ..ex
        };
        assert_eq!(calc_min_entry_qty(30000.0, &ex), 0.001);
    }

    #[test]
    fn new_psize_pprice_is_the_vwap() {
        assert_eq!(
            calc_new_psize_pprice(1.0, 100.0, 1.0, 90.0, 0.001),
            (2.0, 95.0)
        );
        assert_eq!(
            calc_new_psize_pprice(0.0, 0.0, 1.0, 90.0, 0.001),
            (1.0, 90.0)
        );
        assert_eq!(
            calc_new_psize_pprice(1.0, 100.0, -1.0, 90.0, 0.001),
            (0.0, 0.0)
        );
        assert_eq!(
            calc_new_psize_pprice(1.0, 100.0, 0.0, 90.0, 0.001),
            (1.0, 100.0)
        );
    }

    #[test]
    fn unstuck_allowance_examples_from_spec() {
        // §8.3: at a PnL peak the allowance is B·pct; 150 below the peak it is exhausted.
        let a = calc_auto_unstuck_allowance(10_000.0, 0.001325, 0.0, 0.0);
        assert!((a - 13.25).abs() < 1e-9);
        assert_eq!(
            calc_auto_unstuck_allowance(10_000.0, 0.001325, 150.0, 0.0),
            0.0
        );
        // zero balance: 0/0 is NaN and f64::max(NaN, 0) = 0
        assert_eq!(calc_auto_unstuck_allowance(0.0, 0.01, 0.0, 0.0), 0.0);
    }

    #[test]
    fn hysteresis_only_moves_beyond_pct() {
        assert_eq!(hysteresis(101.0, 100.0, 0.02), 100.0);
        assert_eq!(hysteresis(103.0, 100.0, 0.02), 103.0);
        assert_eq!(hysteresis(f64::NAN, 100.0, 0.02), 100.0);
        assert_eq!(hysteresis(5.0, 0.0, 0.02), 5.0);
    }

    #[test]
    fn interpolate_is_linear() {
        assert_eq!(interpolate(0.5, [0.0, 1.0], [10.0, 20.0]), 15.0);
        assert_eq!(interpolate(2.0, [0.0, 1.0], [10.0, 20.0]), 30.0);
    }

    #[test]
    fn calc_diff_edges() {
        assert_eq!(calc_diff(0.0, 0.0), 0.0);
        assert_eq!(calc_diff(1.0, 0.0), f64::INFINITY);
        assert_eq!(calc_diff(110.0, 100.0), 0.1);
    }
}
