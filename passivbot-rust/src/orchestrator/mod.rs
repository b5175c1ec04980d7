//! The orchestrator (core spec §10): one state snapshot in, the complete ideal order set out.
//!
//! The live bot calls it every cycle (through JSON), the backtester every minute. It has no
//! hidden state. Steps, in the reference's order:
//! 1. validate; resolve each symbol/side's effective mode;
//! 2. slot accounting per side (positions, forced-normal symbols, forager) → who may open;
//! 3. per symbol/side: panic close, or entries and closes (next order or full grid);
//! 4. portfolio passes: unstuck, TWEL enforcer, trim closes to position, TWEL entry gate;
//! 5. ordering.

mod ema_slots;
pub mod error;
pub mod input;
mod ordering;
pub mod output;
mod slots;
#[cfg(test)]
mod tests;
mod trim;
mod validate;
mod workspace;

use crate::math::wel_with_allowance;
use crate::orders::memo::OrderMemo;
use crate::orders::{closes, entries};
use crate::risk::twel_enforcer::{calc_twel_enforcer_orders, TwelEnforcerPosition};
use crate::risk::twel_gate::{gate_entries_by_twel_into, GateEntry, GatePosition};
use crate::risk::unstuck::{calc_unstucking_close, UnstuckPosition};
use crate::types::{
    BotParams, EmaBands, ExchangeParams, Order, OrderKind, Position, Pside, StateParams,
    TrailingBundle,
};

pub use error::OrchestratorError;
pub use input::{Mode, OrchestratorInput, SymbolInput};
pub use output::{Diagnostics, IdealOrder, OrchestratorOutput, Warning};
pub(crate) use workspace::Workspace;

use ema_slots::value_at;
pub(crate) use ema_slots::EmaSlots;
pub(crate) use validate::{validate_balance, validate_dynamic, validate_static};

/// Mode after applying the side switch and the "graceful stop with a position" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EffectiveMode {
    Normal,
    GracefulStop,
    TpOnly,
    Panic,
    Manual,
}

impl EffectiveMode {
    fn allows_initial_entries(self) -> bool {
        self == EffectiveMode::Normal
    }
}

/// EMA bands and hourly volatility of one symbol/side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Indicators {
    pub bands: EmaBands,
    pub volatility_1h: f64,
}

/// Side-wide switch: TWEL > 0 and n_positions > 0 in the global params.
pub(crate) fn side_enabled(input: &OrchestratorInput, pside: Pside) -> bool {
    let gp = input.global.global_bot_params.side(pside);
    gp.total_wallet_exposure_limit > 0.0 && gp.n_positions > 0
}

pub(crate) fn effective_mode(
    input: &OrchestratorInput,
    sym: &SymbolInput,
    pside: Pside,
) -> EffectiveMode {
    if !side_enabled(input, pside) {
        return EffectiveMode::Manual;
    }
    let side = sym.side(pside);
    let has_position = side.position.size != 0.0;
    match side.mode {
        None | Some(Mode::Normal) => EffectiveMode::Normal,
        Some(Mode::GracefulStop) if has_position => EffectiveMode::Normal,
        Some(Mode::GracefulStop) => EffectiveMode::GracefulStop,
        Some(Mode::TpOnly) => EffectiveMode::TpOnly,
        Some(Mode::Panic) => EffectiveMode::Panic,
        Some(Mode::Manual) => EffectiveMode::Manual,
    }
}

