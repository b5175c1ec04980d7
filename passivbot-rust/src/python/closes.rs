//! Bindings for the closes functions (`calc_next_close_{long,short}_py`,
//! `calc_closes_{long,short}_py`): flat float arguments in the reference's positional order.
//!
//! The structs are built with every field the signature does not take set to 0: the long
//! wrappers have `bid = 0` (so the WEL auto-reduce prices at the ask), the short ones `ask = 0`.
//! Unlike the reference (which would propagate NaN), any non-finite argument is rejected.

use pyo3::prelude::*;

use super::convert::check_finite;

use crate::orders::closes;
use crate::types::{
    BotParams, ExchangeParams, OrderBook, Position, Pside, StateParams, TrailingBundle,
};

/// Everything one close call needs, built from the flat arguments.
struct CloseInputs {
    pside: Pside,
    exchange: ExchangeParams,
    state: StateParams,
    bot: BotParams,
    position: Position,
    trailing: TrailingBundle,
}

/// Names of the 23 arguments, in positional order; the last is the side's order-book price.
const ARG_NAMES_LONG: [&str; 23] = arg_names("order_book_ask");
const ARG_NAMES_SHORT: [&str; 23] = arg_names("order_book_bid");

const fn arg_names(market: &'static str) -> [&'static str; 23] {
    [
        "qty_step",
        "price_step",
        "min_qty",
        "min_cost",
        "c_mult",
        "close_grid_markup_end",
        "close_grid_markup_start",
        "close_grid_qty_pct",
        "close_trailing_grid_ratio",
        "close_trailing_qty_pct",
        "close_trailing_retracement_pct",
        "close_trailing_threshold_pct",
        "wallet_exposure_limit",
        "risk_we_excess_allowance_pct",
        "risk_wel_enforcer_threshold",
        "balance",
        "position_size",
        "position_price",
        "min_since_open",
        "max_since_min",
        "max_since_open",
        "min_since_max",
        market,
    ]
}

impl CloseInputs {
    fn new(fn_name: &str, pside: Pside, v: [f64; 23]) -> PyResult<Self> {
        let names = match pside {
            Pside::Long => &ARG_NAMES_LONG,
            Pside::Short => &ARG_NAMES_SHORT,
        };
        let named: Vec<(&str, f64)> = names.iter().copied().zip(v).collect();
        check_finite(fn_name, &named)?;
        let order_book = match pside {
            Pside::Long => OrderBook {
                bid: 0.0,
                ask: v[22],
            },
            Pside::Short => OrderBook {
                bid: v[22],
                ask: 0.0,
            },
        };
        Ok(CloseInputs {
            pside,
            exchange: ExchangeParams {
                qty_step: v[0],
                price_step: v[1],
                min_qty: v[2],
                min_cost: v[3],
                c_mult: v[4],
            },
            bot: BotParams {
                close_grid_markup_end: v[5],
                close_grid_markup_start: v[6],
                close_grid_qty_pct: v[7],
                close_trailing_grid_ratio: v[8],
                close_trailing_qty_pct: v[9],
                close_trailing_retracement_pct: v[10],
                close_trailing_threshold_pct: v[11],
                wallet_exposure_limit: v[12],
                risk_we_excess_allowance_pct: v[13],
                risk_wel_enforcer_threshold: v[14],
                ..BotParams::default()
            },
            state: StateParams {
                balance: v[15],
                order_book,
                ..StateParams::default()
            },
            position: Position {
                size: v[16],
                price: v[17],
            },
            trailing: TrailingBundle {
                min_since_open: v[18],
                max_since_min: v[19],
                max_since_open: v[20],
                min_since_max: v[21],
            },
        })
    }

    fn next_close(&self) -> (f64, f64, &'static str) {
        let o = closes::calc_next_close(
            self.pside,
            &self.exchange,
            &self.state,
            &self.bot,
            &self.position,
            &self.trailing,
        );
        (o.qty, o.price, o.order_type.as_snake())
    }

    fn closes(&self) -> Vec<(f64, f64, u16)> {
        closes::calc_closes(
            self.pside,
            &self.exchange,
            &self.state,
            &self.bot,
            &self.position,
            &self.trailing,
        )
        .into_iter()
        .map(|o| (o.qty, o.price, o.order_type.id()))
        .collect()
    }
}

/// Defines one flat wrapper; `$market` is the name of the last argument (the side's book price).
macro_rules! close_wrapper {
    ($name:ident, $pside:expr, $market:ident, $method:ident -> $ret:ty) => {
        #[pyfunction]
        #[allow(
            clippy::too_many_arguments,
            reason = "flat positional signature of the reference API"
        )]
        fn $name(
            qty_step: f64,
            price_step: f64,
            min_qty: f64,
            min_cost: f64,
            c_mult: f64,
            close_grid_markup_end: f64,
            close_grid_markup_start: f64,
            close_grid_qty_pct: f64,
            close_trailing_grid_ratio: f64,
            close_trailing_qty_pct: f64,
            close_trailing_retracement_pct: f64,
            close_trailing_threshold_pct: f64,
            wallet_exposure_limit: f64,
            risk_we_excess_allowance_pct: f64,
            risk_wel_enforcer_threshold: f64,
            balance: f64,
            position_size: f64,
            position_price: f64,
            min_since_open: f64,
            max_since_min: f64,
            max_since_open: f64,
            min_since_max: f64,
            $market: f64,
        ) -> PyResult<$ret> {
            let inputs = CloseInputs::new(
                stringify!($name),
                $pside,
                [
                    qty_step,
                    price_step,
                    min_qty,
                    min_cost,
                    c_mult,
                    close_grid_markup_end,
                    close_grid_markup_start,
                    close_grid_qty_pct,
                    close_trailing_grid_ratio,
                    close_trailing_qty_pct,
                    close_trailing_retracement_pct,
                    close_trailing_threshold_pct,
                    wallet_exposure_limit,
                    risk_we_excess_allowance_pct,
                    risk_wel_enforcer_threshold,
                    balance,
                    position_size,
                    position_price,
                    min_since_open,
                    max_since_min,
                    max_since_open,
                    min_since_max,
                    $market,
                ],
            )?;
            Ok(inputs.$method())
        }
    };
}

close_wrapper!(calc_next_close_long_py, Pside::Long, order_book_ask, next_close -> (f64, f64, &'static str));
close_wrapper!(calc_next_close_short_py, Pside::Short, order_book_bid, next_close -> (f64, f64, &'static str));
close_wrapper!(calc_closes_long_py, Pside::Long, order_book_ask, closes -> Vec<(f64, f64, u16)>);
close_wrapper!(calc_closes_short_py, Pside::Short, order_book_bid, closes -> Vec<(f64, f64, u16)>);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(calc_next_close_long_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_next_close_short_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_closes_long_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_closes_short_py, m)?)?;
    Ok(())
}
