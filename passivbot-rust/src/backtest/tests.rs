//! Backtester behaviour on hand-made candles, with fills and PnL worked out by hand.
//!
//! Common setup (unless a test says otherwise): one long-only coin, EMA spans 1 (so every EMA is
//! the last close and the initial entry is placed at the close), grid-only entries and closes,
//! balance 1000, TWEL 1 with one position ⇒ WEL 1, initial cost 1000·1·0.1 = 100, price and qty
//! steps 1 and 0.001, maker fee 0.001, taker fee 0.002. Orders are first placed at minute 2
//! (`global_warmup_bars` 1 ⇒ orders when k > 1).

use super::engine::Engine;
use super::{run_backtest, BacktestParams, Hlcvs};
use crate::types::{BotParams, BotParamsPair, ExchangeParams, Fill, OrderType};

const MAKER: f64 = 0.001;
const TAKER: f64 = 0.002;

fn long_params() -> BotParams {
    BotParams {
        close_grid_markup_end: 0.02,
        close_grid_markup_start: 0.02,
        close_grid_qty_pct: 1.0,
        close_trailing_grid_ratio: 0.0,
        entry_grid_double_down_factor: 1.0,
        entry_grid_spacing_pct: 0.02,
        entry_initial_ema_dist: 0.0,
        entry_initial_qty_pct: 0.1,
        entry_trailing_grid_ratio: 0.0,
        filter_volatility_ema_span: 1.0,
        filter_volume_ema_span: 1.0,
        ema_span_0: 1.0,
        ema_span_1: 1.0,
        n_positions: 1,
        total_wallet_exposure_limit: 1.0,
        wallet_exposure_limit: -1.0,
        risk_wel_enforcer_threshold: 0.0,
        risk_twel_enforcer_threshold: 0.0,
        ..BotParams::default()
    }
}

fn pair(long: BotParams) -> BotParamsPair {
    BotParamsPair {
        long,
        short: BotParams {
            n_positions: 0,
            total_wallet_exposure_limit: 0.0,
            ..long
        },
    }
}

fn exchange() -> ExchangeParams {
    ExchangeParams {
        qty_step: 0.001,
        price_step: 1.0,
        min_qty: 0.001,
        min_cost: 1.0,
        c_mult: 1.0,
    }
}

fn params(n_coins: usize, n_minutes: usize, compat: bool) -> BacktestParams {
    BacktestParams {
        starting_balance: 1000.0,
        maker_fee: MAKER,
        taker_fee: Some(TAKER),
        coins: (0..n_coins).map(|i| format!("C{i}")).collect(),
        first_timestamp_ms: 0,
        requested_start_timestamp_ms: 0,
        first_valid_indices: vec![0; n_coins],
        last_valid_indices: vec![n_minutes - 1; n_coins],
        warmup_minutes: vec![0; n_coins],
        trade_start_indices: vec![],
        global_warmup_bars: 1,
        btc_collateral_cap: 0.0,
        btc_collateral_ltv_cap: None,
        metrics_only: false,
        filter_by_min_effective_cost: false,
        hedge_mode: true,
        active_coin_indices: None,
        compat_v7: compat,
        smc: None,
        order_memo: true,
    }
}

/// `(high, low, close)` per minute for each coin → flat array (volume 1).
fn array(coins: &[Vec<(f64, f64, f64)>]) -> (Vec<f64>, usize) {
    let n = coins[0].len();
    let mut data = Vec::with_capacity(n * coins.len() * 4);
    for k in 0..n {
        for c in coins {
            let (h, l, close) = c[k];
            data.extend([h, l, close, 1.0]);
        }
    }
    (data, n)
}

fn flat(price: f64) -> (f64, f64, f64) {
    (price, price, price)
}

fn run(coins: &[Vec<(f64, f64, f64)>], bot: &[BotParamsPair], p: &BacktestParams) -> Vec<Fill> {
    let (data, n) = array(coins);
    let view = Hlcvs::new(&data, n, coins.len()).unwrap();
    let btc = vec![50_000.0; n];
    let ex = vec![exchange(); coins.len()];
    run_backtest(view, &btc, bot, &ex, p, |_, _| {})
        .unwrap()
        .fills
}

