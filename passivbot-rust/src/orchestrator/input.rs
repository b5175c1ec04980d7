//! The orchestrator's input: one full state snapshot (core spec §10.1). Serde names are the
//! JSON keys of the reference's `compute_ideal_orders_json`; unknown keys are rejected.

use serde::{Deserialize, Serialize};

use crate::types::{BotParams, ExchangeParams, OrderBook, Position, Pside, TrailingBundle};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrchestratorInput {
    pub balance: f64,
    pub global: GlobalInput,
    pub symbols: Vec<SymbolInput>,
    #[serde(default)]
    pub peek_hints: Option<PeekHints>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalInput {
    pub filter_by_min_effective_cost: bool,
    pub unstuck_allowance_long: f64,
    pub unstuck_allowance_short: f64,
    /// Live ordering (true) sorts all orders by market distance; backtest ordering (false)
    /// keeps them grouped per symbol and side.
    pub sort_global: bool,
    /// Source of the side-wide ("Global") keys: TWEL, n_positions, filters, thresholds.
    pub global_bot_params: GlobalBotParams,
    #[serde(default = "default_true")]
    pub hedge_mode: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalBotParams {
    pub long: BotParams,
    pub short: BotParams,
}

impl GlobalBotParams {
    pub fn side(&self, pside: Pside) -> &BotParams {
        match pside {
            Pside::Long => &self.long,
            Pside::Short => &self.short,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolInput {
    pub symbol_idx: usize,
    pub order_book: OrderBook,
    pub exchange: ExchangeParams,
    pub tradable: bool,
    /// Backtest-only look-ahead: the next minute's range, used to decide whether to expand the
    /// full grid (§10.6). `None` in live.
    #[serde(default)]
    pub next_candle: Option<NextCandle>,
    pub effective_min_cost: f64,
    pub emas: EmaInput,
    pub long: SideInput,
    pub short: SideInput,
}

impl SymbolInput {
    pub fn side(&self, pside: Pside) -> &SideInput {
        match pside {
            Pside::Long => &self.long,
            Pside::Short => &self.short,
        }
    }

    pub fn side_mut(&mut self, pside: Pside) -> &mut SideInput {
        match pside {
            Pside::Long => &mut self.long,
            Pside::Short => &mut self.short,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextCandle {
    pub low: f64,
    pub high: f64,
    pub tradable: bool,
}

/// EMA values keyed by span: `[[span, value], ...]` per series and timeframe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmaInput {
    pub m1: EmaSeries,
    pub h1: EmaSeries,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmaSeries {
    pub close: Vec<(f64, f64)>,
    pub log_range: Vec<(f64, f64)>,
    pub volume: Vec<(f64, f64)>,
}

/// Value of the EMA whose span matches `span` within `max(1e-9, span·1e-12)`: spans such as
/// `sqrt(span0·span1)` are transported as decimal text and need not round-trip exactly.
pub fn lookup_ema(series: &[(f64, f64)], span: f64) -> Option<f64> {
    let slot = super::ema_slots::find_span(series, span);
    super::ema_slots::value_at(series, slot)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideInput {
    pub mode: Option<Mode>,
    pub position: Position,
    pub trailing: TrailingBundle,
    pub bot_params: BotParams,
}

/// Per symbol and side trading mode. `None` in the input means "normal, subject to forager
/// selection"; `Some(Normal)` forces the symbol into a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Normal,
    Panic,
    GracefulStop,
    TpOnly,
    Manual,
}

/// Live hint: which symbols get a full grid / close ladder instead of only the next order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeekHints {
    #[serde(default)]
    pub expand_grid_long: Vec<usize>,
    #[serde(default)]
    pub expand_grid_short: Vec<usize>,
    #[serde(default)]
    pub expand_close_long: Vec<usize>,
    #[serde(default)]
    pub expand_close_short: Vec<usize>,
}

impl PeekHints {
    pub fn expand_grid(&self, pside: Pside, idx: usize) -> bool {
        match pside {
            Pside::Long => self.expand_grid_long.contains(&idx),
            Pside::Short => self.expand_grid_short.contains(&idx),
        }
    }

    pub fn expand_close(&self, pside: Pside, idx: usize) -> bool {
        match pside {
            Pside::Long => self.expand_close_long.contains(&idx),
            Pside::Short => self.expand_close_short.contains(&idx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_lookup_tolerates_decimal_transport_of_spans() {
        let series = [(10.0, 1.0), (14.14213562373, 2.0), (20.0, 3.0)];
        assert_eq!(lookup_ema(&series, (10.0f64 * 20.0).sqrt()), Some(2.0));
        assert_eq!(lookup_ema(&series, 20.0), Some(3.0));
        assert_eq!(lookup_ema(&series, 15.0), None);
    }
}
