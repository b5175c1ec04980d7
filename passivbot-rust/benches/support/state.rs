//! Realistic orchestrator states for the benchmarks (`benches/orchestrator.rs`,
//! `examples/orchestrator_latency.rs`): `n` symbols, both sides trading, parameters of the golden
//! `ii` config (grid + trailing entries and closes, forager filters, unstuck, enforcers), open
//! positions with trailing bundles on some symbols. Deterministic: `variant` moves prices a
//! little so repeated calls do not see one identical state.

use passivbot_rust::orchestrator::input::{
    EmaInput, EmaSeries, GlobalBotParams, GlobalInput, NextCandle, OrchestratorInput, SideInput,
    SymbolInput,
};
use passivbot_rust::types::{BotParams, ExchangeParams, OrderBook, Position, TrailingBundle};

/// The golden `ii` run's parameters, with `n_positions` and a static WEL for `twel`.
fn bot(n_positions: usize, twel: f64) -> BotParams {
    BotParams {
        close_grid_markup_end: 0.0013,
        close_grid_markup_start: 0.0062,
        close_grid_qty_pct: 0.236,
        close_trailing_grid_ratio: -0.561,
        close_trailing_qty_pct: 0.0506,
        close_trailing_retracement_pct: 0.00348,
        close_trailing_threshold_pct: 0.0193,
        ema_span_0: 580.0,
        ema_span_1: 1260.0,
        entry_grid_double_down_factor: 2.49,
        entry_grid_spacing_pct: 0.0145,
        entry_grid_spacing_volatility_weight: 86.0,
        entry_grid_spacing_we_weight: 5.13,
        entry_initial_ema_dist: -0.00257,
        entry_initial_qty_pct: 0.00563,
        entry_trailing_double_down_factor: 0.529,
        entry_trailing_grid_ratio: -0.415,
        entry_trailing_retracement_pct: 0.00536,
        entry_trailing_retracement_volatility_weight: 143.0,
        entry_trailing_retracement_we_weight: 18.0,
        entry_trailing_threshold_pct: 0.0177,
        entry_trailing_threshold_volatility_weight: 239.0,
        entry_trailing_threshold_we_weight: 0.0231,
        entry_volatility_ema_span_hours: 2490.0,
        filter_volatility_drop_pct: 0.0,
        filter_volatility_ema_span: 95.3,
        filter_volume_drop_pct: 0.598,
        filter_volume_ema_span: 1250.0,
        n_positions,
        risk_twel_enforcer_threshold: 0.99,
        risk_we_excess_allowance_pct: 1.21,
        risk_wel_enforcer_threshold: 0.99,
        total_wallet_exposure_limit: twel,
        unstuck_close_pct: 0.0124,
        unstuck_ema_dist: -0.0823,
        unstuck_loss_allowance_pct: 0.00106,
        unstuck_threshold: 0.443,
        wallet_exposure_limit: twel / n_positions as f64,
    }
}

/// Power of ten at or below `x`.
fn pow10_floor(x: f64) -> f64 {
    10f64.powi(x.log10().floor() as i32)
}

const BALANCE: f64 = 10_000.0;

fn symbol(i: usize, long: BotParams, short: BotParams, variant: usize) -> SymbolInput {
    // Prices from 0.05 to ~60 000, a different shape per symbol; `variant` wiggles them.
    let base = 0.05 * 1.45f64.powi(i as i32 + (i % 3) as i32);
    let price = base * (1.0 + 0.0007 * ((variant * 7 + i * 3) % 11) as f64);
    let price_step = pow10_floor(price) * 1e-4;
    let qty_step = pow10_floor(10.0 / price).max(1e-3);
    let exchange = ExchangeParams {
        qty_step,
        price_step,
        min_qty: qty_step,
        min_cost: 5.0,
        c_mult: 1.0,
    };
    let ema = |span: f64, dev: f64| (span, price * (1.0 + dev));
    let sqrt = (long.ema_span_0 * long.ema_span_1).sqrt();
    let mut sym = SymbolInput {
        symbol_idx: i,
        order_book: OrderBook {
            bid: price,
            ask: price + price_step,
        },
        exchange,
        tradable: true,
        next_candle: None,
        effective_min_cost: exchange.min_cost.max(exchange.min_qty * price),
        emas: EmaInput {
            m1: EmaSeries {
                close: vec![ema(580.0, 0.004), ema(1260.0, -0.006), ema(sqrt, -0.001)],
                log_range: vec![(95.3, 0.0008 + 0.0001 * (i % 7) as f64)],
                volume: vec![(1250.0, 1e5 * (1 + i % 5) as f64)],
            },
            h1: EmaSeries {
                close: vec![],
                log_range: vec![(2490.0, 0.004 + 0.0005 * (i % 4) as f64)],
                volume: vec![],
            },
        },
        long: SideInput {
            mode: None,
            position: Position::default(),
            trailing: TrailingBundle::default(),
            bot_params: long,
        },
        short: SideInput {
            mode: None,
            position: Position::default(),
            trailing: TrailingBundle::default(),
            bot_params: short,
        },
    };
    // Positions: every 4th symbol long, every 6th short, about half their WEL, with trailing
    // extremes around the price.
    let trailing = TrailingBundle {
        min_since_open: price * 0.985,
        max_since_min: price * 1.004,
        max_since_open: price * 1.02,
        min_since_max: price * 0.996,
    };
    if i % 4 == 1 {
        let size =
            (BALANCE * long.wallet_exposure_limit * 0.5 / price / qty_step).round() * qty_step;
        sym.long.position = Position {
            size: size.max(qty_step),
            price: price * 1.012,
        };
        sym.long.trailing = trailing;
    }
    if i % 6 == 2 {
        let size =
            (BALANCE * short.wallet_exposure_limit * 0.4 / price / qty_step).round() * qty_step;
        sym.short.position = Position {
            size: -size.max(qty_step),
            price: price * 0.99,
        };
        sym.short.trailing = trailing;
    }
    sym
}

/// Live-like: full grids and close ladders (no next candle), global sort by market distance.
pub fn live_state(n: usize, variant: usize) -> OrchestratorInput {
    let (long, short) = (bot(10, 1.5), bot(5, 1.0));
    OrchestratorInput {
        balance: BALANCE,
        global: GlobalInput {
            filter_by_min_effective_cost: true,
            unstuck_allowance_long: 12.0,
            unstuck_allowance_short: 4.0,
            sort_global: true,
            global_bot_params: GlobalBotParams { long, short },
            hedge_mode: true,
        },
        symbols: (0..n).map(|i| symbol(i, long, short, variant)).collect(),
        peek_hints: None,
    }
}

/// Backtest-like (compat): next candles given, so mostly the next order per side; per-symbol
/// ordering.
pub fn backtest_state(n: usize, variant: usize) -> OrchestratorInput {
    let mut state = live_state(n, variant);
    state.global.sort_global = false;
    for sym in state.symbols.iter_mut() {
        let bid = sym.order_book.bid;
        sym.order_book.ask = bid;
        sym.next_candle = Some(NextCandle {
            low: bid * 0.999,
            high: bid * 1.001,
            tradable: true,
        });
    }
    state
}
