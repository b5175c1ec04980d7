//! Input checks. The reference's own checks come first (same error names); then ours, which
//! refuse values the reference would silently turn into NaN orders (non-finite parameters,
//! positions with the wrong sign or no price, non-positive steps).

use super::error::OrchestratorError;
use super::input::OrchestratorInput;
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

pub(crate) fn validate(input: &OrchestratorInput) -> Result<(), OrchestratorError> {
    if !input.balance.is_finite() {
        return Err(OrchestratorError::NonFiniteInput {
            field: "balance",
            symbol_idx: None,
        });
    }
    for (pos, sym) in input.symbols.iter().enumerate() {
        if sym.symbol_idx != pos {
            return Err(OrchestratorError::NonContiguousSymbolIdx {
                pos,
                symbol_idx: sym.symbol_idx,
            });
        }
        let book = sym.order_book;
        if !(book.bid.is_finite() && book.bid > 0.0 && book.ask.is_finite() && book.ask > 0.0) {
            return Err(OrchestratorError::InvalidOrderBook { symbol_idx: pos });
        }
    }

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
    check_bot_params(
        &g.global_bot_params.long,
        || "global.global_bot_params.long".into(),
        None,
    )?;
    check_bot_params(
        &g.global_bot_params.short,
        || "global.global_bot_params.short".into(),
        None,
    )?;

    for (pos, sym) in input.symbols.iter().enumerate() {
        let at = Some(pos);
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
                    at,
                    format!("must be {allowed}, got {v}"),
                ));
            }
        }
        if !sym.effective_min_cost.is_finite() {
            return Err(invalid(
                format!("symbols[{pos}].effective_min_cost"),
                at,
                format!("must be finite, got {}", sym.effective_min_cost),
            ));
        }
        if let Some(c) = sym.next_candle {
            if !(c.low.is_finite() && c.high.is_finite()) {
                return Err(invalid(
                    format!("symbols[{pos}].next_candle"),
                    at,
                    format!(
                        "low and high must be finite, got low={} high={}",
                        c.low, c.high
                    ),
                ));
            }
        }
        for pside in Pside::BOTH {
            let side = sym.side(pside);
            let path = || format!("symbols[{pos}].{}", pside.as_str());
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
            check_bot_params(&side.bot_params, || format!("{}.bot_params", path()), at)?;
        }
    }
    Ok(())
}
