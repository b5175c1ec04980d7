//! Slot accounting (§10.4) and one-way mode blocking (§10.5): which symbols may open a new
//! position on each side.

use super::ema_slots::{value_at, EmaSlots};
use super::input::{Mode, OrchestratorInput};
use super::{derive_indicators, min_cost_ok, side_enabled, EffectiveMode};
use crate::forager::{select_coin_indices_into, ForagerFeature};
use crate::types::Pside;

/// Buffers of the forager ranking, reused across calls.
#[derive(Debug, Default)]
pub(crate) struct ForagerScratch {
    forced: Vec<usize>,
    features: Vec<ForagerFeature>,
    candidates: Vec<ForagerFeature>,
    ranked: Vec<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct SideSlots {
    /// Symbols holding a slot on this side: every position, then forced-normal symbols, then
    /// the forager's picks, up to `effective_n_positions`.
    pub active: Vec<bool>,
    pub effective_n_positions: usize,
}

impl SideSlots {
    pub fn compute(
        &mut self,
        input: &OrchestratorInput,
        emas: &[EmaSlots],
        modes: &[[EffectiveMode; 2]],
        pside: Pside,
        scratch: &mut ForagerScratch,
    ) {
        let gp = input.global.global_bot_params.side(pside);
        let forced = &mut scratch.forced;
        forced.clear();
        forced.extend(
            input
                .symbols
                .iter()
                .filter(|s| s.side(pside).mode == Some(Mode::Normal))
                .map(|s| s.symbol_idx),
        );
        let n_tradable = input.symbols.iter().filter(|s| s.tradable).count();
        self.effective_n_positions = gp.n_positions.min(n_tradable).max(forced.len());
        let effective_n_positions = self.effective_n_positions;
        let active = &mut self.active;
        active.clear();
        active.extend(
            input
                .symbols
                .iter()
                .map(|s| s.side(pside).position.size != 0.0),
        );
        let mut count = active.iter().filter(|&&a| a).count();
        if !side_enabled(input, pside) || count >= effective_n_positions {
            return;
        }
        for &idx in forced.iter() {
            if count >= effective_n_positions {
                break;
            }
            if !active[idx] {
                active[idx] = true;
                count += 1;
            }
        }
        if count >= effective_n_positions {
            return;
        }
        let s = pside.index();
        scratch.features.clear();
        scratch
            .features
            .extend(input.symbols.iter().map(|sym| {
                ForagerFeature {
                    index: sym.symbol_idx,
                    enabled: sym.tradable
                        && modes[sym.symbol_idx][s].allows_initial_entries()
                        && min_cost_ok(input, sym, pside),
                    volume_score: value_at(&sym.emas.m1.volume, emas[sym.symbol_idx].volume[s])
                        .unwrap_or(0.0),
                    volatility_score: value_at(
                        &sym.emas.m1.log_range,
                        emas[sym.symbol_idx].log_range[s],
                    )
                    .unwrap_or(0.0),
                }
            }));
        select_coin_indices_into(
            &scratch.features,
            effective_n_positions,
            gp.filter_volume_drop_pct,
            gp.filter_volatility_drop_pct,
            true,
            &mut scratch.candidates,
            &mut scratch.ranked,
        );
        let n = input.symbols.len();
        for &idx in &scratch.ranked {
            if count >= effective_n_positions {
                break;
            }
            if idx < n && !active[idx] {
                active[idx] = true;
                count += 1;
            }
        }
    }
}

/// One-way mode (§10.5): at most one side per symbol may hold or open a position.
/// Fills `blocks` with `[block_long_initial, block_short_initial]` per symbol.
pub(crate) fn one_way_blocks(
    input: &OrchestratorInput,
    emas: &[EmaSlots],
    modes: &[[EffectiveMode; 2]],
    blocks: &mut Vec<[bool; 2]>,
) {
    blocks.clear();
    if input.global.hedge_mode {
        blocks.resize(input.symbols.len(), [false, false]);
        return;
    }
    blocks.extend(input.symbols.iter().map(|sym| {
        let has_long = sym.long.position.size != 0.0;
        let has_short = sym.short.position.size != 0.0;
        match (has_long, has_short) {
            (true, true) => return [true, true],
            (true, false) => return [false, true],
            (false, true) => return [true, false],
            (false, false) => {}
        }
        let can = |pside: Pside| {
            side_enabled(input, pside)
                && modes[sym.symbol_idx][pside.index()].allows_initial_entries()
        };
        match (can(Pside::Long), can(Pside::Short)) {
            (true, false) => [false, true],
            (false, true) => [true, false],
            (false, false) => [true, true],
            (true, true) => {
                let slots = &emas[sym.symbol_idx];
                let (Ok(long), Ok(short)) = (
                    derive_indicators(sym, slots, Pside::Long),
                    derive_indicators(sym, slots, Pside::Short),
                ) else {
                    return [false, false];
                };
                let dist_long = long.bands.lower
                    * (1.0 - sym.long.bot_params.entry_initial_ema_dist)
                    / sym.order_book.bid
                    - 1.0;
                let dist_short = 1.0
                    - short.bands.upper * (1.0 + sym.short.bot_params.entry_initial_ema_dist)
                        / sym.order_book.ask;
                if dist_long >= dist_short {
                    [false, true]
                } else {
                    [true, false]
                }
            }
        }
    }));
}