/// Bands from the three close EMAs of the side and the 1h log-range EMA (§10.1, §10.2).
pub(crate) fn derive_indicators(
    sym: &SymbolInput,
    slots: &EmaSlots,
    pside: Pside,
) -> Result<Indicators, OrchestratorError> {
    let s = pside.index();
    let bp = &sym.side(pside).bot_params;
    let missing = || OrchestratorError::MissingEma {
        symbol_idx: sym.symbol_idx,
    };
    let mut upper = f64::NEG_INFINITY;
    let mut lower = f64::INFINITY;
    for slot in slots.close[s] {
        let v = value_at(&sym.emas.m1.close, slot).ok_or_else(missing)?;
        upper = upper.max(v);
        lower = lower.min(v);
    }
    if !(upper.is_finite() && lower.is_finite() && upper > 0.0 && lower > 0.0) {
        return Err(OrchestratorError::NonFiniteInput {
            field: "ema_bands",
            symbol_idx: Some(sym.symbol_idx),
        });
    }
    let volatility_1h = if bp.entry_volatility_ema_span_hours > 0.0 {
        value_at(&sym.emas.h1.log_range, slots.volatility_1h[s]).ok_or_else(missing)?
    } else {
        0.0
    };
    if !volatility_1h.is_finite() || volatility_1h < 0.0 {
        return Err(OrchestratorError::NonFiniteInput {
            field: "entry_volatility_logrange_ema_1h",
            symbol_idx: Some(sym.symbol_idx),
        });
    }
    Ok(Indicators {
        bands: EmaBands { upper, lower },
        volatility_1h,
    })
}

/// Minimum effective cost check (§8.6): may this symbol/side open an initial entry at all?
pub(crate) fn min_cost_ok(input: &OrchestratorInput, sym: &SymbolInput, pside: Pside) -> bool {
    if !input.global.filter_by_min_effective_cost {
        return true;
    }
    let balance = input.balance;
    if !(balance.is_finite() && balance > 0.0 && sym.effective_min_cost > 0.0) {
        return false;
    }
    let bp = &sym.side(pside).bot_params;
    balance
        * wel_with_allowance(bp.wallet_exposure_limit, bp.risk_we_excess_allowance_pct)
        * bp.entry_initial_qty_pct
        >= sym.effective_min_cost
}

/// Computes the ideal orders for the whole portfolio.
pub fn compute_ideal_orders(
    input: &OrchestratorInput,
) -> Result<OrchestratorOutput, OrchestratorError> {
    validate::validate(input)?;
    let emas = EmaSlots::resolve_all(input);
    let mut ws = Workspace::default();
    compute_into(input, &emas, &mut ws)?;
    Ok(OrchestratorOutput {
        orders: ws.orders,
        diagnostics: Diagnostics {
            warnings: ws.warnings,
        },
    })
}

/// The orchestrator on an input already validated by the caller, with the EMA positions
/// resolved (`emas[i]` for symbol `i`), into reusable buffers: the backtester's entry point.
/// The result is in `ws.orders` and `ws.warnings`; it is exactly [`compute_ideal_orders`]'s.
pub(crate) fn compute_into(
    input: &OrchestratorInput,
    emas: &[EmaSlots],
    ws: &mut Workspace,
) -> Result<(), OrchestratorError> {
    ws.reset(input.symbols.len());
    resolve_modes(input, ws);
    for pside in Pside::BOTH {
        ws.slots[pside.index()].compute(input, emas, &ws.modes, pside, &mut ws.forager);
    }
    slots::one_way_blocks(input, emas, &ws.modes, &mut ws.one_way_blocks);
    plan_symbol_orders(input, emas, ws)?;
    add_unstuck_close(input, emas, ws)?;
    add_twel_enforcer_closes(input, ws);
    // Closes never exceed the position.
    for sym in &input.symbols {
        for pside in Pside::BOTH {
            trim::trim_closes_to_position(
                &mut ws.plan[sym.symbol_idx][pside.index()].closes,
                pside,
                sym.side(pside).position.size,
                &sym.order_book,
                &sym.exchange,
            );
        }
    }
    gate_entries(input, ws);
    ordering::order_output(input, &mut ws.plan, &mut ws.orders);
    Ok(())
}