// §18.2: an order computed from close[k] fills at minute k+1 only if the candle trades strictly
// through it, fully, at its own price. Buy 1 @ 100 (cost 100 / price 100): low 100 → no fill;
// low 99 → fill at 100, fee −1·100·0.001 = −0.1.
#[test]
fn spec18_02_fill_needs_a_strict_cross_one_minute_later() {
    let candles = vec![
        flat(100.0),
        flat(100.0),
        flat(100.0),
        (101.0, 100.0, 100.0),
        (101.0, 99.0, 100.0),
        flat(100.0),
    ];
    let fills = run(&[candles], &[pair(long_params())], &params(1, 6, true));
    assert_eq!(fills.len(), 1, "{fills:?}");
    let f = fills[0];
    assert_eq!(
        (f.index, f.qty, f.price, f.order_type),
        (4, 1.0, 100.0, OrderType::EntryInitialNormalLong)
    );
    assert_eq!(f.fee_paid, -0.1);
    assert_eq!(f.usd_total_balance, 999.9);
    assert_eq!((f.psize, f.pprice), (1.0, 100.0));
}

// §18.3: one candle crossing both the take-profit (102 = 100·1.02) and the grid re-entry
// (98 = 100·0.98): the close is applied first with the pre-entry pprice (PnL 1·(102−100) = 2),
// then the entry opens a new position at 98 (qty max(1·ddf 1, 1000/98·1·0.1 = 1.0204) = 1.02).
#[test]
fn spec18_03_close_before_entry_within_a_minute_with_old_pprice() {
    let candles = vec![
        flat(100.0),
        flat(100.0),
        flat(100.0),
        (101.0, 99.0, 100.0), // entry 1 @ 100 fills; TP 102 and re-entry 98 are placed
        (103.0, 97.0, 100.0), // both cross
        flat(100.0),
    ];
    let fills = run(&[candles], &[pair(long_params())], &params(1, 6, true));
    let at4: Vec<&Fill> = fills.iter().filter(|f| f.index == 4).collect();
    assert_eq!(at4.len(), 2, "{fills:?}");
    assert_eq!(
        (at4[0].order_type, at4[0].qty, at4[0].price),
        (OrderType::CloseGridLong, -1.0, 102.0)
    );
    assert!((at4[0].pnl - 2.0).abs() < 1e-12);
    assert_eq!((at4[0].psize, at4[0].pprice), (0.0, 100.0));
    assert_eq!(
        (at4[1].order_type, at4[1].price),
        (OrderType::EntryGridNormalLong, 98.0)
    );
    assert_eq!(at4[1].qty, 1.02);
    assert_eq!((at4[1].psize, at4[1].pprice), (1.02, 98.0));
}

// §18.7: WEL = TWEL / min(n_positions, #tradeable coins) and sizing uses WEL·(1+allowance):
// 3 coins, n_positions 7, TWEL 1.5, allowance 0.5 ⇒ WEL 0.5, L_a 0.75, initial cost
// 1000·0.75·0.1 = 75 ⇒ 0.75 units at 100 on every coin.
#[test]
fn spec18_07_dynamic_wel_with_allowance_sizes_initial_entries() {
    let bot = BotParams {
        n_positions: 7,
        total_wallet_exposure_limit: 1.5,
        risk_we_excess_allowance_pct: 0.5,
        ..long_params()
    };
    let candles = vec![
        flat(100.0),
        flat(100.0),
        flat(100.0),
        (101.0, 99.0, 100.0),
        flat(100.0),
    ];
    let coins = vec![candles.clone(), candles.clone(), candles];
    let fills = run(&coins, &[pair(bot); 3], &params(3, 5, true));
    assert_eq!(fills.len(), 3);
    for f in &fills {
        assert_eq!((f.qty, f.price), (0.75, 100.0));
        // WE after the fill: 75 / balance (1000 minus the fees booked so far)
        assert!((f.wallet_exposure - 75.0 / f.usd_total_balance).abs() < 1e-12);
    }
}

/// `(high, low, close)` per minute of one coin.
type Candles = Vec<(f64, f64, f64)>;

fn delisting_scenario() -> (Vec<Candles>, usize) {
    // coin 0 trades the whole run (2000 minutes); coin 1's data ends at minute 10, more than a day
    // before the end, with an open long position bought at 100 and a last close of 99 (above the
    // grid re-entry at 98, below the take-profit at 102, so nothing else fills).
    let n = 2000;
    let mut c0 = vec![flat(100.0); n];
    c0[3] = (101.0, 99.0, 100.0);
    let mut c1 = vec![flat(100.0); n];
    c1[3] = (101.0, 99.0, 100.0); // initial entry fills at minute 3
    for c in c1.iter_mut().take(11).skip(4) {
        *c = flat(99.0);
    }
    for c in c1.iter_mut().skip(11) {
        *c = (f64::NAN, f64::NAN, f64::NAN);
    }
    (vec![c0, c1], n)
}

