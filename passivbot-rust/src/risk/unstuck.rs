//! Unstuck (§8.3–8.4): realise small losses on stuck positions within a loss allowance.
//!
//! One order per cycle across both sides: among positions that are "stuck" (exposure above
//! `unstuck_threshold` of their limit) and whose price has come back near the EMA band, the
//! least-underwater one is partially closed at the current price. The close is scaled down so
//! its realised loss stays within the side's allowance (§8.3, computed by the caller).

use crate::math::{
    calc_min_entry_qty, calc_pnl, calc_pprice_diff, calc_wallet_exposure, cost_to_qty, round_dn,
    round_up, wel_with_allowance,
};
use crate::types::{ExchangeParams, Order, OrderKind, Pside};

/// One eligible position (the caller has already applied mode/side/param eligibility, §8.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnstuckPosition {
    /// Coin (symbol) index: the output names it, and it breaks ties.
    pub idx: usize,
    pub pside: Pside,
    /// Signed size; only `|size|` is used.
    pub position_size: f64,
    pub position_price: f64,
    /// Base WEL; the stuck test and the close size use `WEL_a` (with the excess allowance).
    pub wallet_exposure_limit: f64,
    pub risk_we_excess_allowance_pct: f64,
    pub unstuck_threshold: f64,
    pub unstuck_close_pct: f64,
    pub unstuck_ema_dist: f64,
    pub ema_band_upper: f64,
    pub ema_band_lower: f64,
    /// Long: ask; short: bid (the close in the backtester).
    pub current_price: f64,
    pub exchange: ExchangeParams,
}

struct Candidate {
    pos: usize,
    diff: f64,
    wel_a: f64,
}

