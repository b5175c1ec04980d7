//! TWEL enforcer (§8.2): trims existing positions when total exposure exceeds the limit.
//!
//! When the summed wallet exposure of one side's positions exceeds `TWEL · threshold`, the
//! least-underwater positions are cut back toward their base WEL (no excess allowance), one at
//! a time, until the total is back under the limit. Orders are priced through the market so
//! they behave like marketable limits.

use crate::math::{
    calc_min_entry_qty, calc_pprice_diff, calc_wallet_exposure, quantize, round_dn, round_up,
};
use crate::types::{ExchangeParams, Order, OrderKind, Pside};

/// Tolerance of every comparison of the enforcer.
const TAU: f64 = 1e-9;

/// One open position of the side being enforced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwelEnforcerPosition {
    /// Coin (symbol) index, copied into the output.
    pub idx: usize,
    /// Signed position size (the sign is ignored: only `|size|` is used).
    pub position_size: f64,
    pub position_price: f64,
    /// Long: bid; short: ask. Falls back to `position_price` when not finite and positive.
    pub market_price: f64,
    /// Per-position WEL **without** the excess allowance; the enforcer never cuts below it.
    pub base_wallet_exposure_limit: f64,
    pub exchange: ExchangeParams,
}

#[derive(Debug, Clone)]
struct Candidate {
    rec: usize,
    abs_psize: f64,
    initial_abs: f64,
    e: f64,
    floor: f64,
    floor_psize: f64,
    diff: f64,
    mkt: f64,
    to_close: f64,
}

fn is_valid(p: &TwelEnforcerPosition) -> bool {
    p.position_size.is_finite()
        && p.position_size != 0.0
        && p.position_price.is_finite()
        && p.position_price > 0.0
        && p.exchange.c_mult.is_finite()
        && p.exchange.c_mult > 0.0
}

