//! Input checks. The reference's own checks come first (same error names); then ours, which
//! refuse values the reference would silently turn into NaN orders (non-finite parameters,
//! positions with the wrong sign or no price, non-positive steps).

use super::error::OrchestratorError;
use super::input::{OrchestratorInput, SymbolInput};
use crate::types::{BotParams, Pside};

fn invalid(field: String, symbol_idx: Option<usize>, reason: String) -> OrchestratorError {
    OrchestratorError::InvalidInput {
        field,
        symbol_idx,
        reason,
    }
}

/// `path` is only built when a value is bad: this runs every minute of a backtest.
fn check_bot_params(
    bp: &BotParams,
    path: impl Fn() -> String,
    symbol_idx: Option<usize>,
) -> Result<(), OrchestratorError> {
    if bp.float_fields().iter().all(|(_, v)| v.is_finite()) {
        return Ok(());
    }
    let key = bp.first_non_finite().unwrap_or("?");
    Err(invalid(
        format!("{}.{key}", path()),
        symbol_idx,
        "must be a finite number".into(),
    ))
}

/// Every check, in the reference's order: the public entry points call this on each input.
pub(crate) fn validate(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    check_balance(input)?;
    check_books(input)?;
    check_allowances(input)?;
    check_global_params(input)?;
    for (pos, sym) in input.symbols.iter().enumerate() {
        check_exchange(pos, sym)?;
        check_effective_min_cost(pos, sym)?;
        check_next_candle(pos, sym)?;
        for pside in Pside::BOTH {
            check_side_state(pos, sym, pside)?;
            check_side_params(pos, sym, pside)?;
        }
    }
    Ok(())
}

/// The checks of values a backtest never changes (symbol order, exchange and bot parameters):
/// the engine runs them once at construction. Its per-minute changes to the bot parameters
/// (dynamic WEL = TWEL / n, finite) keep them valid.
pub(crate) fn validate_static(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    for (pos, sym) in input.symbols.iter().enumerate() {
        check_symbol_idx(pos, sym)?;
    }
    check_global_params(input)?;
    for (pos, sym) in input.symbols.iter().enumerate() {
        check_exchange(pos, sym)?;
        for pside in Pside::BOTH {
            check_side_params(pos, sym, pside)?;
        }
    }
    Ok(())
}

/// The checks of values that change every minute of a backtest (balance, books, allowances,
/// positions, trailing bundles): cheap scalar tests, run on every call.
pub(crate) fn validate_dynamic(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    if dynamic_values_ok(input) {
        return Ok(());
    }
    // Something is wrong: the ordered checks below name the first bad value.
    check_balance(input)?;
    check_books(input)?;
    check_allowances(input)?;
    for (pos, sym) in input.symbols.iter().enumerate() {
        check_effective_min_cost(pos, sym)?;
        check_next_candle(pos, sym)?;
        for pside in Pside::BOTH {
            check_side_state(pos, sym, pside)?;
        }
    }
    Ok(())
}

/// One pass of plain comparisons that accepts exactly what the ordered checks of
/// [`validate_dynamic`] accept (same conditions, no error building): the common case.
fn dynamic_values_ok(input: &OrchestratorInput) -> bool {
    let g = &input.global;
    let finite = |v: f64| v.is_finite();
    finite(input.balance)
        && finite(g.unstuck_allowance_long)
        && finite(g.unstuck_allowance_short)
        && input.symbols.iter().enumerate().all(|(pos, sym)| {
            let book = sym.order_book;
            sym.symbol_idx == pos
                && finite(book.bid)
                && book.bid > 0.0
                && finite(book.ask)
                && book.ask > 0.0
                && finite(sym.effective_min_cost)
                && sym
                    .next_candle
                    .is_none_or(|c| finite(c.low) && finite(c.high))
                && Pside::BOTH.iter().all(|&pside| {
                    let side = sym.side(pside);
                    let (p, t) = (side.position, side.trailing);
                    finite(p.size)
                        && finite(p.price)
                        && p.size * pside.sign() >= 0.0
                        && !(p.size != 0.0 && p.price <= 0.0)
                        && !(t.min_since_open.is_nan()
                            || t.max_since_min.is_nan()
                            || t.max_since_open.is_nan()
                            || t.min_since_max.is_nan())
                })
        })
}

/// Balance and unstuck allowances only (what a BTC re-mark changes), with the same errors.
pub(crate) fn validate_balance(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    check_balance(input)?;
    check_allowances(input)
}

fn check_balance(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    if !input.balance.is_finite() {
        return Err(OrchestratorError::NonFiniteInput {
            field: "balance",
            symbol_idx: None,
        });
    }
    Ok(())
}

fn check_symbol_idx(pos: usize, sym: &SymbolInput) -> Result<(), OrchestratorError> {
    if sym.symbol_idx != pos {
        return Err(OrchestratorError::NonContiguousSymbolIdx {
            pos,
            symbol_idx: sym.symbol_idx,
        });
    }
    Ok(())
}