// Delisting, reference quirk 5: the panic close placed at the coin's last minute can never fill,
// so the position stays open for the rest of the run.
#[test]
fn delisted_position_stays_open_in_compat_mode() {
    let (coins, n) = delisting_scenario();
    let bot = BotParams {
        n_positions: 2,
        total_wallet_exposure_limit: 2.0,
        ..long_params()
    };
    let mut p = params(2, n, true);
    p.last_valid_indices = vec![n - 1, 10];
    let fills = run(&coins, &[pair(bot); 2], &p);
    let coin1: Vec<&Fill> = fills.iter().filter(|f| f.coin_idx == 1).collect();
    assert_eq!(coin1.len(), 1);
    assert_eq!(coin1[0].order_type, OrderType::EntryInitialNormalLong);
}

// Delisting, our fix: the position is closed at the coin's last close (99) as a market order
// (taker fee 0.002): PnL 1·(99 − 100) = −1, fee −1·99·0.002 = −0.198.
#[test]
fn delisted_position_is_closed_at_its_last_price_in_fixed_mode() {
    let (coins, n) = delisting_scenario();
    let bot = BotParams {
        n_positions: 2,
        total_wallet_exposure_limit: 2.0,
        ..long_params()
    };
    let mut p = params(2, n, false);
    p.last_valid_indices = vec![n - 1, 10];
    let fills = run(&coins, &[pair(bot); 2], &p);
    let coin1: Vec<&Fill> = fills.iter().filter(|f| f.coin_idx == 1).collect();
    assert_eq!(coin1.len(), 2, "{coin1:?}");
    let close = coin1[1];
    assert_eq!(
        (close.index, close.order_type, close.qty, close.price),
        (10, OrderType::ClosePanicLong, -1.0, 99.0)
    );
    assert!((close.pnl + 1.0).abs() < 1e-12);
    assert!((close.fee_paid + 0.198).abs() < 1e-12);
    assert_eq!(close.psize, 0.0);
}

/// Engine prepared for minute-by-minute stepping.
fn engine<'a>(
    data: &'a [f64],
    n: usize,
    btc: &'a [f64],
    bot: &[BotParamsPair],
    p: &'a BacktestParams,
) -> Engine<'a> {
    let view = Hlcvs::new(data, n, bot.len()).unwrap();
    Engine::new(view, btc, bot, &vec![exchange(); bot.len()], p).unwrap()
}

// Reference quirk 3: with filter_volume_drop_pct 0 the quote-volume EMA stays frozen at its seed
// in compat mode (volume 1 · typical price 100 = 100); fixed mode follows the data
// (span 1 ⇒ the last minute's 1 · 200 = 200).
#[test]
fn volume_ema_frozen_in_compat_mode_and_live_in_fixed_mode() {
    let mut candles = vec![flat(100.0); 6];
    for c in candles.iter_mut().skip(2) {
        *c = flat(200.0);
    }
    let (data, n) = array(&[candles]);
    let btc = vec![1.0; n];
    for (compat, want) in [(true, 100.0), (false, 200.0)] {
        let p = params(1, n, compat);
        let mut e = engine(&data, n, &btc, &[pair(long_params())], &p);
        for k in 1..=3 {
            e.step(k).unwrap();
        }
        assert_eq!(e.volume_ema_value(0, 0), want, "compat={compat}");
    }
}

// §18.10 (backtest maintenance): a coin/side that filled this minute gets a reset bundle and the
// fill candle is not folded in; a minute without fill folds the candle in, new extremes resetting
// the opposite tracker to the close. After the entry at minute 3 the TP sits at 102 and the grid
// re-entry at 98; candle 4 (101, 99, 99.5) crosses neither, so it is folded into the default
// bundle: (min_since_open, max_since_min, max_since_open, min_since_max) = (99, 99.5, 101, 99.5).
#[test]
fn spec18_10_trailing_bundle_resets_on_fill_and_skips_the_fill_candle() {
    let bot = BotParams {
        entry_trailing_grid_ratio: -0.5,
        ..long_params()
    };
    let candles = vec![
        flat(100.0),
        flat(100.0),
        flat(100.0),
        (101.0, 99.0, 100.0),
        (101.0, 99.0, 99.5),
        flat(99.5),
    ];
    let (data, n) = array(&[candles]);
    let btc = vec![1.0; n];
    let p = params(1, n, true);
    let mut e = engine(&data, n, &btc, &[pair(bot)], &p);
    for k in 1..=3 {
        e.step(k).unwrap();
    }
    assert_eq!(e.fills_at(3), 1);
    assert_eq!(
        e.trailing_bundle(0, 0),
        crate::types::TrailingBundle::default()
    );
    e.step(4).unwrap();
    assert_eq!(e.fills_at(4), 0);
    let tb = e.trailing_bundle(0, 0);
    assert_eq!(
        (
            tb.min_since_open,
            tb.max_since_min,
            tb.max_since_open,
            tb.min_since_max
        ),
        (99.0, 99.5, 101.0, 99.5)
    );
}