/// Effective mode of every symbol/side, and warnings for positions left alone.
fn resolve_modes(input: &OrchestratorInput, ws: &mut Workspace) {
    for sym in &input.symbols {
        for pside in Pside::BOTH {
            if sym.side(pside).position.size == 0.0 {
                continue;
            }
            let (symbol_idx, pside) = (sym.symbol_idx, pside);
            if !side_enabled(input, pside) {
                ws.warnings
                    .push(Warning::DisabledPsideHasPosition { symbol_idx, pside });
            }
            if !sym.tradable {
                ws.warnings
                    .push(Warning::NonTradableHasPosition { symbol_idx, pside });
            }
        }
        ws.modes.push([
            effective_mode(input, sym, Pside::Long),
            effective_mode(input, sym, Pside::Short),
        ]);
    }
}

/// Per symbol/side: the panic close, or entries and closes (§10.6).
fn plan_symbol_orders(
    input: &OrchestratorInput,
    emas: &[EmaSlots],
    ws: &mut Workspace,
) -> Result<(), OrchestratorError> {
    for sym in &input.symbols {
        let idx = sym.symbol_idx;
        for pside in Pside::BOTH {
            let s = pside.index();
            let mode = ws.modes[idx][s];
            let side = sym.side(pside);
            let has_position = side.position.size != 0.0;
            if mode == EffectiveMode::Panic {
                ws.plan[idx][s].closes.extend(panic_close(sym, pside));
                continue;
            }
            let allow_initial = ws.slots[s].active[idx]
                && !ws.one_way_blocks[idx][s]
                && min_cost_ok(input, sym, pside);
            let want_entries = mode.allows_initial_entries() && (has_position || allow_initial);
            let want_closes =
                matches!(mode, EffectiveMode::Normal | EffectiveMode::TpOnly) && has_position;
            if !want_entries && !want_closes {
                continue;
            }
            let ind = derive_indicators(sym, &emas[idx], pside)?;
            ws.indicators[idx][s] = Some(ind);
            let state = StateParams {
                balance: input.balance,
                order_book: sym.order_book,
                ema_bands: ind.bands,
                entry_volatility_logrange_ema_1h: ind.volatility_1h,
            };
            let out = &mut ws.plan[idx][s];
            let memos = &mut ws.memos[idx][s];
            if want_entries {
                generate(
                    input,
                    sym,
                    pside,
                    &state,
                    Generator::Entries,
                    &mut memos.entries,
                    &mut out.entries,
                );
            }
            if want_closes {
                generate(
                    input,
                    sym,
                    pside,
                    &state,
                    Generator::Closes,
                    &mut memos.closes,
                    &mut out.closes,
                );
            }
        }
    }
    Ok(())
}

/// Unstuck: at most one close for the whole portfolio.
fn add_unstuck_close(
    input: &OrchestratorInput,
    emas: &[EmaSlots],
    ws: &mut Workspace,
) -> Result<(), OrchestratorError> {
    for sym in &input.symbols {
        for pside in Pside::BOTH {
            let s = pside.index();
            let mode = ws.modes[sym.symbol_idx][s];
            let side = sym.side(pside);
            let bp = &side.bot_params;
            if !side_enabled(input, pside)
                || matches!(mode, EffectiveMode::Manual | EffectiveMode::Panic)
                || side.position.size == 0.0
                || bp.unstuck_loss_allowance_pct <= 0.0
                || bp.unstuck_close_pct <= 0.0
                || bp.unstuck_threshold <= 0.0
            {
                continue;
            }
            let ind = match ws.indicators[sym.symbol_idx][s] {
                Some(ind) => ind,
                None => {
                    let ind = derive_indicators(sym, &emas[sym.symbol_idx], pside)?;
                    ws.indicators[sym.symbol_idx][s] = Some(ind);
                    ind
                }
            };
            ws.unstuck.push(UnstuckPosition {
                idx: sym.symbol_idx,
                pside,
                position_size: side.position.size,
                position_price: side.position.price,
                wallet_exposure_limit: bp.wallet_exposure_limit,
                risk_we_excess_allowance_pct: bp.risk_we_excess_allowance_pct,
                unstuck_threshold: bp.unstuck_threshold,
                unstuck_close_pct: bp.unstuck_close_pct,
                unstuck_ema_dist: bp.unstuck_ema_dist,
                ema_band_upper: ind.bands.upper,
                ema_band_lower: ind.bands.lower,
                current_price: match pside {
                    Pside::Long => sym.order_book.ask,
                    Pside::Short => sym.order_book.bid,
                },
                exchange: sym.exchange,
            });
        }
    }
    if let Some((idx, pside, order)) = calc_unstucking_close(
        input.balance,
        input.global.unstuck_allowance_long,
        input.global.unstuck_allowance_short,
        &ws.unstuck,
    ) {
        ws.plan[idx][pside.index()].closes.push(order);
    }
    Ok(())
}

