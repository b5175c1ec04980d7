//! Orchestrator behaviours with hand-built states (core spec §10).

use super::input::{
    EmaInput, EmaSeries, GlobalBotParams, GlobalInput, NextCandle, OrchestratorInput, SideInput,
    SymbolInput,
};
use super::{compute_ideal_orders, IdealOrder};
use crate::types::{
    BotParams, ExchangeParams, OrderBook, OrderType, Position, Pside, TrailingBundle,
};

fn params() -> BotParams {
    BotParams {
        close_grid_markup_end: 0.02,
        close_grid_markup_start: 0.02,
        close_grid_qty_pct: 1.0,
        entry_grid_double_down_factor: 1.0,
        entry_grid_spacing_pct: 0.02,
        entry_initial_qty_pct: 0.05,
        ema_span_0: 10.0,
        ema_span_1: 10.0,
        filter_volume_ema_span: 10.0,
        filter_volatility_ema_span: 10.0,
        n_positions: 1,
        total_wallet_exposure_limit: 10.0,
        wallet_exposure_limit: 10.0,
        ..BotParams::default()
    }
}

fn symbol(idx: usize, price: f64, volatility: f64, long: BotParams) -> SymbolInput {
    let side = |bot_params: BotParams| SideInput {
        mode: None,
        position: Position::default(),
        trailing: TrailingBundle::default(),
        bot_params,
    };
    SymbolInput {
        symbol_idx: idx,
        order_book: OrderBook {
            bid: price,
            ask: price,
        },
        exchange: ExchangeParams {
            qty_step: 0.001,
            price_step: 1.0,
            min_qty: 0.001,
            min_cost: 1.0,
            c_mult: 1.0,
        },
        tradable: true,
        next_candle: None,
        effective_min_cost: 1.0,
        emas: EmaInput {
            m1: EmaSeries {
                close: vec![(10.0, price)],
                log_range: vec![(10.0, volatility)],
                volume: vec![(10.0, 1.0)],
            },
            h1: EmaSeries::default(),
        },
        long: side(long),
        short: side(BotParams {
            n_positions: 0,
            total_wallet_exposure_limit: 0.0,
            ..long
        }),
    }
}

fn input(symbols: Vec<SymbolInput>, long: BotParams) -> OrchestratorInput {
    OrchestratorInput {
        balance: 1000.0,
        global: GlobalInput {
            filter_by_min_effective_cost: false,
            unstuck_allowance_long: 0.0,
            unstuck_allowance_short: 0.0,
            sort_global: false,
            global_bot_params: GlobalBotParams {
                long,
                short: BotParams {
                    n_positions: 0,
                    total_wallet_exposure_limit: 0.0,
                    ..long
                },
            },
            hedge_mode: true,
        },
        symbols,
        peek_hints: None,
    }
}

fn entries(orders: &[IdealOrder]) -> Vec<(f64, f64)> {
    orders
        .iter()
        .filter(|o| o.order_type.is_entry())
        .map(|o| (o.qty, o.price))
        .collect()
}

/// A long position 1 @ 100 with the book at 100: next grid entry at round_dn(100·(1 − 0.02·1.x)).
fn with_position() -> OrchestratorInput {
    let mut sym = symbol(0, 100.0, 0.0, params());
    sym.long.position = Position {
        size: 1.0,
        price: 100.0,
    };
    input(vec![sym], params())
}

// §18.4: the backtest's look-ahead. With a next candle that does not reach the next entry only
// that entry is produced; when the next low is below it the whole grid is; live (no next candle)
// always gets the whole grid.
#[test]
fn spec18_04_grid_is_expanded_only_when_the_next_candle_reaches_it() {
    let live = compute_ideal_orders(&with_position()).unwrap().orders;
    let full = entries(&live);
    assert!(full.len() > 3, "{full:?}");
    let first_price = full[0].1;

    let mut not_reached = with_position();
    not_reached.symbols[0].next_candle = Some(NextCandle {
        low: first_price,
        high: 101.0,
        tradable: true,
    });
    assert_eq!(
        entries(&compute_ideal_orders(&not_reached).unwrap().orders),
        vec![full[0]]
    );

    let mut reached = with_position();
    reached.symbols[0].next_candle = Some(NextCandle {
        low: first_price - 1.0,
        high: 101.0,
        tradable: true,
    });
    assert_eq!(
        entries(&compute_ideal_orders(&reached).unwrap().orders),
        full
    );

    let mut not_tradable = with_position();
    not_tradable.symbols[0].next_candle = Some(NextCandle {
        low: 0.0,
        high: 0.0,
        tradable: false,
    });
    assert_eq!(
        entries(&compute_ideal_orders(&not_tradable).unwrap().orders),
        vec![full[0]]
    );
}