// §8.3 in the backtest: the unstuck allowance is rebuilt from realised PnL with the peak starting
// at 0: after realised losses of 150 below the peak on a 10 000 balance with pct·TWEL = 0.001325,
// the allowance is max(0, 10 150·0.001325 − 150) = 0; at the peak it is 10 000·0.001325 = 13.25.
#[test]
fn unstuck_allowance_follows_realised_pnl_from_a_zero_peak() {
    let bot = BotParams {
        unstuck_loss_allowance_pct: 0.00106,
        total_wallet_exposure_limit: 1.25,
        ..long_params()
    };
    let candles = vec![flat(100.0); 5];
    let (data, n) = array(&[candles]);
    let btc = vec![1.0; n];
    let mut p = params(1, n, true);
    p.starting_balance = 10_000.0;
    let mut e = engine(&data, n, &btc, &[pair(bot)], &p);
    e.set_realised_pnl(0.0, 0.0);
    assert!((e.unstuck_allowance_long_at(2) - 13.25).abs() < 1e-9);
    e.set_realised_pnl(-150.0, 0.0);
    assert_eq!(e.unstuck_allowance_long_at(2), 0.0);
}

// Bad data is refused with the coin and the UTC minute named.
#[test]
fn candle_with_high_below_low_is_rejected() {
    let candles = vec![flat(100.0), flat(100.0), (99.0, 101.0, 100.0), flat(100.0)];
    let (data, n) = array(&[candles]);
    let view = Hlcvs::new(&data, n, 1).unwrap();
    let btc = vec![1.0; n];
    let p = params(1, n, true);
    let err = match Engine::new(view, &btc, &[pair(long_params())], &[exchange()], &p) {
        Err(e) => e,
        Ok(_) => panic!("accepted a candle with high < low"),
    };
    assert!(
        err.contains("C0 at 1970-01-01T00:02Z (minute 2): high < low"),
        "{err}"
    );
}

// Our fee fix (reference quirk 11): an order that crossed the book when it was placed (here the
// TWEL enforcer's sell at round_dn(100·0.9995) = 99 against a bid of 100) is a taker fill:
// fixed mode charges 5·99·0.002 = 0.99, compat mode the single maker fee 5·99·0.001 = 0.495.
// Position 15 @ 100 on a 1000 balance is WE 1.5 > TWEL 1 ⇒ cut 5 units back to WE 1.0.
#[test]
fn marketable_orders_pay_the_taker_fee_in_fixed_mode() {
    let bot = BotParams {
        risk_twel_enforcer_threshold: 1.0,
        ..long_params()
    };
    let candles = vec![
        flat(100.0),
        flat(100.0),
        flat(100.0),
        (101.0, 99.5, 100.0),
        flat(100.0),
    ];
    let (data, n) = array(&[candles]);
    let btc = vec![1.0; n];
    for (compat, fee) in [(false, -0.99), (true, -0.495)] {
        let p = params(1, n, compat);
        let mut e = engine(&data, n, &btc, &[pair(bot)], &p);
        e.set_position(0, 0, 15.0, 100.0);
        for k in 1..=3 {
            e.step(k).unwrap();
        }
        let f = e.fill_list()[0];
        assert_eq!(
            (f.index, f.order_type, f.qty, f.price),
            (3, OrderType::CloseAutoReduceTwelLong, -5.0, 99.0)
        );
        assert!(
            (f.fee_paid - fee).abs() < 1e-12,
            "compat={compat}: {}",
            f.fee_paid
        );
    }
}