/// TWEL enforcer per enabled side, on positions without a WEL auto-reduce close.
fn add_twel_enforcer_closes(input: &OrchestratorInput, ws: &mut Workspace) {
    for pside in Pside::BOTH {
        if !side_enabled(input, pside) {
            continue;
        }
        let s = pside.index();
        let gp = input.global.global_bot_params.side(pside);
        let wel_order = OrderKind::CloseAutoReduceWel.for_side(pside);
        ws.enforcer.clear();
        for sym in &input.symbols {
            let idx = sym.symbol_idx;
            let side = sym.side(pside);
            if matches!(
                ws.modes[idx][s],
                EffectiveMode::Manual | EffectiveMode::Panic
            ) || side.position.size == 0.0
                || ws.plan[idx][s]
                    .closes
                    .iter()
                    .any(|o| o.order_type == wel_order)
            {
                continue;
            }
            ws.enforcer.push(TwelEnforcerPosition {
                idx,
                position_size: side.position.size,
                position_price: side.position.price,
                market_price: match pside {
                    Pside::Long => sym.order_book.bid,
                    Pside::Short => sym.order_book.ask,
                },
                base_wallet_exposure_limit: side.bot_params.wallet_exposure_limit,
                exchange: sym.exchange,
            });
        }
        let orders = calc_twel_enforcer_orders(
            pside,
            gp.risk_twel_enforcer_threshold,
            gp.total_wallet_exposure_limit,
            ws.slots[s].effective_n_positions,
            input.balance,
            &ws.enforcer,
            None,
        );
        for (idx, order) in orders {
            ws.plan[idx][s].closes.push(order);
        }
    }
}

/// TWEL entry gate per side over all entries of that side (symbol order, then generation order).
fn gate_entries(input: &OrchestratorInput, ws: &mut Workspace) {
    for pside in Pside::BOTH {
        let s = pside.index();
        if !side_enabled(input, pside) {
            for sides in ws.plan.iter_mut() {
                sides[s].entries.clear();
            }
            continue;
        }
        let gp = input.global.global_bot_params.side(pside);
        ws.gate_positions.clear();
        ws.gate_positions.extend(
            input
                .symbols
                .iter()
                .filter(|sym| sym.side(pside).position.size != 0.0)
                .map(|sym| GatePosition {
                    idx: sym.symbol_idx,
                    size: sym.side(pside).position.size,
                    price: sym.side(pside).position.price,
                    c_mult: sym.exchange.c_mult,
                }),
        );
        ws.gate_entries.clear();
        for sym in &input.symbols {
            let market_price = match pside {
                Pside::Long => sym.order_book.bid,
                Pside::Short => sym.order_book.ask,
            };
            for order in ws.plan[sym.symbol_idx][s].entries.drain(..) {
                ws.gate_entries.push(GateEntry {
                    idx: sym.symbol_idx,
                    order,
                    exchange: sym.exchange,
                    market_price,
                });
            }
        }
        if ws.gate_entries.is_empty() {
            continue;
        }
        gate_entries_by_twel_into(
            pside,
            input.balance,
            gp.total_wallet_exposure_limit,
            &ws.gate_positions,
            &ws.gate_entries,
            &mut ws.gate,
            &mut ws.gated,
        );
        for &(idx, order) in &ws.gated {
            ws.plan[idx][s].entries.push(order);
        }
    }
}

