//! Buffers of one orchestrator call, kept between calls so a backtest allocates nothing per
//! minute once they have grown. Every buffer is cleared (or overwritten) before use: no value
//! carries from one call to the next, except the order memos, which hand back an order only for
//! bit-identical inputs (`orders::memo`).

use super::output::{IdealOrder, Warning};
use super::slots::{ForagerScratch, SideSlots};
use super::{EffectiveMode, Indicators};
use crate::orders::memo::OrderMemo;
use crate::risk::twel_enforcer::TwelEnforcerPosition;
use crate::risk::twel_gate::{GateEntry, GatePosition, GateScratch};
use crate::risk::unstuck::UnstuckPosition;
use crate::types::Order;

/// Orders being built for one symbol and side.
#[derive(Debug, Clone, Default)]
pub(crate) struct SideOrders {
    pub entries: Vec<Order>,
    pub closes: Vec<Order>,
}

/// Memoised entries and closes of one symbol/side.
#[derive(Debug, Default)]
pub(crate) struct SideMemos {
    pub entries: OrderMemo,
    pub closes: OrderMemo,
}

/// Reusable state of [`super::compute_ideal_orders`]; the result is in `orders` and `warnings`.
#[derive(Debug, Default)]
pub struct Workspace {
    pub(crate) modes: Vec<[EffectiveMode; 2]>,
    pub(crate) slots: [SideSlots; 2],
    pub(crate) forager: ForagerScratch,
    pub(crate) one_way_blocks: Vec<[bool; 2]>,
    pub(crate) indicators: Vec<[Option<Indicators>; 2]>,
    /// Per symbol `[long, short]`.
    pub(crate) plan: Vec<[SideOrders; 2]>,
    /// Per symbol `[long, short]`, kept across calls.
    pub(crate) memos: Vec<[SideMemos; 2]>,
    pub(crate) unstuck: Vec<UnstuckPosition>,
    pub(crate) enforcer: Vec<TwelEnforcerPosition>,
    pub(crate) gate_positions: Vec<GatePosition>,
    pub(crate) gate_entries: Vec<GateEntry>,
    pub(crate) gate: GateScratch,
    pub(crate) gated: Vec<(usize, Order)>,
    /// The ideal orders of the last call, in output order.
    pub orders: Vec<IdealOrder>,
    /// Non-fatal warnings of the last call.
    pub warnings: Vec<Warning>,
}

impl Workspace {
    /// Sizes the per-symbol buffers for `n` symbols and empties everything.
    pub(crate) fn reset(&mut self, n: usize) {
        self.modes.clear();
        self.one_way_blocks.clear();
        self.indicators.clear();
        self.indicators.resize(n, [None, None]);
        self.plan.resize_with(n, Default::default);
        self.memos.resize_with(n, Default::default);
        for sides in self.plan.iter_mut() {
            for side in sides.iter_mut() {
                side.entries.clear();
                side.closes.clear();
            }
        }
        self.unstuck.clear();
        self.enforcer.clear();
        self.gate_positions.clear();
        self.gate_entries.clear();
        self.orders.clear();
        self.warnings.clear();
    }

    /// Forgets every memo (order and TWEL gate): the next call computes everything afresh, as
    /// a new workspace would. Results never depend on it; it exists to check exactly that.
    pub(crate) fn forget_memos(&mut self) {
        self.memos.clear();
        self.gate.forget_memos();
    }
}
