//! Where each EMA the orchestrator reads sits in a symbol's `[[span, value], ...]` lists.
//!
//! The lists are keyed by span and searched with a tolerance (`lookup_ema`). A live call
//! resolves the positions once per call; the backtester resolves them once per run, since its
//! spans never change (only the values do), which saves every per-minute search. A position is
//! the first match, exactly the entry `lookup_ema` would return.

use super::input::{EmaSeries, OrchestratorInput, SymbolInput};
use crate::types::Pside;

/// Positions in one symbol's EMA lists; `None` when no entry has the span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EmaSlots {
    /// Per side, in `m1.close`: spans `ema_span_0`, `ema_span_1`, `sqrt(span_0·span_1)`.
    pub close: [[Option<usize>; 3]; 2],
    /// Per side, in `h1.log_range`: `entry_volatility_ema_span_hours`.
    pub volatility_1h: [Option<usize>; 2],
    /// Per side, in `m1.volume`: the global `filter_volume_ema_span` (forager).
    pub volume: [Option<usize>; 2],
    /// Per side, in `m1.log_range`: the global `filter_volatility_ema_span` (forager).
    pub log_range: [Option<usize>; 2],
}

/// Index of the first entry whose span matches `span` (the tolerance of `lookup_ema`).
pub(crate) fn find_span(series: &[(f64, f64)], span: f64) -> Option<usize> {
    let tolerance = (span.abs() * 1e-12).max(1e-9);
    series
        .iter()
        .position(|(s, _)| (s - span).abs() <= tolerance)
}

/// Value at a resolved position.
#[inline]
pub(crate) fn value_at(series: &[(f64, f64)], slot: Option<usize>) -> Option<f64> {
    slot.map(|i| series[i].1)
}

impl EmaSlots {
    pub fn resolve(input: &OrchestratorInput, sym: &SymbolInput) -> EmaSlots {
        let mut slots = EmaSlots::default();
        let m1: &EmaSeries = &sym.emas.m1;
        for pside in Pside::BOTH {
            let s = pside.index();
            let bp = &sym.side(pside).bot_params;
            let spans = [
                bp.ema_span_0,
                bp.ema_span_1,
                (bp.ema_span_0 * bp.ema_span_1).sqrt(),
            ];
            slots.close[s] = spans.map(|span| find_span(&m1.close, span));
            slots.volatility_1h[s] =
                find_span(&sym.emas.h1.log_range, bp.entry_volatility_ema_span_hours);
            let gp = input.global.global_bot_params.side(pside);
            slots.volume[s] = find_span(&m1.volume, gp.filter_volume_ema_span);
            slots.log_range[s] = find_span(&m1.log_range, gp.filter_volatility_ema_span);
        }
        slots
    }

    /// One entry per symbol, in symbol order.
    pub fn resolve_all(input: &OrchestratorInput) -> Vec<EmaSlots> {
        input
            .symbols
            .iter()
            .map(|sym| EmaSlots::resolve(input, sym))
            .collect()
    }
}
