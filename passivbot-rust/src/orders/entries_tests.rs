//! Expected numbers are worked out by hand from the §6 formulas; every price and quantity is
//! chosen so the unrounded value sits well inside a step (no float-boundary luck involved).

use super::*;
use crate::types::{EmaBands, OrderBook, OrderType};

const BALANCE: f64 = 1000.0;

fn exchange() -> ExchangeParams {
    ExchangeParams {
        qty_step: 0.001,
        price_step: 0.01,
        min_qty: 0.001,
        min_cost: 1.0,
        c_mult: 1.0,
    }
}

/// The §6.7 worked example: `L_a = 0.2`, initial 10 %, spacing 2 % widened by the WE ratio,
/// no volatility, double-down 1, pure grid.
fn bot() -> BotParams {
    BotParams {
        wallet_exposure_limit: 0.2,
        entry_initial_qty_pct: 0.1,
        entry_grid_spacing_pct: 0.02,
        entry_grid_spacing_we_weight: 1.0,
        entry_grid_double_down_factor: 1.0,
        entry_trailing_double_down_factor: 0.5,
        ..BotParams::default()
    }
}

/// Long state: bid `bid`, lower band 100 (ask and upper band set far away on purpose).
fn long_state(bid: f64) -> StateParams {
    StateParams {
        balance: BALANCE,
        order_book: OrderBook { bid, ask: 1e9 },
        ema_bands: EmaBands {
            upper: 1e9,
            lower: 100.0,
        },
        entry_volatility_logrange_ema_1h: 0.0,
    }
}

fn long(size: f64, price: f64) -> Position {
    Position { size, price }
}

fn next_long(bot: &BotParams, state: &StateParams, pos: Position, tb: &TrailingBundle) -> Order {
    calc_next_entry(Pside::Long, &exchange(), state, bot, &pos, tb)
}

fn assert_order(got: Order, qty: f64, price: f64, order_type: OrderType) {
    assert_eq!(got, Order::new(qty, price, order_type), "got {got:?}");
}

// ---- §6.7 worked example ---------------------------------------------------------------

#[test]
fn spec_6_7_initial_entry_from_the_band() {
    // p0 = min(101, round_dn(100·(1 − 0))) = 100; q0 = max(0.01, round_(1000·0.2·0.1 / 100)) = 0.2
    let o = next_long(
        &bot(),
        &long_state(101.0),
        long(0.0, 0.0),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.2, 100.0, OrderType::EntryInitialNormalLong);
}

#[test]
fn spec_6_7_grid_reentry_after_the_initial_fill() {
    // we = 0.02, mult = 1 + 0.02/0.2 = 1.1, p = round_dn(100·(1 − 0.022)) = 97.8;
    // q = round_(max(0.2·1, 1000/97.8·0.2·0.1 = 0.2045)) = 0.204; we_f = 0.404·98.889/1000 ≈ 0.04
    // (no crop); next level 96.51 with 0.404 ⇒ 0.404/0.404 = 1 ≥ 0.25 (no inflation).
    let o = next_long(
        &bot(),
        &long_state(100.0),
        long(0.2, 100.0),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.204, 97.8, OrderType::EntryGridNormalLong);
}

#[test]
fn spec_6_7_entry_list_starts_with_initial_then_grid() {
    let entries = calc_entries(
        Pside::Long,
        &exchange(),
        &long_state(101.0),
        &bot(),
        &long(0.0, 0.0),
        &TrailingBundle::default(),
    );
    assert!(entries.len() > 2);
    assert_order(entries[0], 0.2, 100.0, OrderType::EntryInitialNormalLong);
    // After the first fill the book moves to 100: exactly the state of the test above.
    assert_order(entries[1], 0.204, 97.8, OrderType::EntryGridNormalLong);
    // Prices strictly fall and every order is a long grid entry after the first.
    for w in entries.windows(2) {
        assert!(w[1].price < w[0].price);
    }
    assert!(entries[1..].iter().all(|e| matches!(
        e.order_type,
        OrderType::EntryGridNormalLong
            | OrderType::EntryGridCroppedLong
            | OrderType::EntryGridInflatedLong
    )));
}

// ---- initial entry ------------------------------------------------------------------------

#[test]
fn partial_initial_tops_up_to_q0() {
    // 0.0495 < 0.8·0.2 ⇒ top-up max(0.01, round_dn(0.2 − 0.0495 = 0.1505)) = 0.15 at p0 = 100.
    let o = next_long(
        &bot(),
        &long_state(101.0),
        long(0.0495, 100.0),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.15, 100.0, OrderType::EntryInitialPartialLong);
}

