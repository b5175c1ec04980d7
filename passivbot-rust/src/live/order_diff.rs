//! Live reconciliation of ideal vs open orders (core spec §10.12, Python spec §3.7–3.8):
//! what to cancel and what to create this cycle, with the churn controls of the reference.
//!
//! Pure function: the caller passes the clock (`now_ms`), the recent-creation memory and the
//! symbols whose state changed, so the same inputs always give the same plan.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::orchestrator::input::Mode;
use crate::types::Pside;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

/// An order as the live bot sees it: quantity unsigned, direction in `side`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveOrder {
    pub symbol: String,
    pub side: Side,
    pub position_side: Pside,
    pub qty: f64,
    pub price: f64,
    #[serde(default)]
    pub reduce_only: bool,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub custom_id: Option<String>,
}

impl LiveOrder {
    fn same_slot(&self, other: &LiveOrder) -> bool {
        self.symbol == other.symbol
            && self.side == other.side
            && self.position_side == other.position_side
    }

    fn exactly_equal(&self, other: &LiveOrder) -> bool {
        self.same_slot(other) && self.qty == other.qty && self.price == other.price
    }

    /// Price and quantity within relative tolerances of `other` (relative to `self`, the new order).
    fn close_to(&self, other: &LiveOrder, qty_tol: f64, price_tol: f64) -> bool {
        self.same_slot(other)
            && rel_diff(other.price, self.price) <= price_tol
            && rel_diff(other.qty, self.qty) <= qty_tol
    }
}

fn rel_diff(old: f64, new: f64) -> f64 {
    if new == 0.0 {
        if old == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        (old - new).abs() / new.abs()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// Create/cancel pairs this close (relative price and qty) are both dropped. Default 0.0002.
    pub order_match_tolerance_pct: f64,
    pub max_n_cancellations_per_batch: usize,
    pub max_n_creations_per_batch: usize,
}

impl Default for DiffParams {
    fn default() -> Self {
        DiffParams {
            order_match_tolerance_pct: 0.0002,
            max_n_cancellations_per_batch: 5,
            max_n_creations_per_batch: 3,
        }
    }
}

/// An order created recently, remembered to avoid re-posting it while the exchange catches up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecentCreation {
    pub order: LiveOrder,
    pub created_ms: i64,
}

/// How long a creation is remembered (reference: 15 s).
pub const RECENT_CREATION_MEMORY_MS: i64 = 15_000;
/// "Resembles a pending cancel": qty within 1 %, price within 0.2 %.
const DEFER_QTY_TOL: f64 = 0.01;
const DEFER_PRICE_TOL: f64 = 0.002;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeferReason {
    ResemblesPendingCancel,
    RecentExecution,
    StateChanged,
    BatchLimit,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderDiff {
    /// At most `max_n_cancellations_per_batch`, closest to the market first.
    pub to_cancel: Vec<LiveOrder>,
    /// At most `max_n_creations_per_batch`, closest to the market first.
    pub to_create: Vec<LiveOrder>,
    pub deferred_cancels: Vec<LiveOrder>,
    pub deferred_creates: Vec<(LiveOrder, DeferReason)>,
}

pub struct DiffInput<'a> {
    pub ideal: &'a [LiveOrder],
    pub actual: &'a [LiveOrder],
    /// Mode per (symbol, side); absent = normal.
    pub modes: &'a BTreeMap<(String, Pside), Mode>,
    /// Last price per symbol, for sorting by distance (absent → distance 0).
    pub market_prices: &'a BTreeMap<String, f64>,
    pub recent_creations: &'a [RecentCreation],
    pub state_changed_symbols: &'a BTreeSet<String>,
    pub now_ms: i64,
    pub params: DiffParams,
}

fn market_distance(order: &LiveOrder, market_prices: &BTreeMap<String, f64>) -> f64 {
    match market_prices.get(&order.symbol) {
        Some(&mkt) if mkt > 0.0 && mkt.is_finite() => match order.side {
            Side::Buy => 1.0 - order.price / mkt,
            Side::Sell => order.price / mkt - 1.0,
        },
        _ => 0.0,
    }
}

fn sort_by_distance(orders: &mut [LiveOrder], market_prices: &BTreeMap<String, f64>) {
    orders.sort_by(|a, b| {
        market_distance(a, market_prices)
            .partial_cmp(&market_distance(b, market_prices))
            .unwrap_or(Ordering::Equal)
    });
}

