//! Slot accounting (§10.4) and one-way mode blocking (§10.5): which symbols may open a new
//! position on each side.

use super::input::{lookup_ema, Mode, OrchestratorInput};
use super::{derive_indicators, min_cost_ok, side_enabled, EffectiveMode};
use crate::forager::{select_coin_indices, ForagerFeature};
use crate::types::Pside;

pub(crate) struct SideSlots {
    /// Symbols holding a slot on this side: every position, then forced-normal symbols, then
    /// the forager's picks, up to `effective_n_positions`.
    pub active: Vec<bool>,
    pub effective_n_positions: usize,
}

impl SideSlots {
    pub fn compute(
        input: &OrchestratorInput,
        modes: &[[EffectiveMode; 2]],
        pside: Pside,
    ) -> SideSlots {
        let n = input.symbols.len();
        let gp = input.global.global_bot_params.side(pside);
        let forced: Vec<usize> = input
            .symbols
            .iter()
            .filter(|s| s.side(pside).mode == Some(Mode::Normal))
            .map(|s| s.symbol_idx)
            .collect();
        let n_tradable = input.symbols.iter().filter(|s| s.tradable).count();
        let effective_n_positions = gp.n_positions.min(n_tradable).max(forced.len());
        let mut active: Vec<bool> = input
            .symbols
            .iter()
            .map(|s| s.side(pside).position.size != 0.0)
            .collect();
        let mut count = active.iter().filter(|&&a| a).count();
        if side_enabled(input, pside) && count < effective_n_positions {
            for &idx in &forced {
                if count >= effective_n_positions {
                    break;
                }
                if !active[idx] {
                    active[idx] = true;
                    count += 1;
                }
            }
            if count < effective_n_positions {
                let features: Vec<ForagerFeature> = input
                    .symbols
                    .iter()
                    .map(|s| ForagerFeature {
                        index: s.symbol_idx,
                        enabled: s.tradable
                            && modes[s.symbol_idx][pside.index()].allows_initial_entries()
                            && min_cost_ok(input, s, pside),
                        volume_score: lookup_ema(&s.emas.m1.volume, gp.filter_volume_ema_span)
                            .unwrap_or(0.0),
                        volatility_score: lookup_ema(
                            &s.emas.m1.log_range,
                            gp.filter_volatility_ema_span,
                        )
                        .unwrap_or(0.0),
                    })
                    .collect();
                let ranked = select_coin_indices(
                    &features,
                    effective_n_positions,
                    gp.filter_volume_drop_pct,
                    gp.filter_volatility_drop_pct,
                    true,
                );
                for idx in ranked {
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
        SideSlots {
            active,
            effective_n_positions,
        }
    }
}

/// One-way mode (§10.5): at most one side per symbol may hold or open a position.
/// Returns `[block_long_initial, block_short_initial]` per symbol.
pub(crate) fn one_way_blocks(
    input: &OrchestratorInput,
    modes: &[[EffectiveMode; 2]],
) -> Vec<[bool; 2]> {
    input
        .symbols
        .iter()
        .map(|sym| {
            if input.global.hedge_mode {
                return [false, false];
            }
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
                    let (Ok(long), Ok(short)) = (
                        derive_indicators(sym, Pside::Long),
                        derive_indicators(sym, Pside::Short),
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
        })
        .collect()
}