/// Picks at most one unstuck close across both sides: `(idx, pside, order)`.
pub fn calc_unstucking_close(
    balance: f64,
    allowance_long: f64,
    allowance_short: f64,
    positions: &[UnstuckPosition],
) -> Option<(usize, Pside, Order)> {
    let allowance = |pside: Pside| match pside {
        Pside::Long => allowance_long,
        Pside::Short => allowance_short,
    };
    let mut cands: Vec<Candidate> = Vec::new();
    for (pos, p) in positions.iter().enumerate() {
        let invalid_price = !(p.position_price.is_finite() && p.position_price > 0.0);
        if allowance(p.pside) <= 0.0
            || invalid_price
            || p.position_size.abs() <= f64::EPSILON
            || p.unstuck_threshold < 0.0
        {
            continue;
        }
        let wel_a = wel_with_allowance(p.wallet_exposure_limit, p.risk_we_excess_allowance_pct);
        let we = calc_wallet_exposure(
            p.exchange.c_mult,
            balance,
            p.position_size.abs(),
            p.position_price,
        );
        if wel_a > 0.0 && we / wel_a <= p.unstuck_threshold {
            continue;
        }
        let triggered = match p.pside {
            Pside::Long => {
                p.current_price
                    >= round_up(
                        p.ema_band_upper * (1.0 + p.unstuck_ema_dist),
                        p.exchange.price_step,
                    )
            }
            Pside::Short => {
                p.current_price
                    <= round_dn(
                        p.ema_band_lower * (1.0 - p.unstuck_ema_dist),
                        p.exchange.price_step,
                    )
            }
        };
        if !triggered {
            continue;
        }
        let diff = calc_pprice_diff(p.pside, p.position_price, p.current_price);
        cands.push(Candidate { pos, diff, wel_a });
    }
    cands.sort_by(|a, b| {
        a.diff
            .total_cmp(&b.diff)
            .then(positions[a.pos].idx.cmp(&positions[b.pos].idx))
    });
    for c in &cands {
        let p = &positions[c.pos];
        let ex = &p.exchange;
        let allowance = allowance(p.pside);
        let abs_size = p.position_size.abs();
        let current = p.current_price;
        let min_qty = calc_min_entry_qty(current, ex);
        let close_qty = round_dn(
            cost_to_qty(balance * c.wel_a * p.unstuck_close_pct, current, ex.c_mult),
            ex.qty_step,
        );
        let mut q = abs_size.min(min_qty.max(close_qty.max(0.0)));
        let pnl = calc_pnl(p.pside, p.position_price, current, q, ex.c_mult);
        if pnl < 0.0 && pnl.abs() > allowance {
            q = min_qty.max(round_dn(
                abs_size.min(q * allowance / pnl.abs()),
                ex.qty_step,
            ));
        }
        if q > 0.0 {
            let order = Order::new(
                -p.pside.sign() * q,
                current,
                OrderKind::CloseUnstuck.for_side(p.pside),
            );
            return Some((p.idx, p.pside, order));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::calc_auto_unstuck_allowance;
    use crate::types::OrderType;

    const EX: ExchangeParams = ExchangeParams {
        qty_step: 0.1,
        price_step: 0.01,
        min_qty: 0.1,
        min_cost: 0.0,
        c_mult: 1.0,
    };

    /// Long 10 @ 100 with B 1000: WE 1.0, L_a 0.5 → ratio 2 > threshold 0.5 (stuck).
    /// Trigger round_up(95·(1 − 0.1) = 85.5, 0.01) = 85.5 ≤ any current price used below.
    fn stuck_long(idx: usize, current: f64) -> UnstuckPosition {
        UnstuckPosition {
            idx,
            pside: Pside::Long,
            position_size: 10.0,
            position_price: 100.0,
            wallet_exposure_limit: 0.5,
            risk_we_excess_allowance_pct: 0.0,
            unstuck_threshold: 0.5,
            unstuck_close_pct: 0.1,
            unstuck_ema_dist: -0.1,
            ema_band_upper: 95.0,
            ema_band_lower: 94.0,
            current_price: current,
            exchange: EX,
        }
    }

    #[test]
    fn spec18_12_unstuck_picks_least_underwater_and_scales_to_allowance() {
        // Coin 0 at 90 is 10 % underwater, coin 1 at 95 only 5 % → coin 1.
        // Size: B·L_a·pct = 1000·0.5·0.1 = $50 → 50/95 = 0.526 → round_dn 0.5 units.
        // Loss 0.5·(95 − 100) = −2.5 > allowance 1 → 0.5·1/2.5 = 0.2 units (loss exactly 1).
        let p = [stuck_long(0, 90.0), stuck_long(1, 95.0)];
        let (idx, pside, o) = calc_unstucking_close(1000.0, 1.0, 0.0, &p).unwrap();
        assert_eq!((idx, pside), (1, Pside::Long));
        assert_eq!(
            (o.qty, o.price, o.order_type),
            (-0.2, 95.0, OrderType::CloseUnstuckLong)
        );
    }

    #[test]
    fn spec18_12_unstuck_unscaled_when_allowance_covers_the_loss() {
        // Allowance 10 ≥ loss 2.5: the full 0.5 units close.
        let p = [stuck_long(0, 90.0), stuck_long(1, 95.0)];
        let (idx, _, o) = calc_unstucking_close(1000.0, 10.0, 0.0, &p).unwrap();
        assert_eq!((idx, o.qty), (1, -0.5));
    }

    #[test]
    fn spec18_12_unstuck_stops_when_allowance_is_exhausted() {
        // Realised losses 20 below the PnL peak with pct·TWEL 0.01 and B_r 1000:
        // peak = 1020, allowance = max(0, 1020·0.01 − 20) = 0 → no unstuck order.
        let allowance = calc_auto_unstuck_allowance(1000.0, 0.01, 20.0, 0.0);
        assert_eq!(allowance, 0.0);
        let p = [stuck_long(0, 90.0), stuck_long(1, 95.0)];
        assert_eq!(calc_unstucking_close(1000.0, allowance, 5.0, &p), None);
    }

    #[test]
    fn spec18_12_unstuck_eligibility_is_strict() {
        // Exactly at the threshold (size 5 → WE 0.5, ratio 1.0 = threshold 1.0): not stuck.
        let mut p = stuck_long(0, 95.0);
        p.position_size = 5.0;
        p.unstuck_threshold = 1.0;
        assert_eq!(calc_unstucking_close(1000.0, 10.0, 0.0, &[p]), None);
        // Price below the trigger 85.5: not eligible.
        assert_eq!(
            calc_unstucking_close(1000.0, 10.0, 0.0, &[stuck_long(0, 85.49)]),
            None
        );
        // Tie on drawdown → lower symbol index first.
        let p = [stuck_long(3, 95.0), stuck_long(2, 95.0)];
        assert_eq!(calc_unstucking_close(1000.0, 10.0, 0.0, &p).unwrap().0, 2);
    }

    #[test]
    fn spec18_12_unstuck_short_mirror() {
        // Short −10 @ 100, bid 105 (5 % underwater). Trigger round_dn(110·(1 + 0.1), 0.01) = 121
        // ≥ 105. $50 / 105 = 0.476 → 0.4 units; loss 0.4·5 = 2 ≤ allowance 3 → buy 0.4 @ 105.
        let mut p = stuck_long(7, 105.0);
        p.pside = Pside::Short;
        p.position_size = -10.0;
        p.ema_band_lower = 110.0;
        let (idx, pside, o) = calc_unstucking_close(1000.0, 0.0, 3.0, &[p]).unwrap();
        assert_eq!((idx, pside), (7, Pside::Short));
        assert_eq!(
            (o.qty, o.price, o.order_type),
            (0.4, 105.0, OrderType::CloseUnstuckShort)
        );
    }
}
