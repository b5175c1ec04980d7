//! The older TWEL entry gate (§8.1, last paragraph), exposed to Python as
//! `gate_entries_by_twel_py`. The orchestrator uses [`crate::risk::twel_gate`] instead.
//!
//! Differences from the orchestrator's gate: no exposure epsilon; entries are removed by
//! distance only (stable, so ties keep input order); the partial re-add searches 64 times,
//! rounding every probe down to the qty step and keeping the best passing one; it checks the
//! raw `min_qty` / `min_cost` instead of the minimum entry qty and re-verifies the total after
//! adding. Only entries with a **positive signed** quantity are candidates, so a short side
//! (negative entry quantities) always gets an empty result — the reference behaves the same way
//! (all short golden vectors).

use super::twel_gate::{current_twe, is_pos, make_candidates, Projector};
pub use super::twel_gate::{GateEntry, GatePosition};
use crate::math::{calc_pprice_diff, round_dn};
use crate::types::{Order, Pside};

const SEARCH_ITERATIONS: usize = 64;

/// Legacy TWEL gate. Returns the surviving entries in input order: all of them unchanged when
/// everything fits, else the kept candidates with possibly one reduced quantity.
pub fn gate_entries_by_twel_legacy(
    pside: Pside,
    balance: f64,
    total_wallet_exposure_limit: f64,
    positions: &[GatePosition],
    entries: &[GateEntry],
) -> Vec<(usize, Order)> {
    let twel = total_wallet_exposure_limit;
    if !is_pos(balance) || !is_pos(twel) || entries.is_empty() {
        return Vec::new();
    }
    let twe0 = current_twe(balance, positions);
    if twe0 >= twel {
        return Vec::new();
    }
    let keep = |e: &GateEntry, _min_qty: f64| is_pos(e.order.qty) && is_pos(e.order.price);
    let distance = |e: &GateEntry| calc_pprice_diff(pside, e.market_price, e.order.price);
    let (candidates, n_slots) = make_candidates(positions, entries, keep, distance);
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut proj = Projector::new(balance, twe0, n_slots);
    let mut included: Vec<Option<f64>> = candidates.iter().map(|c| Some(c.qty)).collect();
    let mut twe = proj.twe(&candidates, &included, None);
    if twe < twel {
        return entries.iter().map(|e| (e.idx, e.order)).collect();
    }
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    // Stable sort: equal distances keep input order.
    order.sort_by(|&a, &b| candidates[b].distance.total_cmp(&candidates[a].distance));
    let mut last_removed = None;
    for &i in &order {
        if twe < twel {
            break;
        }
        included[i] = None;
        last_removed = Some(i);
        twe = proj.twe(&candidates, &included, None);
    }
    if twe >= twel {
        return Vec::new();
    }
    if let Some(last) = last_removed {
        let c = candidates[last];
        let ex = &entries[c.entry].exchange;
        let (mut lo, mut hi, mut best) = (0.0_f64, c.qty, 0.0_f64);
        for _ in 0..SEARCH_ITERATIONS {
            let mid = (lo + hi) / 2.0;
            let probe = round_dn(mid, ex.qty_step);
            if proj.twe(&candidates, &included, Some((last, probe))) < twel {
                best = best.max(probe);
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if best > 0.0 && best >= ex.min_qty && best * c.price * ex.c_mult >= ex.min_cost {
            included[last] = Some(best);
            if proj.twe(&candidates, &included, None) >= twel {
                included[last] = None;
            }
        }
    }
    candidates
        .iter()
        .zip(&included)
        .filter_map(|(c, q)| {
            let e = &entries[c.entry];
            q.map(|q| {
                (
                    e.idx,
                    Order::new(pside.sign() * q, e.order.price, e.order.order_type),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ExchangeParams, OrderType};

    #[test]
    fn legacy_gate_crate_example() {
        // B 1000, TWEL 1: 5@100 (market 100, distance 0) + 6@100 (market 90, distance −0.11)
        // = $1100 ≥ $1000. Remove the 5@100 (largest distance): $600 fits. Re-add it: probes
        // rounded down to 0.01 must keep 600 + 100q < 1000 → best 3.99.
        let ex = ExchangeParams {
            qty_step: 0.01,
            price_step: 0.0,
            min_qty: 0.0,
            min_cost: 0.0,
            c_mult: 1.0,
        };
        let t = OrderType::EntryGridNormalLong;
        let entries = [
            GateEntry {
                idx: 0,
                order: Order::new(5.0, 100.0, t),
                exchange: ex,
                market_price: 100.0,
            },
            GateEntry {
                idx: 0,
                order: Order::new(6.0, 100.0, t),
                exchange: ex,
                market_price: 90.0,
            },
        ];
        let pos = [GatePosition {
            idx: 0,
            size: 0.0,
            price: 0.0,
            c_mult: 1.0,
        }];
        let out = gate_entries_by_twel_legacy(Pside::Long, 1000.0, 1.0, &pos, &entries);
        let got: Vec<_> = out.iter().map(|(i, o)| (*i, o.qty, o.price)).collect();
        assert_eq!(got, vec![(0, 3.99, 100.0), (0, 6.0, 100.0)]);
    }

    #[test]
    fn legacy_gate_ignores_negative_quantities() {
        // Short entries carry negative quantities and are never candidates (reference quirk).
        let ex = ExchangeParams {
            qty_step: 0.01,
            price_step: 0.0,
            min_qty: 0.0,
            min_cost: 0.0,
            c_mult: 1.0,
        };
        let t = OrderType::EntryGridNormalShort;
        let entries = [GateEntry {
            idx: 0,
            order: Order::new(-1.0, 100.0, t),
            exchange: ex,
            market_price: 100.0,
        }];
        assert!(gate_entries_by_twel_legacy(Pside::Short, 1000.0, 1.0, &[], &entries).is_empty());
    }
}