#[test]
fn partial_initial_is_floored_at_min_cost() {
    // min_cost 10 ⇒ min entry qty at 100 is 0.1; top-up round_dn(0.2 − 0.15) ≈ 0.05 → 0.1.
    let ex = ExchangeParams {
        min_cost: 10.0,
        ..exchange()
    };
    let o = calc_next_entry(
        Pside::Long,
        &ex,
        &long_state(101.0),
        &bot(),
        &long(0.15, 100.0),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.1, 100.0, OrderType::EntryInitialPartialLong);
}

#[test]
fn initial_entry_min_qty_and_min_cost_edges() {
    let tb = TrailingBundle::default();
    let (state, pos) = (long_state(101.0), long(0.0, 0.0));
    // min_cost 50 at 100 ⇒ 0.5 > 0.2
    let ex = ExchangeParams {
        min_cost: 50.0,
        ..exchange()
    };
    let o = calc_next_entry(Pside::Long, &ex, &state, &bot(), &pos, &tb);
    assert_order(o, 0.5, 100.0, OrderType::EntryInitialNormalLong);
    // min_qty 1 ⇒ 1 > 0.2
    let ex = ExchangeParams {
        min_qty: 1.0,
        ..exchange()
    };
    let o = calc_next_entry(Pside::Long, &ex, &state, &bot(), &pos, &tb);
    assert_order(o, 1.0, 100.0, OrderType::EntryInitialNormalLong);
    // zero initial pct: the exchange minimum max(0.001, round_up(1/100)) = 0.01
    let b = BotParams {
        entry_initial_qty_pct: 0.0,
        ..bot()
    };
    let o = calc_next_entry(Pside::Long, &exchange(), &state, &b, &pos, &tb);
    assert_order(o, 0.01, 100.0, OrderType::EntryInitialNormalLong);
}

#[test]
fn empty_balance_or_limit_gives_no_order() {
    let tb = TrailingBundle::default();
    for balance in [0.0, -5.0] {
        let state = StateParams {
            balance,
            ..long_state(101.0)
        };
        for ratio in [0.0, -0.415, 0.4, 1.0] {
            let b = BotParams {
                entry_trailing_grid_ratio: ratio,
                ..bot()
            };
            assert_eq!(next_long(&b, &state, long(0.0, 0.0), &tb), Order::empty());
            let all = calc_entries(Pside::Long, &exchange(), &state, &b, &long(0.0, 0.0), &tb);
            assert!(all.is_empty());
        }
    }
    let b = BotParams {
        wallet_exposure_limit: 0.0,
        ..bot()
    };
    assert_eq!(
        next_long(&b, &long_state(101.0), long(0.0, 0.0), &tb),
        Order::empty()
    );
}

#[test]
fn initial_price_at_or_below_one_step_gives_no_order() {
    let state = StateParams {
        ema_bands: EmaBands {
            upper: 1e9,
            lower: 0.01,
        },
        ..long_state(101.0)
    };
    let o = next_long(&bot(), &state, long(0.0, 0.0), &TrailingBundle::default());
    assert_eq!(o, Order::empty());
}

#[test]
fn full_position_gives_no_grid_order() {
    // we = 1.999·100/1000 = 0.1999 ≥ 0.999·0.2 = 0.1998
    let o = next_long(
        &bot(),
        &long_state(100.0),
        long(1.999, 100.0),
        &TrailingBundle::default(),
    );
    assert_eq!(o, Order::empty());
}

// ---- crop and inflation -------------------------------------------------------------------

#[test]
fn grid_entry_cropped_to_the_limit() {
    // 1.5 @ 100.3: we = 0.15045, mult = 1 + 0.75225, p = round_dn(100.3·0.964955 = 96.785) = 96.78,
    // q = 1.5; we_f = 3·98.54/1000 = 0.29562 > 0.202 ⇒
    // q_c = (0.2 − 0.15045)/(0.29562 − 0.15045)·1.5 = 0.51199 → 0.512.
    let o = next_long(
        &bot(),
        &long_state(100.0),
        long(1.5, 100.3),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.512, 96.78, OrderType::EntryGridCroppedLong);
}