// Reference quirk 4: a coin with no candle in the last hour keeps its previous hourly bucket and
// its 1h volatility EMA is updated with it again (compat); fixed mode skips the update. Coin 1's
// data ends at minute 30, every candle ranging 100–102 (x = ln 1.02); span 3 h ⇒ alpha 0.5, seed 0.
// Minute 60 (hour 1): bucket of minutes 0–30 ⇒ EMA 0.5·x in both modes. Minute 120 (hour 2): no
// candle ⇒ compat folds the stale bucket again (0.5·x + 0.5·0.5·x = 0.75·x), fixed stays at 0.5·x.
#[test]
fn stale_hourly_bucket_is_reused_only_in_compat_mode() {
    let bot = BotParams {
        entry_volatility_ema_span_hours: 3.0,
        ..long_params()
    }; // alpha 0.5
    let n = 130;
    let c0 = vec![flat(100.0); n];
    let mut c1 = vec![(102.0, 100.0, 101.0); n];
    for c in c1.iter_mut().skip(31) {
        *c = (f64::NAN, f64::NAN, f64::NAN);
    }
    let (data, n) = array(&[c0, c1]);
    let btc = vec![1.0; n];
    let x = (102.0f64 / 100.0).ln();
    for (compat, want) in [(true, 0.75 * x), (false, 0.5 * x)] {
        let mut p = params(2, n, compat);
        p.last_valid_indices = vec![n - 1, 30];
        let mut e = engine(&data, n, &btc, &[pair(bot); 2], &p);
        for k in 1..=125 {
            e.step(k).unwrap();
        }
        // hour 1 (minute 60): 0.5·x; hour 2 (minute 120): compat folds the stale bucket again
        assert!(
            (e.volatility_1h_value(1, 0) - want).abs() < 1e-15,
            "compat={compat}"
        );
    }
}

// §8.3–8.4 end to end: initial entry 2 @ 100 (cost 1000·1·0.2), fills at minute 3 where the price
// drops to 95 (grid re-entry far away at 50). The position is stuck (WE 200/999.8 = 0.2 > threshold
// 0.1) and the price is at the (span-1) upper band, so the unstuck close sells
// round_dn(999.8·1·0.05 / 95, 0.001) = 0.526 @ 95: loss 0.526·5 = 2.63 < allowance 999.8·0.01
// = 9.998. It repeats every minute while the realised-loss allowance lasts, then stops.
#[test]
fn unstuck_realises_small_losses_within_the_allowance_then_stops() {
    let bot = BotParams {
        entry_initial_qty_pct: 0.2,
        entry_grid_spacing_pct: 0.5,
        unstuck_threshold: 0.1,
        unstuck_close_pct: 0.05,
        unstuck_loss_allowance_pct: 0.01,
        unstuck_ema_dist: 0.0,
        ..long_params()
    };
    let n = 40;
    let mut candles = vec![flat(100.0), flat(100.0), flat(100.0), (101.0, 94.0, 95.0)];
    candles.resize(n, (96.0, 94.0, 95.0));
    let fills = run(&[candles], &[pair(bot)], &params(1, n, true));
    assert_eq!(
        (fills[0].index, fills[0].qty, fills[0].price),
        (3, 2.0, 100.0)
    );
    let unstuck: Vec<&Fill> = fills
        .iter()
        .filter(|f| f.order_type == OrderType::CloseUnstuckLong)
        .collect();
    assert_eq!(
        (unstuck[0].index, unstuck[0].qty, unstuck[0].price),
        (4, -0.526, 95.0)
    );
    assert!((unstuck[0].pnl + 2.63).abs() < 1e-9);
    let realised: f64 = unstuck.iter().map(|f| f.pnl).sum();
    assert!(unstuck.len() >= 3, "{unstuck:?}");
    assert!(
        (-9.998 - 1e-9..-7.0).contains(&realised),
        "realised {realised}"
    );
    assert!(
        unstuck.iter().all(|f| f.index < n - 20),
        "unstucking must stop once the allowance is used"
    );
}

// The engine checks parameters once at construction and the per-minute inputs only after
// something that can change them (a fill, a BTC re-mark): a bad state is still refused at the
// first minute it appears, naming the field, and a bad parameter before the run starts.
#[test]
fn bad_inputs_are_refused_at_construction_or_at_the_first_minute_they_appear() {
    let (data, n) = array(&[vec![flat(100.0); 6]]);
    let btc = vec![1.0; n];
    let p = params(1, n, false);
    let mut e = engine(&data, n, &btc, &[pair(long_params())], &p);
    e.step(1).unwrap();
    e.step(2).unwrap();
    e.set_position(0, 0, -1.0, 100.0); // a long position below zero
    let err = e.step(3).unwrap_err();
    assert!(err.contains("symbols[0].long.position.size"), "{err}");

    let bad = BotParams {
        close_grid_markup_end: f64::NAN,
        ..long_params()
    };
    let view = Hlcvs::new(&data, n, 1).unwrap();
    let err = Engine::new(view, &btc, &[pair(bad)], &[exchange()], &p)
        .err()
        .unwrap();
    assert!(err.contains("close_grid_markup_end"), "{err}");
}