/// JSON in, JSON out: the live bot's entry point (`compute_ideal_orders_json`).
pub fn compute_ideal_orders_json(input_json: &str) -> Result<String, String> {
    let input: OrchestratorInput = serde_json::from_str(input_json)
        .map_err(|e| format!("failed to parse OrchestratorInput JSON: {e}"))?;
    let output = compute_ideal_orders(&input).map_err(|e| e.to_string())?;
    serde_json::to_string(&output)
        .map_err(|e| format!("failed to serialise orchestrator output: {e}"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Generator {
    Entries,
    Closes,
}

/// Next order only, or the full grid/ladder (§10.6), into `out` (empty on entry). Live (no
/// hints, no next candle) always gets the full list; the backtester expands only when the next
/// order would fill in the next candle; peek hints name the symbols to expand. Orders come
/// through the symbol/side's memo (identical to a fresh computation, see `orders::memo`).
fn generate(
    input: &OrchestratorInput,
    sym: &SymbolInput,
    pside: Pside,
    state: &StateParams,
    which: Generator,
    memo: &mut OrderMemo,
    out: &mut Vec<Order>,
) {
    let side = sym.side(pside);
    type NextFn = fn(
        Pside,
        &ExchangeParams,
        &StateParams,
        &BotParams,
        &Position,
        &TrailingBundle,
        &mut OrderMemo,
    ) -> Order;
    type FullFn = fn(
        Pside,
        &ExchangeParams,
        &StateParams,
        &BotParams,
        &Position,
        &TrailingBundle,
        &mut OrderMemo,
        &mut Vec<Order>,
    );
    let (next, full): (NextFn, FullFn) = match which {
        Generator::Entries => (
            entries::calc_next_entry_memo,
            entries::calc_entries_into_memo,
        ),
        Generator::Closes => (closes::calc_next_close_memo, closes::calc_closes_into_memo),
    };
    let call_next = |memo: &mut OrderMemo| {
        next(
            pside,
            &sym.exchange,
            state,
            &side.bot_params,
            &side.position,
            &side.trailing,
            memo,
        )
    };
    let call_full = |memo: &mut OrderMemo, out: &mut Vec<Order>| {
        full(
            pside,
            &sym.exchange,
            state,
            &side.bot_params,
            &side.position,
            &side.trailing,
            memo,
            out,
        )
    };
    if let Some(hints) = &input.peek_hints {
        let expand = match which {
            Generator::Entries => hints.expand_grid(pside, sym.symbol_idx),
            Generator::Closes => hints.expand_close(pside, sym.symbol_idx),
        };
        if expand {
            call_full(memo, out);
        } else {
            out.push(call_next(memo));
        }
    } else if let Some(candle) = &sym.next_candle {
        let order = call_next(memo);
        let fills_next = (order.qty > 0.0 && candle.low < order.price)
            || (order.qty < 0.0 && candle.high > order.price);
        if candle.tradable && fills_next {
            call_full(memo, out);
        } else {
            out.push(order);
        }
    } else {
        call_full(memo, out);
    }
    out.retain(|o| o.qty != 0.0);
}

/// Close the whole position one tick through the market (§10.8).
fn panic_close(sym: &SymbolInput, pside: Pside) -> Option<Order> {
    let size = sym.side(pside).position.size;
    if size == 0.0 {
        return None;
    }
    let step = sym.exchange.price_step;
    let (qty, price) = match pside {
        Pside::Long => (-size.abs(), sym.order_book.ask - step),
        Pside::Short => (size.abs(), sym.order_book.bid + step),
    };
    if !(price.is_finite() && price > 0.0) {
        return None;
    }
    Some(Order::new(
        qty,
        price,
        OrderKind::ClosePanic.for_side(pside),
    ))
}