#[test]
fn cropped_entry_is_floored_at_min_entry_qty() {
    // 1.99 @ 100.3: we = 0.199597 (< 0.1998), p = round_dn(100.3·0.96004 = 96.292) = 96.29,
    // crop (0.2 − 0.199597)/(0.39121 − 0.199597)·1.99 = 0.0042 → 0.004 < min qty
    // round_up(1/96.29 = 0.01039) = 0.011.
    let o = next_long(
        &bot(),
        &long_state(100.0),
        long(1.99, 100.3),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.011, 96.29, OrderType::EntryGridCroppedLong);
}

#[test]
fn grid_entry_inflated_when_the_next_level_would_be_tiny() {
    // 0.9 @ 100.3: we = 0.09027, p = round_dn(100.3·0.970973 = 97.389) = 97.38, q = 0.9,
    // we_f = 1.8·98.84/1000 = 0.177912 (no crop). Next level: p2 = round_dn(98.84·0.962209 =
    // 95.105) = 95.1, q2 = 1.8 cropped to (0.2 − 0.177912)/(0.349092 − 0.177912)·1.8 = 0.232;
    // 0.232/1.8 = 0.129 < 0.25 ⇒ inflate to (0.2 − 0.09027)/(0.177912 − 0.09027)·0.9 = 1.1268 → 1.127.
    let o = next_long(
        &bot(),
        &long_state(100.0),
        long(0.9, 100.3),
        &TrailingBundle::default(),
    );
    assert_order(o, 1.127, 97.38, OrderType::EntryGridInflatedLong);
}

// ---- short mirror -------------------------------------------------------------------------

fn short_state(ask: f64) -> StateParams {
    StateParams {
        balance: BALANCE,
        order_book: OrderBook { bid: 0.0, ask },
        ema_bands: EmaBands {
            upper: 100.0,
            lower: 0.0,
        },
        entry_volatility_logrange_ema_1h: 0.0,
    }
}

#[test]
fn short_initial_entry_mirrors_long() {
    // p0 = max(99, round_up(100·(1 + 0))) = 100, q0 = 0.2, sold.
    let o = calc_next_entry(
        Pside::Short,
        &exchange(),
        &short_state(99.0),
        &bot(),
        &Position::default(),
        &TrailingBundle::default(),
    );
    assert_order(o, -0.2, 100.0, OrderType::EntryInitialNormalShort);
}

#[test]
fn short_grid_reentry_mirrors_long() {
    // −0.2 @ 100.3, ask 100.5: p0 = 100.5, q0 = round_(20/100.5 = 0.199) = 0.199 ≤ 0.2;
    // we = 0.02006, mult = 1.1003, p = max(round_up(100.3·1.022006 = 102.5072), 100.5) = 102.51;
    // q = round_(max(0.2, 1000/102.51·0.02 = 0.1951)) = 0.2; we_f = 0.4·101.405/1000 (no crop);
    // next level round_up(101.405·1.024056 = 103.844) = 103.85 with 0.4 ⇒ ratio 1 (no inflation).
    let o = calc_next_entry(
        Pside::Short,
        &exchange(),
        &short_state(100.5),
        &bot(),
        &Position {
            size: -0.2,
            price: 100.3,
        },
        &TrailingBundle::default(),
    );
    assert_order(o, -0.2, 102.51, OrderType::EntryGridNormalShort);
}

#[test]
fn short_untriggered_trailing_is_a_positive_zero() {
    let b = BotParams {
        entry_trailing_grid_ratio: 1.0,
        entry_trailing_threshold_pct: 0.05,
        ..bot()
    };
    let o = calc_next_entry(
        Pside::Short,
        &exchange(),
        &short_state(100.5),
        &BotParams {
            entry_trailing_retracement_pct: 0.01,
            ..b
        },
        &Position {
            size: -0.2,
            price: 100.3,
        },
        &TrailingBundle::default(),
    );
    assert_eq!(o, Order::new(0.0, 0.0, OrderType::EntryTrailingNormalShort));
    assert!(o.qty.is_sign_positive());
}

// ---- trailing entries (all four threshold/retracement cases) ------------------------------

fn trailing_bot(threshold: f64, retracement: f64) -> BotParams {
    BotParams {
        entry_trailing_grid_ratio: 1.0,
        entry_trailing_threshold_pct: threshold,
        entry_trailing_retracement_pct: retracement,
        ..bot()
    }
}

/// Fell to 90, bounced to 95.
fn bounced() -> TrailingBundle {
    TrailingBundle {
        min_since_open: 90.0,
        max_since_min: 95.0,
        ..TrailingBundle::default()
    }
}