pub fn diff_orders(input: &DiffInput) -> OrderDiff {
    // 1. exact matches consume one open order each
    let mut unmatched_actual: Vec<Option<&LiveOrder>> = input.actual.iter().map(Some).collect();
    let mut creates = Vec::new();
    for ideal in input.ideal {
        match unmatched_actual
            .iter_mut()
            .find(|a| a.is_some_and(|a| a.exactly_equal(ideal)))
        {
            Some(slot) => *slot = None,
            None => creates.push(ideal.clone()),
        }
    }
    let mut cancels: Vec<LiveOrder> = unmatched_actual.into_iter().flatten().cloned().collect();

    // 2. modes: manual sides are left alone; tp_only sides only touch reduce-only orders
    let allowed = |o: &LiveOrder| match input.modes.get(&(o.symbol.clone(), o.position_side)) {
        Some(Mode::Manual) => false,
        Some(Mode::TpOnly) => o.reduce_only,
        _ => true,
    };
    cancels.retain(allowed);
    creates.retain(allowed);

    // 3. churn suppression: near-identical create/cancel pairs keep the existing order
    let tol = input.params.order_match_tolerance_pct;
    let mut kept_creates = Vec::with_capacity(creates.len());
    for create in creates {
        if let Some(pos) = cancels.iter().position(|c| create.close_to(c, tol, tol)) {
            cancels.remove(pos);
        } else {
            kept_creates.push(create);
        }
    }
    let mut creates = kept_creates;

    // 4. closest to the market first
    sort_by_distance(&mut cancels, input.market_prices);
    sort_by_distance(&mut creates, input.market_prices);

    let mut diff = OrderDiff::default();
    let max_cancels = input.params.max_n_cancellations_per_batch;
    if cancels.len() > max_cancels {
        // reduce-only cancellations go first when the batch is truncated (stable: keeps distance order)
        let (mut chosen, rest): (Vec<_>, Vec<_>) =
            cancels.iter().cloned().partition(|o| o.reduce_only);
        chosen.extend(rest);
        diff.deferred_cancels = chosen.split_off(max_cancels);
        diff.to_cancel = chosen;
    } else {
        diff.to_cancel = cancels.clone();
    }

    for create in creates {
        let reason = if cancels
            .iter()
            .any(|c| create.close_to(c, DEFER_QTY_TOL, DEFER_PRICE_TOL))
        {
            Some(DeferReason::ResemblesPendingCancel)
        } else if input.recent_creations.iter().any(|r| {
            input.now_ms - r.created_ms < RECENT_CREATION_MEMORY_MS
                && create.close_to(&r.order, DEFER_QTY_TOL, DEFER_PRICE_TOL)
        }) {
            Some(DeferReason::RecentExecution)
        } else if input.state_changed_symbols.contains(&create.symbol) {
            Some(DeferReason::StateChanged)
        } else if diff.to_create.len() >= input.params.max_n_creations_per_batch {
            Some(DeferReason::BatchLimit)
        } else {
            None
        };
        match reason {
            Some(r) => diff.deferred_creates.push((create, r)),
            None => diff.to_create.push(create),
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(
        symbol: &str,
        side: Side,
        pside: Pside,
        qty: f64,
        price: f64,
        reduce_only: bool,
    ) -> LiveOrder {
        LiveOrder {
            symbol: symbol.into(),
            side,
            position_side: pside,
            qty,
            price,
            reduce_only,
            order_type: None,
            id: None,
            custom_id: None,
        }
    }

    struct Fixture {
        modes: BTreeMap<(String, Pside), Mode>,
        prices: BTreeMap<String, f64>,
        recent: Vec<RecentCreation>,
        changed: BTreeSet<String>,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                modes: BTreeMap::new(),
                prices: [("BTC".to_string(), 100.0)].into(),
                recent: vec![],
                changed: BTreeSet::new(),
            }
        }

        fn run(&self, ideal: &[LiveOrder], actual: &[LiveOrder], params: DiffParams) -> OrderDiff {
            diff_orders(&DiffInput {
                ideal,
                actual,
                modes: &self.modes,
                market_prices: &self.prices,
                recent_creations: &self.recent,
                state_changed_symbols: &self.changed,
                now_ms: 100_000,
                params,
            })
        }
    }

    #[test]
    fn exact_matches_are_left_alone() {
        let f = Fixture::new();
        let o = order("BTC", Side::Buy, Pside::Long, 1.0, 99.0, false);
        let d = f.run(
            std::slice::from_ref(&o),
            std::slice::from_ref(&o),
            DiffParams::default(),
        );
        assert!(d.to_cancel.is_empty() && d.to_create.is_empty());
    }

    #[test]
    fn within_tolerance_keeps_the_existing_order() {
        let f = Fixture::new();
        // price differs by 0.01/99 = 0.0101 % < 0.02 %
        let ideal = order("BTC", Side::Buy, Pside::Long, 1.0, 99.0, false);
        let open = order("BTC", Side::Buy, Pside::Long, 1.0, 99.01, false);
        let d = f.run(
            std::slice::from_ref(&ideal),
            std::slice::from_ref(&open),
            DiffParams::default(),
        );
        assert!(d.to_cancel.is_empty() && d.to_create.is_empty());
        // 0.1/99 = 0.101 % > 0.02 %: replace it, but the create waits a cycle (within 0.2 %)
        let open = order("BTC", Side::Buy, Pside::Long, 1.0, 99.1, false);
        let d = f.run(
            std::slice::from_ref(&ideal),
            std::slice::from_ref(&open),
            DiffParams::default(),
        );
        assert_eq!(d.to_cancel, vec![open]);
        assert!(d.to_create.is_empty());
        assert_eq!(
            d.deferred_creates,
            vec![(ideal, DeferReason::ResemblesPendingCancel)]
        );
    }

    #[test]
    fn manual_side_is_untouched_and_tp_only_only_touches_reduce_only() {
        let mut f = Fixture::new();
        f.modes.insert(("BTC".into(), Pside::Long), Mode::TpOnly);
        f.modes.insert(("BTC".into(), Pside::Short), Mode::Manual);
        let stale_entry = order("BTC", Side::Buy, Pside::Long, 1.0, 90.0, false);
        let new_close = order("BTC", Side::Sell, Pside::Long, 1.0, 110.0, true);
        let short_entry = order("BTC", Side::Sell, Pside::Short, 1.0, 120.0, false);
        let d = f.run(
            &[new_close.clone(), short_entry],
            &[stale_entry],
            DiffParams::default(),
        );
        assert!(d.to_cancel.is_empty());
        assert_eq!(d.to_create, vec![new_close]);
    }

    #[test]
    fn batches_are_capped_closest_first_with_reduce_only_cancels_first() {
        let f = Fixture::new();
        let open: Vec<LiveOrder> = (0..4)
            .map(|i| order("BTC", Side::Buy, Pside::Long, 1.0, 99.0 - i as f64, i == 3))
            .collect();
        let ideal: Vec<LiveOrder> = (0..4)
            .map(|i| {
                order(
                    "BTC",
                    Side::Sell,
                    Pside::Short,
                    1.0,
                    110.0 + 5.0 * i as f64,
                    false,
                )
            })
            .collect();
        let params = DiffParams {
            max_n_cancellations_per_batch: 2,
            max_n_creations_per_batch: 2,
            ..Default::default()
        };
        let d = f.run(&ideal, &open, params);
        // reduce-only (price 96) first, then the closest other (99)
        let cancel_prices: Vec<f64> = d.to_cancel.iter().map(|o| o.price).collect();
        assert_eq!(cancel_prices, vec![96.0, 99.0]);
        let create_prices: Vec<f64> = d.to_create.iter().map(|o| o.price).collect();
        assert_eq!(create_prices, vec![110.0, 115.0]);
        assert_eq!(d.deferred_creates.len(), 2);
        assert!(d
            .deferred_creates
            .iter()
            .all(|(_, r)| *r == DeferReason::BatchLimit));
    }

    #[test]
    fn recent_creations_and_state_changes_defer_creates() {
        let mut f = Fixture::new();
        let ideal = order("BTC", Side::Buy, Pside::Long, 1.0, 99.0, false);
        f.recent.push(RecentCreation {
            order: ideal.clone(),
            created_ms: 90_000,
        });
        let d = f.run(std::slice::from_ref(&ideal), &[], DiffParams::default());
        assert_eq!(
            d.deferred_creates,
            vec![(ideal.clone(), DeferReason::RecentExecution)]
        );
        // 15 s later it is forgotten
        f.recent[0].created_ms = 85_000;
        f.changed.insert("BTC".into());
        let d = f.run(std::slice::from_ref(&ideal), &[], DiffParams::default());
        assert_eq!(d.deferred_creates, vec![(ideal, DeferReason::StateChanged)]);
    }
}