// The engine updates only the EMAs the orchestrator reads. A traded short side whose spans
// equal the idle long side's reads the long side's EMA entries (first match by span), so those
// must stay up to date: the run must not depend on what the idle long side's spans are.
#[test]
fn a_traded_side_reading_the_idle_sides_emas_sees_them_updated() {
    // A rise with pullbacks: the short enters 1 % above its upper band, so fills depend on
    // the band following the price (a stale band at the first close would fill at 101).
    let candles: Vec<(f64, f64, f64)> = (0..60)
        .map(|k| {
            let mid = 100.0 + 0.4 * k as f64 + if k % 6 < 3 { 1.5 } else { -1.5 };
            (mid + 1.0, mid - 1.0, mid)
        })
        .collect();
    let (data, n) = array(&[candles]);
    let btc = vec![1.0; n];
    let short = BotParams {
        ema_span_0: 3.0,
        ema_span_1: 5.0,
        filter_volume_ema_span: 4.0,
        filter_volatility_ema_span: 4.0,
        entry_initial_ema_dist: 0.01,
        ..long_params()
    };
    let idle_long = |span: f64| BotParams {
        n_positions: 0,
        total_wallet_exposure_limit: 0.0,
        ema_span_0: span,
        ema_span_1: span + 2.0,
        filter_volume_ema_span: span + 1.0,
        filter_volatility_ema_span: span + 1.0,
        ..long_params()
    };
    for compat in [true, false] {
        let p = params(1, n, compat);
        let run = |long: BotParams| {
            let bot = [BotParamsPair { long, short }];
            let view = Hlcvs::new(&data, n, 1).unwrap();
            run_backtest(view, &btc, &bot, &[exchange()], &p, |_, _| {})
                .unwrap()
                .fills
        };
        let same_spans = run(idle_long(3.0));
        let own_spans = run(idle_long(7.0));
        assert!(!own_spans.is_empty(), "compat={compat}");
        assert_eq!(same_spans, own_spans, "compat={compat}");
    }
}

// SMC gate on initial entries (1-minute "higher timeframe", pivot half-width 1, trend only):
// a pivot high at minute 2 (101 ≥ 100 before, > 100.5 after) is confirmed at minute 3 and broken by
// minute 4's close (101.2): the internal trend turns bullish at minute 4, so the first initial entry
// is placed at minute 4 (at round_dn(101.2, 1) = 101) and fills at minute 5 — not earlier, although
// every earlier minute would have filled an entry. Without the gate it fills at minute 3.
#[test]
fn smc_gate_delays_initial_entries_until_the_confirming_bar_has_closed() {
    use crate::smc::engine::EngineParams;
    use crate::smc::gate::{GateParams, SmcGateConfig, TrendRule};
    let candles = vec![
        flat(100.0),
        (100.0, 99.0, 99.5),
        (101.0, 99.5, 100.5),
        (100.5, 99.0, 99.5),
        (101.5, 99.5, 101.2),
        (101.5, 100.0, 101.0),
        flat(101.0),
    ];
    let smc = SmcGateConfig {
        timeframe_minutes: 1,
        engine: EngineParams {
            internal_length: 1,
            swing_length: 2,
            liquidity_length: 1,
            atr_length: 1,
            ..EngineParams::default()
        },
        gate: GateParams {
            trend: TrendRule::Internal,
            location: false,
            ..GateParams::default()
        },
    };
    let ungated = run(
        std::slice::from_ref(&candles),
        &[pair(long_params())],
        &params(1, 7, false),
    );
    assert_eq!(ungated[0].index, 3);
    let mut p = params(1, 7, false);
    p.smc = Some(smc);
    let gated = run(&[candles], &[pair(long_params())], &p);
    assert_eq!(gated.len(), 1, "{gated:?}");
    assert_eq!(
        (gated[0].index, gated[0].price, gated[0].order_type),
        (5, 101.0, OrderType::EntryInitialNormalLong)
    );
}