#[test]
fn trailing_threshold_and_retracement() {
    // 1.2 @ 100.3: 90 < 100.3·0.95 and 95 > 90·1.01 ⇒ price round_dn(100.3·0.96 = 96.288) = 96.28,
    // q = max(1.2·0.5, 1000/96.28·0.02 = 0.2077) = 0.6; we_f = 1.8·98.96/1000 = 0.178 (no crop).
    let o = next_long(
        &trailing_bot(0.05, 0.01),
        &long_state(100.0),
        long(1.2, 100.3),
        &bounced(),
    );
    assert_order(o, 0.6, 96.28, OrderType::EntryTrailingNormalLong);
    // Not retraced enough: 95 < 90·1.1
    let o = next_long(
        &trailing_bot(0.05, 0.1),
        &long_state(100.0),
        long(1.2, 100.3),
        &bounced(),
    );
    assert_eq!(o, Order::new(0.0, 0.0, OrderType::EntryTrailingNormalLong));
}

#[test]
fn trailing_retracement_only_enters_at_the_bid() {
    let o = next_long(
        &trailing_bot(0.0, 0.01),
        &long_state(97.53),
        long(1.2, 100.3),
        &bounced(),
    );
    assert_order(o, 0.6, 97.53, OrderType::EntryTrailingNormalLong);
    let low_bounce = TrailingBundle {
        max_since_min: 90.5,
        ..bounced()
    };
    let o = next_long(
        &trailing_bot(0.0, 0.01),
        &long_state(97.53),
        long(1.2, 100.3),
        &low_bounce,
    );
    assert_eq!(o, Order::new(0.0, 0.0, OrderType::EntryTrailingNormalLong));
}

#[test]
fn trailing_threshold_only_always_triggers() {
    // price round_dn(100.3·0.95 = 95.285) = 95.28, even with the reset bundle.
    let o = next_long(
        &trailing_bot(0.05, 0.0),
        &long_state(100.0),
        long(1.2, 100.3),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.6, 95.28, OrderType::EntryTrailingNormalLong);
}

#[test]
fn trailing_without_threshold_or_retracement_never_triggers() {
    let o = next_long(
        &trailing_bot(0.0, 0.0),
        &long_state(100.0),
        long(1.2, 100.3),
        &bounced(),
    );
    assert_eq!(o, Order::new(0.0, 0.0, OrderType::EntryTrailingNormalLong));
}

#[test]
fn trailing_entry_cropped() {
    // 1.8 @ 100.3: we = 0.18054, q = 0.9 at 95.28, we_f = 2.7·98.6267/1000 = 0.266292 > 0.202 ⇒
    // (0.2 − 0.18054)/(0.266292 − 0.18054)·0.9 = 0.20424 → 0.204.
    let o = next_long(
        &trailing_bot(0.05, 0.0),
        &long_state(100.0),
        long(1.8, 100.3),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.204, 95.28, OrderType::EntryTrailingCroppedLong);
}

#[test]
fn full_position_gives_no_trailing_order() {
    // we = 0.1999 > 0.999·0.2: the trailing path returns the empty order, not a typed zero.
    let o = next_long(
        &trailing_bot(0.05, 0.0),
        &long_state(100.0),
        long(1.999, 100.0),
        &TrailingBundle::default(),
    );
    assert_eq!(o, Order::empty());
}

#[test]
fn entry_list_keeps_a_trailing_entry_only_first() {
    // Threshold-only trailing always triggers; the second call would be trailing again.
    let entries = calc_entries(
        Pside::Long,
        &exchange(),
        &long_state(100.0),
        &trailing_bot(0.05, 0.0),
        &long(1.2, 100.3),
        &TrailingBundle::default(),
    );
    assert_eq!(
        entries,
        vec![Order::new(0.6, 95.28, OrderType::EntryTrailingNormalLong)]
    );
}

// ---- §18 ---------------------------------------------------------------------------------

