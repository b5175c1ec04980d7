//! Bindings for the entries functions: the reference's flat 31-float signatures (golden README
//! §2.1). Fields a wrapper does not take are 0 (long: `ask`, `ema_bands.upper`; short: `bid`,
//! `ema_bands.lower`; bot params outside the signature). Non-finite arguments are rejected.

use pyo3::prelude::*;

use super::convert::check_finite;

use crate::orders::entries::{calc_entries, calc_next_entry};
use crate::types::{
    BotParams, EmaBands, ExchangeParams, Order, OrderBook, Position, Pside, StateParams,
    TrailingBundle,
};

/// The 31 arguments, side-neutral: `ema_band` is the lower band (long) or upper band (short),
/// `book_price` the bid (long) or ask (short).
struct FlatEntryArgs {
    qty_step: f64,
    price_step: f64,
    min_qty: f64,
    min_cost: f64,
    c_mult: f64,
    entry_grid_double_down_factor: f64,
    entry_grid_spacing_volatility_weight: f64,
    entry_grid_spacing_we_weight: f64,
    entry_grid_spacing_pct: f64,
    entry_initial_ema_dist: f64,
    entry_initial_qty_pct: f64,
    entry_trailing_double_down_factor: f64,
    entry_trailing_grid_ratio: f64,
    entry_trailing_retracement_pct: f64,
    entry_trailing_retracement_we_weight: f64,
    entry_trailing_retracement_volatility_weight: f64,
    entry_trailing_threshold_pct: f64,
    entry_trailing_threshold_we_weight: f64,
    entry_trailing_threshold_volatility_weight: f64,
    wallet_exposure_limit: f64,
    risk_we_excess_allowance_pct: f64,
    balance: f64,
    position_size: f64,
    position_price: f64,
    min_since_open: f64,
    max_since_min: f64,
    max_since_open: f64,
    min_since_max: f64,
    ema_band: f64,
    entry_volatility_logrange_ema_1h: f64,
    book_price: f64,
}

/// Inputs of `calc_next_entry` / `calc_entries`.
struct EntryInputs {
    pside: Pside,
    exchange: ExchangeParams,
    state: StateParams,
    bot: BotParams,
    position: Position,
    trailing: TrailingBundle,
}