/// Computes the TWEL auto-reduce orders of one side: `(idx, order)` per trimmed position, in
/// input order. `skip_idx` names a position that counts toward the total but is never trimmed.
pub fn calc_twel_enforcer_orders(
    pside: Pside,
    threshold: f64,
    total_wallet_exposure_limit: f64,
    effective_n_positions: usize,
    balance: f64,
    positions: &[TwelEnforcerPosition],
    skip_idx: Option<usize>,
) -> Vec<(usize, Order)> {
    let mut out = Vec::new();
    if threshold < 0.0
        || total_wallet_exposure_limit <= 0.0
        || balance <= 0.0
        || effective_n_positions == 0
    {
        return out;
    }
    let limit = total_wallet_exposure_limit * threshold;
    if limit <= 0.0 {
        return out;
    }
    let mut total = 0.0;
    let mut cands: Vec<Candidate> = Vec::new();
    for (rec, p) in positions.iter().enumerate() {
        if !is_valid(p) {
            continue;
        }
        let abs_psize = p.position_size.abs();
        let e = calc_wallet_exposure(p.exchange.c_mult, balance, abs_psize, p.position_price);
        total += e;
        if skip_idx == Some(p.idx) {
            continue;
        }
        let mkt = if p.market_price.is_finite() && p.market_price > 0.0 {
            p.market_price
        } else {
            p.position_price
        };
        let floor = p.base_wallet_exposure_limit;
        if floor <= 0.0 {
            continue;
        }
        if e > floor + TAU {
            cands.push(Candidate {
                rec,
                abs_psize,
                initial_abs: abs_psize,
                e,
                floor,
                floor_psize: floor * balance / (p.position_price * p.exchange.c_mult),
                diff: calc_pprice_diff(pside, p.position_price, mkt),
                mkt,
                to_close: 0.0,
            });
        }
    }
    if cands.is_empty() || total <= limit + TAU {
        return out;
    }
    while total > limit + TAU {
        let mut pick: Option<usize> = None;
        for (i, c) in cands.iter().enumerate() {
            if c.abs_psize > TAU
                && c.e > c.floor + TAU
                && pick.is_none_or(|j| c.diff < cands[j].diff)
            {
                pick = Some(i);
            }
        }
        let Some(i) = pick else { break };
        let p = &positions[cands[i].rec];
        let ex = &p.exchange;
        let c = &mut cands[i];
        let cut_e = (c.e - c.floor).min(total - limit);
        let mut q = round_up(
            cut_e * balance / (p.position_price * ex.c_mult),
            ex.qty_step,
        )
        .min(c.abs_psize);
        if q <= TAU {
            c.floor = f64::INFINITY;
            continue;
        }
        if c.abs_psize - q + TAU < c.floor_psize {
            q = round_dn(c.abs_psize - c.floor_psize.min(c.abs_psize), ex.qty_step);
            if q <= TAU {
                c.floor = f64::INFINITY;
                continue;
            }
        }
        if q < ex.min_qty {
            q = if c.abs_psize <= ex.min_qty + TAU {
                c.abs_psize
            } else {
                ex.min_qty
            };
        }
        q = round_dn(q, ex.qty_step).min(c.abs_psize);
        if q <= TAU {
            c.floor = f64::INFINITY;
            continue;
        }
        let e_new = calc_wallet_exposure(ex.c_mult, balance, c.abs_psize - q, p.position_price);
        if e_new < c.floor - TAU || c.e - e_new <= TAU {
            c.floor = f64::INFINITY;
            continue;
        }
        total -= c.e - e_new;
        c.abs_psize -= q;
        c.e = e_new;
        c.to_close += q;
    }
    for c in &cands {
        if c.to_close <= TAU {
            continue;
        }
        let p = &positions[c.rec];
        let ex = &p.exchange;
        let mut q = c.to_close.min(c.initial_abs - c.abs_psize);
        if q < ex.min_qty {
            q = if c.initial_abs <= ex.min_qty + TAU {
                c.initial_abs
            } else {
                ex.min_qty
            };
        }
        q = round_dn(q, ex.qty_step);
        if q <= TAU {
            continue;
        }
        let price = match pside {
            Pside::Long => {
                let px = round_dn(c.mkt * 0.9995, ex.price_step);
                if px <= 0.0 {
                    ex.price_step
                } else {
                    px
                }
            }
            Pside::Short => round_up(c.mkt * 1.0005, ex.price_step),
        };
        let min_qty = calc_min_entry_qty(price, ex);
        let q = round_up(q.max(min_qty).min(c.initial_abs), ex.qty_step);
        if q < min_qty - TAU {
            continue;
        }
        let order = Order::new(
            quantize(-pside.sign() * q, ex.qty_step),
            quantize(price, ex.price_step),
            OrderKind::CloseAutoReduceTwel.for_side(pside),
        );
        out.push((p.idx, order));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::OrderType;

    const EX: ExchangeParams = ExchangeParams {
        qty_step: 0.1,
        price_step: 0.1,
        min_qty: 0.1,
        min_cost: 5.0,
        c_mult: 1.0,
    };

    fn pos(idx: usize, size: f64, price: f64, mkt: f64) -> TwelEnforcerPosition {
        TwelEnforcerPosition {
            idx,
            position_size: size,
            position_price: price,
            market_price: mkt,
            base_wallet_exposure_limit: 0.4,
            exchange: EX,
        }
    }

    fn flat(out: &[(usize, Order)]) -> Vec<(usize, f64, f64, OrderType)> {
        out.iter()
            .map(|(i, o)| (*i, o.qty, o.price, o.order_type))
            .collect()
    }

    #[test]
    fn spec18_14_twel_enforcer_crate_example_trims_only_coin_1_to_we_half() {
        // B 1000: coin 0 8@50 → WE 0.4 (= its floor, not a candidate); coin 1 12@50 → WE 0.6.
        // Total 1.0 > limit 0.9·1: cut_e = min(0.6 − 0.4, 1.0 − 0.9) = 0.1 → 0.1·1000/50 = 2
        // units → coin 1 goes to 10 units = WE 0.5; total 0.9 → done.
        // Price through the bid: round_dn(49·0.9995 = 48.9755, 0.1) = 48.9.
        let p = [pos(0, 8.0, 50.0, 50.0), pos(1, 12.0, 50.0, 49.0)];
        let out = calc_twel_enforcer_orders(Pside::Long, 1.0, 0.9, 2, 1000.0, &p, None);
        assert_eq!(
            flat(&out),
            vec![(1, -2.0, 48.9, OrderType::CloseAutoReduceTwelLong)]
        );
        let after = calc_wallet_exposure(1.0, 1000.0, 12.0 + out[0].1.qty, 50.0);
        assert_eq!(after, 0.5);
    }

    #[test]
    fn spec18_14_twel_enforcer_short_mirror_prices_above_ask() {
        // Same sizes short, coin 1's ask 51: buy 2 at round_up(51·1.0005 = 51.0255, 0.1) = 51.1.
        let p = [pos(0, -8.0, 50.0, 50.0), pos(1, -12.0, 50.0, 51.0)];
        let out = calc_twel_enforcer_orders(Pside::Short, 1.0, 0.9, 2, 1000.0, &p, None);
        assert_eq!(
            flat(&out),
            vec![(1, 2.0, 51.1, OrderType::CloseAutoReduceTwelShort)]
        );
    }

    #[test]
    fn spec18_14_twel_enforcer_trims_least_underwater_first() {
        // Both 10@50 (WE 0.5 each, floor 0.4), total 1.0 > 0.9. Coin 0 at market (diff 0) is
        // less underwater than coin 1 (diff 1 − 45/50 = 0.1): coin 0 loses 2 units (→ WE 0.4)
        // and the total is back at 0.9; coin 1 is untouched. Price round_dn(49.975, 0.1) = 49.9.
        let p = [pos(0, 10.0, 50.0, 50.0), pos(1, 10.0, 50.0, 45.0)];
        let out = calc_twel_enforcer_orders(Pside::Long, 1.0, 0.9, 2, 1000.0, &p, None);
        assert_eq!(
            flat(&out),
            vec![(0, -2.0, 49.9, OrderType::CloseAutoReduceTwelLong)]
        );
    }

    #[test]
    fn spec18_14_twel_enforcer_skip_idx_counts_but_is_not_trimmed() {
        // Crate example with coin 1 skipped: total still 1.0, but coin 0 sits at its floor.
        let p = [pos(0, 8.0, 50.0, 50.0), pos(1, 12.0, 50.0, 49.0)];
        assert!(
            calc_twel_enforcer_orders(Pside::Long, 1.0, 0.9, 2, 1000.0, &p, Some(1)).is_empty()
        );
    }

    #[test]
    fn spec18_14_twel_enforcer_disabled_cases() {
        let p = [pos(0, 8.0, 50.0, 50.0), pos(1, 12.0, 50.0, 49.0)];
        // Under the limit (threshold 1.2 → limit 1.08 > 1.0), negative threshold, enp 0, no TWEL.
        assert!(calc_twel_enforcer_orders(Pside::Long, 1.2, 0.9, 2, 1000.0, &p, None).is_empty());
        assert!(calc_twel_enforcer_orders(Pside::Long, -1.0, 0.9, 2, 1000.0, &p, None).is_empty());
        assert!(calc_twel_enforcer_orders(Pside::Long, 1.0, 0.9, 0, 1000.0, &p, None).is_empty());
        assert!(calc_twel_enforcer_orders(Pside::Long, 1.0, 0.0, 2, 1000.0, &p, None).is_empty());
    }
}