#[test]
fn spec18_08_grid_reentry_spacing_uses_capped_limit_then_inflates() {
    // Grid-first r = −0.415: cap = 0.2·0.585·1.01 = 0.11817. 0.6 @ 100.3: we = 0.06018,
    // mult = 1 + 0.06018/0.11817 = 1.50927 ⇒ p = round_dn(100.3·0.969815 = 97.272) = 97.27
    // (with the uncapped 0.2 it would be 97.69). q = 0.6, we_f = 1.2·98.785/1000 = 0.118542
    // ≤ 1.01·cap (no crop). Next level 94.82 with 1.2 crops below the minimum (→ 0.011),
    // 0.011/1.2 < 0.25 ⇒ inflated to (0.11817 − 0.06018)/(0.118542 − 0.06018)·0.6 = 0.59618 → 0.596
    // (smaller than q: inflation aims at the cap, no min-qty floor).
    let b = BotParams {
        entry_trailing_grid_ratio: -0.415,
        ..bot()
    };
    let o = next_long(
        &b,
        &long_state(100.0),
        long(0.6, 100.3),
        &TrailingBundle::default(),
    );
    assert_order(o, 0.596, 97.27, OrderType::EntryGridInflatedLong);
}

#[test]
fn spec18_08_grid_reentry_sweep_from_empty_to_full() {
    // The entry list from an empty position walks initial → grid levels and never overfills.
    let entries = calc_entries(
        Pside::Long,
        &exchange(),
        &long_state(101.0),
        &bot(),
        &long(0.0, 0.0),
        &TrailingBundle::default(),
    );
    let (mut size, mut price) = (0.0, 0.0);
    for e in &entries {
        (size, price) = calc_new_psize_pprice(size, price, e.qty, e.price, 0.001);
    }
    let we = calc_wallet_exposure(1.0, BALANCE, size, price);
    assert!((0.999 * 0.2..=0.2 * 1.01).contains(&we), "final we {we}");
}

#[test]
fn spec18_11_entry_ratio_dispatch_grid_below_and_trailing_above() {
    let b = BotParams {
        entry_trailing_grid_ratio: -0.415,
        entry_trailing_threshold_pct: 0.05,
        entry_trailing_retracement_pct: 0.01,
        ..bot()
    };
    let tb = TrailingBundle::default();
    // 50 % of L_a (1.0 @ 100, we 0.1 < 0.585·0.2): grid with cap 0.11817:
    // mult = 1 + 0.1/0.11817 = 1.84624, p = round_dn(100·0.963075 = 96.3075) = 96.3, q = 1,
    // we_f = 2·98.15/1000 = 0.1963 > 1.01·cap ⇒ (0.11817 − 0.1)/(0.1963 − 0.1)·1 = 0.18868 → 0.189.
    let o = next_long(&b, &long_state(100.0), long(1.0, 100.0), &tb);
    assert_order(o, 0.189, 96.3, OrderType::EntryGridCroppedLong);
    // 60 % of L_a (1.2 @ 100): trailing; the reset bundle never triggers ⇒ nothing.
    let o = next_long(&b, &long_state(100.0), long(1.2, 100.0), &tb);
    assert_eq!(o, Order::new(0.0, 0.0, OrderType::EntryTrailingNormalLong));
    // …and with a bounce it is a trailing entry (1.2 @ 100.3 as in the trailing test above).
    let o = next_long(&b, &long_state(100.0), long(1.2, 100.3), &bounced());
    assert_order(o, 0.6, 96.28, OrderType::EntryTrailingNormalLong);
}

#[test]
fn spec18_11_entry_ratio_dispatch_trailing_first() {
    // r = 0.4: an empty position takes the initial entry through the trailing path; at 30 %
    // it is trailing (untriggered ⇒ typed zero), at 50 % grid.
    let b = BotParams {
        entry_trailing_grid_ratio: 0.4,
        entry_trailing_threshold_pct: 0.05,
        entry_trailing_retracement_pct: 0.01,
        ..bot()
    };
    let tb = TrailingBundle::default();
    let o = next_long(&b, &long_state(101.0), long(0.0, 0.0), &tb);
    assert_order(o, 0.2, 100.0, OrderType::EntryInitialNormalLong);
    let o = next_long(&b, &long_state(100.0), long(0.6, 100.0), &tb);
    assert_eq!(o, Order::new(0.0, 0.0, OrderType::EntryTrailingNormalLong));
    // 50 % (1.0 @ 100.3, wr 0.5015 ≥ 0.4): grid with the full L_a: p = round_dn(100.3·0.96997 =
    // 97.288) = 97.28, q = 1, we_f = 0.19758 (no crop); next level 94.86 with 2 crops to 0.026,
    // 0.026/2 < 0.25 ⇒ inflated to (0.2 − 0.1003)/(0.19758 − 0.1003)·1 = 1.02488 → 1.025.
    let o = next_long(&b, &long_state(100.0), long(1.0, 100.3), &tb);
    assert_order(o, 1.025, 97.28, OrderType::EntryGridInflatedLong);
}