impl FlatEntryArgs {
    /// Every argument with its Python name, in signature order.
    fn named(&self, pside: Pside) -> [(&'static str, f64); 31] {
        let (band_name, book_name) = match pside {
            Pside::Long => ("ema_bands_lower", "order_book_bid"),
            Pside::Short => ("ema_bands_upper", "order_book_ask"),
        };
        [
            ("qty_step", self.qty_step),
            ("price_step", self.price_step),
            ("min_qty", self.min_qty),
            ("min_cost", self.min_cost),
            ("c_mult", self.c_mult),
            (
                "entry_grid_double_down_factor",
                self.entry_grid_double_down_factor,
            ),
            (
                "entry_grid_spacing_volatility_weight",
                self.entry_grid_spacing_volatility_weight,
            ),
            (
                "entry_grid_spacing_we_weight",
                self.entry_grid_spacing_we_weight,
            ),
            ("entry_grid_spacing_pct", self.entry_grid_spacing_pct),
            ("entry_initial_ema_dist", self.entry_initial_ema_dist),
            ("entry_initial_qty_pct", self.entry_initial_qty_pct),
            (
                "entry_trailing_double_down_factor",
                self.entry_trailing_double_down_factor,
            ),
            ("entry_trailing_grid_ratio", self.entry_trailing_grid_ratio),
            (
                "entry_trailing_retracement_pct",
                self.entry_trailing_retracement_pct,
            ),
            (
                "entry_trailing_retracement_we_weight",
                self.entry_trailing_retracement_we_weight,
            ),
            (
                "entry_trailing_retracement_volatility_weight",
                self.entry_trailing_retracement_volatility_weight,
            ),
            (
                "entry_trailing_threshold_pct",
                self.entry_trailing_threshold_pct,
            ),
            (
                "entry_trailing_threshold_we_weight",
                self.entry_trailing_threshold_we_weight,
            ),
            (
                "entry_trailing_threshold_volatility_weight",
                self.entry_trailing_threshold_volatility_weight,
            ),
            ("wallet_exposure_limit", self.wallet_exposure_limit),
            (
                "risk_we_excess_allowance_pct",
                self.risk_we_excess_allowance_pct,
            ),
            ("balance", self.balance),
            ("position_size", self.position_size),
            ("position_price", self.position_price),
            ("min_since_open", self.min_since_open),
            ("max_since_min", self.max_since_min),
            ("max_since_open", self.max_since_open),
            ("min_since_max", self.min_since_max),
            (band_name, self.ema_band),
            (
                "entry_volatility_logrange_ema_1h",
                self.entry_volatility_logrange_ema_1h,
            ),
            (book_name, self.book_price),
        ]
    }

    /// Rejects non-finite arguments, then builds the structs with every other field at 0.
    fn into_inputs(self, fn_name: &str, pside: Pside) -> PyResult<EntryInputs> {
        check_finite(fn_name, &self.named(pside))?;
        let (order_book, ema_bands) = match pside {
            Pside::Long => (
                OrderBook {
                    bid: self.book_price,
                    ask: 0.0,
                },
                EmaBands {
                    upper: 0.0,
                    lower: self.ema_band,
                },
            ),
            Pside::Short => (
                OrderBook {
                    bid: 0.0,
                    ask: self.book_price,
                },
                EmaBands {
                    upper: self.ema_band,
                    lower: 0.0,
                },
            ),
        };
        Ok(EntryInputs {
            pside,
            exchange: ExchangeParams {
                qty_step: self.qty_step,
                price_step: self.price_step,
                min_qty: self.min_qty,
                min_cost: self.min_cost,
                c_mult: self.c_mult,
            },
            state: StateParams {
                balance: self.balance,
                order_book,
                ema_bands,
                entry_volatility_logrange_ema_1h: self.entry_volatility_logrange_ema_1h,
            },
            bot: BotParams {
                entry_grid_double_down_factor: self.entry_grid_double_down_factor,
                entry_grid_spacing_volatility_weight: self.entry_grid_spacing_volatility_weight,
                entry_grid_spacing_we_weight: self.entry_grid_spacing_we_weight,
                entry_grid_spacing_pct: self.entry_grid_spacing_pct,
                entry_initial_ema_dist: self.entry_initial_ema_dist,
                entry_initial_qty_pct: self.entry_initial_qty_pct,
                entry_trailing_double_down_factor: self.entry_trailing_double_down_factor,
                entry_trailing_grid_ratio: self.entry_trailing_grid_ratio,
                entry_trailing_retracement_pct: self.entry_trailing_retracement_pct,
                entry_trailing_retracement_we_weight: self.entry_trailing_retracement_we_weight,
                entry_trailing_retracement_volatility_weight: self
                    .entry_trailing_retracement_volatility_weight,
                entry_trailing_threshold_pct: self.entry_trailing_threshold_pct,
                entry_trailing_threshold_we_weight: self.entry_trailing_threshold_we_weight,
                entry_trailing_threshold_volatility_weight: self
                    .entry_trailing_threshold_volatility_weight,
                wallet_exposure_limit: self.wallet_exposure_limit,
                risk_we_excess_allowance_pct: self.risk_we_excess_allowance_pct,
                ..BotParams::default()
            },
            position: Position {
                size: self.position_size,
                price: self.position_price,
            },
            trailing: TrailingBundle {
                min_since_open: self.min_since_open,
                max_since_min: self.max_since_min,
                max_since_open: self.max_since_open,
                min_since_max: self.min_since_max,
            },
        })
    }
}

fn next_entry_tuple(i: EntryInputs) -> (f64, f64, &'static str) {
    let o: Order = calc_next_entry(
        i.pside,
        &i.exchange,
        &i.state,
        &i.bot,
        &i.position,
        &i.trailing,
    );
    (o.qty, o.price, o.order_type.as_snake())
}

fn entries_list(i: EntryInputs) -> Vec<(f64, f64, u16)> {
    calc_entries(
        i.pside,
        &i.exchange,
        &i.state,
        &i.bot,
        &i.position,
        &i.trailing,
    )
    .into_iter()
    .map(|o| (o.qty, o.price, o.order_type.id()))
    .collect()
}

/// Defines one flat wrapper; `$band` and `$book` are the side-specific argument names.
macro_rules! flat_entry_fn {
    ($name:ident, $pside:expr, $band:ident, $book:ident, $convert:ident -> $ret:ty) => {
        #[pyfunction]
        #[allow(clippy::too_many_arguments)] // the reference's flat 31-float Python signature
        fn $name(
            qty_step: f64,
            price_step: f64,
            min_qty: f64,
            min_cost: f64,
            c_mult: f64,
            entry_grid_double_down_factor: f64,
            entry_grid_spacing_volatility_weight: f64,
            entry_grid_spacing_we_weight: f64,
            entry_grid_spacing_pct: f64,
            entry_initial_ema_dist: f64,
            entry_initial_qty_pct: f64,
            entry_trailing_double_down_factor: f64,
            entry_trailing_grid_ratio: f64,
            entry_trailing_retracement_pct: f64,
            entry_trailing_retracement_we_weight: f64,
            entry_trailing_retracement_volatility_weight: f64,
            entry_trailing_threshold_pct: f64,
            entry_trailing_threshold_we_weight: f64,
            entry_trailing_threshold_volatility_weight: f64,
            wallet_exposure_limit: f64,
            risk_we_excess_allowance_pct: f64,
            balance: f64,
            position_size: f64,
            position_price: f64,
            min_since_open: f64,
            max_since_min: f64,
            max_since_open: f64,
            min_since_max: f64,
            $band: f64,
            entry_volatility_logrange_ema_1h: f64,
            $book: f64,
        ) -> PyResult<$ret> {
            let args = FlatEntryArgs {
                qty_step,
                price_step,
                min_qty,
                min_cost,
                c_mult,
                entry_grid_double_down_factor,
                entry_grid_spacing_volatility_weight,
                entry_grid_spacing_we_weight,
                entry_grid_spacing_pct,
                entry_initial_ema_dist,
                entry_initial_qty_pct,
                entry_trailing_double_down_factor,
                entry_trailing_grid_ratio,
                entry_trailing_retracement_pct,
                entry_trailing_retracement_we_weight,
                entry_trailing_retracement_volatility_weight,
                entry_trailing_threshold_pct,
                entry_trailing_threshold_we_weight,
                entry_trailing_threshold_volatility_weight,
                wallet_exposure_limit,
                risk_we_excess_allowance_pct,
                balance,
                position_size,
                position_price,
                min_since_open,
                max_since_min,
                max_since_open,
                min_since_max,
                ema_band: $band,
                entry_volatility_logrange_ema_1h,
                book_price: $book,
            };
            Ok($convert(args.into_inputs(stringify!($name), $pside)?))
        }
    };
}

flat_entry_fn!(calc_next_entry_long_py, Pside::Long, ema_bands_lower, order_book_bid, next_entry_tuple -> (f64, f64, &'static str));
flat_entry_fn!(calc_next_entry_short_py, Pside::Short, ema_bands_upper, order_book_ask, next_entry_tuple -> (f64, f64, &'static str));
flat_entry_fn!(calc_entries_long_py, Pside::Long, ema_bands_lower, order_book_bid, entries_list -> Vec<(f64, f64, u16)>);
flat_entry_fn!(calc_entries_short_py, Pside::Short, ema_bands_upper, order_book_ask, entries_list -> Vec<(f64, f64, u16)>);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(calc_next_entry_long_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_next_entry_short_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_entries_long_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_entries_short_py, m)?)?;
    Ok(())
}