// §10.4 reference case: 6 coins, 2 holding long positions, n_positions 4, the new coins more
// volatile than the held ones ⇒ exactly 2 new coins get initial entries, the most volatile ones
// (indices 2 and 3), besides the 2 positions.
#[test]
fn slots_are_filled_by_the_forager_up_to_n_positions() {
    let long = BotParams {
        n_positions: 4,
        total_wallet_exposure_limit: 2.0,
        wallet_exposure_limit: 0.5,
        ..params()
    };
    let volatility = [0.01, 0.01, 0.05, 0.04, 0.03, 0.02];
    let mut symbols: Vec<SymbolInput> = volatility
        .iter()
        .enumerate()
        .map(|(i, &v)| symbol(i, 100.0, v, long))
        .collect();
    for s in symbols.iter_mut().take(2) {
        s.long.position = Position {
            size: 0.5,
            price: 100.0,
        };
    }
    let out = compute_ideal_orders(&input(symbols, long)).unwrap();
    let initial: Vec<usize> = out
        .orders
        .iter()
        .filter(|o| o.order_type == OrderType::EntryInitialNormalLong)
        .map(|o| o.symbol_idx)
        .collect();
    assert_eq!(initial, vec![2, 3]);
    // the held positions keep being managed: they get take-profits
    assert!(out
        .orders
        .iter()
        .any(|o| o.symbol_idx == 0 && o.order_type == OrderType::CloseGridLong));
    assert!(out.orders.iter().all(|o| o.pside == Pside::Long));
}

// §10.8: panic closes the whole position one tick through the market and nothing else.
#[test]
fn panic_mode_closes_everything_one_tick_through_the_market() {
    let mut state = with_position();
    state.symbols[0].long.mode = Some(super::Mode::Panic);
    let out = compute_ideal_orders(&state).unwrap();
    assert_eq!(out.orders.len(), 1);
    let o = out.orders[0];
    assert_eq!(
        (o.qty, o.price, o.order_type),
        (-1.0, 99.0, OrderType::ClosePanicLong)
    );
}

// One-way mode: a symbol holding a long position never gets short initial entries.
#[test]
fn one_way_mode_blocks_the_opposite_side() {
    let both = BotParams {
        n_positions: 1,
        total_wallet_exposure_limit: 1.0,
        wallet_exposure_limit: 1.0,
        ..params()
    };
    let mut sym = symbol(0, 100.0, 0.0, both);
    sym.short.bot_params = both;
    sym.long.position = Position {
        size: 1.0,
        price: 100.0,
    };
    let mut state = input(vec![sym], both);
    state.global.global_bot_params.short = both;
    let hedged = compute_ideal_orders(&state).unwrap();
    assert!(hedged
        .orders
        .iter()
        .any(|o| o.order_type == OrderType::EntryInitialNormalShort));
    state.global.hedge_mode = false;
    let one_way = compute_ideal_orders(&state).unwrap();
    assert!(one_way.orders.iter().all(|o| o.pside == Pside::Long));
}

// The backtester's entry point reuses one workspace for every minute: no value may leak from
// one call into the next. States of different sizes and shapes in a row, through one
// workspace, must give exactly the public function's output each time.
#[test]
fn a_reused_workspace_gives_the_same_orders_as_a_fresh_call() {
    let forager = BotParams {
        n_positions: 3,
        total_wallet_exposure_limit: 1.5,
        wallet_exposure_limit: 0.5,
        ..params()
    };
    let mut many: Vec<SymbolInput> = (0..8)
        .map(|i| symbol(i, 100.0 + i as f64, 0.01 * (i % 4) as f64, forager))
        .collect();
    many[5].long.position = Position {
        size: 0.2,
        price: 104.0,
    };
    let many = input(many, forager);
    let mut panic = with_position();
    panic.symbols[0].long.mode = Some(super::Mode::Panic);
    let mut sorted = many.clone();
    sorted.global.sort_global = true;
    let states = [many, with_position(), panic, sorted, with_position()];
    let mut ws = super::Workspace::default();
    for state in states.iter().chain(states.iter().rev()) {
        let want = compute_ideal_orders(state).unwrap();
        let emas = super::EmaSlots::resolve_all(state);
        super::compute_into(state, &emas, &mut ws).unwrap();
        assert_eq!(ws.orders, want.orders);
        assert_eq!(ws.warnings, want.diagnostics.warnings);
    }
}