/// Symbol indices are positions, and every book has positive finite prices.
fn check_books(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    for (pos, sym) in input.symbols.iter().enumerate() {
        check_symbol_idx(pos, sym)?;
        let book = sym.order_book;
        if !(book.bid.is_finite() && book.bid > 0.0 && book.ask.is_finite() && book.ask > 0.0) {
            return Err(OrchestratorError::InvalidOrderBook { symbol_idx: pos });
        }
    }
    Ok(())
}

fn check_allowances(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    let g = &input.global;
    for (name, v) in [
        ("global.unstuck_allowance_long", g.unstuck_allowance_long),
        ("global.unstuck_allowance_short", g.unstuck_allowance_short),
    ] {
        if !v.is_finite() {
            return Err(invalid(
                name.into(),
                None,
                format!("must be a finite number, got {v}"),
            ));
        }
    }
    Ok(())
}

fn check_global_params(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    let g = &input.global;
    check_bot_params(
        &g.global_bot_params.long,
        || "global.global_bot_params.long".into(),
        None,
    )?;
    check_bot_params(
        &g.global_bot_params.short,
        || "global.global_bot_params.short".into(),
        None,
    )
}

fn check_exchange(pos: usize, sym: &SymbolInput) -> Result<(), OrchestratorError> {
    let ex = sym.exchange;
    for (name, v, strictly_positive) in [
        ("qty_step", ex.qty_step, true),
        ("price_step", ex.price_step, true),
        ("c_mult", ex.c_mult, true),
        ("min_qty", ex.min_qty, false),
        ("min_cost", ex.min_cost, false),
    ] {
        let ok = v.is_finite() && if strictly_positive { v > 0.0 } else { v >= 0.0 };
        if !ok {
            let allowed = if strictly_positive {
                "finite and > 0"
            } else {
                "finite and >= 0"
            };
            return Err(invalid(
                format!("symbols[{pos}].exchange.{name}"),
                Some(pos),
                format!("must be {allowed}, got {v}"),
            ));
        }
    }
    Ok(())
}

fn check_effective_min_cost(pos: usize, sym: &SymbolInput) -> Result<(), OrchestratorError> {
    if !sym.effective_min_cost.is_finite() {
        return Err(invalid(
            format!("symbols[{pos}].effective_min_cost"),
            Some(pos),
            format!("must be finite, got {}", sym.effective_min_cost),
        ));
    }
    Ok(())
}

fn check_next_candle(pos: usize, sym: &SymbolInput) -> Result<(), OrchestratorError> {
    if let Some(c) = sym.next_candle {
        if !(c.low.is_finite() && c.high.is_finite()) {
            return Err(invalid(
                format!("symbols[{pos}].next_candle"),
                Some(pos),
                format!(
                    "low and high must be finite, got low={} high={}",
                    c.low, c.high
                ),
            ));
        }
    }
    Ok(())
}

fn side_path(pos: usize, pside: Pside) -> String {
    format!("symbols[{pos}].{}", pside.as_str())
}

/// Position (finite, right sign, priced when open) and trailing bundle (no NaN).
fn check_side_state(pos: usize, sym: &SymbolInput, pside: Pside) -> Result<(), OrchestratorError> {
    let at = Some(pos);
    let side = sym.side(pside);
    let path = || side_path(pos, pside);
    let p = side.position;
    if !(p.size.is_finite() && p.price.is_finite()) {
        return Err(invalid(
            format!("{}.position", path()),
            at,
            format!(
                "size and price must be finite, got size={} price={}",
                p.size, p.price
            ),
        ));
    }
    if p.size * pside.sign() < 0.0 {
        return Err(invalid(
            format!("{}.position.size", path()),
            at,
            format!(
                "a {} position size must be {} 0, got {}",
                pside.as_str(),
                if pside == Pside::Long { ">=" } else { "<=" },
                p.size
            ),
        ));
    }
    if p.size != 0.0 && p.price <= 0.0 {
        return Err(invalid(
            format!("{}.position.price", path()),
            at,
            format!("must be > 0 for an open position, got {}", p.price),
        ));
    }
    let t = side.trailing;
    if [
        t.min_since_open,
        t.max_since_min,
        t.max_since_open,
        t.min_since_max,
    ]
    .iter()
    .any(|v| v.is_nan())
    {
        return Err(invalid(
            format!("{}.trailing", path()),
            at,
            "trailing bundle values must not be NaN".into(),
        ));
    }
    Ok(())
}

fn check_side_params(pos: usize, sym: &SymbolInput, pside: Pside) -> Result<(), OrchestratorError> {
    check_bot_params(
        &sym.side(pside).bot_params,
        || format!("{}.bot_params", side_path(pos, pside)),
        Some(pos),
    )
}
