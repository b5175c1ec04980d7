//! Expected values below were worked out by hand from the §7 formulas. Where a result is a
//! rounded price, the inputs were chosen so the unrounded value lies well inside a price step
//! (e.g. 100.8384 → 100.84), so binary float noise cannot move it across a step boundary.
use super::*;
use crate::types::OrderBook;
use crate::types::OrderType::*;

const B: f64 = 1000.0;

/// qty step 0.001, price step 0.01, min qty 0.001, min cost 1 ⇒ min_entry_qty ≈ 0.01 near 100.
fn ex() -> ExchangeParams {
    ExchangeParams {
        qty_step: 0.001,
        price_step: 0.01,
        min_qty: 0.001,
        min_cost: 1.0,
        c_mult: 1.0,
    }
}

/// WEL 0.2 without allowance (L_a = 0.2 ⇒ full position 2.0 at pprice 100), backwards ladder
/// 1 % → 0.2 %, 25 % slices, grid only, enforcer off.
fn bot() -> BotParams {
    BotParams {
        wallet_exposure_limit: 0.2,
        close_grid_markup_start: 0.01,
        close_grid_markup_end: 0.002,
        close_grid_qty_pct: 0.25,
        close_trailing_qty_pct: 0.5,
        ..BotParams::default()
    }
}

fn state(bid: f64, ask: f64) -> StateParams {
    StateParams {
        balance: B,
        order_book: OrderBook { bid, ask },
        ..StateParams::default()
    }
}

fn long_state() -> StateParams {
    state(0.0, 99.0)
}

fn pos(size: f64) -> Position {
    Position { size, price: 100.0 }
}

fn o(qty: f64, price: f64, order_type: OrderType) -> Order {
    Order::new(qty, price, order_type)
}

/// Bundle after a rise to 105 and a pullback to 103 (long trailing), resp. a drop to 95 and a
/// bounce to 97 (short trailing).
fn moved_bundle() -> TrailingBundle {
    TrailingBundle {
        min_since_open: 95.0,
        max_since_min: 97.0,
        max_since_open: 105.0,
        min_since_max: 103.0,
    }
}

fn next_long(bot: &BotParams, st: &StateParams, size: f64, tb: &TrailingBundle) -> Order {
    calc_next_close(Pside::Long, &ex(), st, bot, &pos(size), tb)
}

fn closes_long(bot: &BotParams, st: &StateParams, size: f64, tb: &TrailingBundle) -> Vec<Order> {
    calc_closes(Pside::Long, &ex(), st, bot, &pos(size), tb)
}

// ---- §7.1 close quantity ----------------------------------------------------------------

#[test]
fn close_qty_slice_excess_and_dust() {
    let e = ex();
    // full = 1000·0.2/100 = 2; slice 25 % = 0.5
    assert_eq!(calc_close_qty(&e, B, 0.2, 0.25, 1.6, 100.0, 100.36), 0.5);
    // smaller than a slice: the whole (rounded) position
    assert_eq!(calc_close_qty(&e, B, 0.2, 0.25, 0.3, 100.0, 100.36), 0.3);
    // 0.505 − 0.5 = 0.005 < min_entry_qty 0.01 ⇒ close all 0.505
    assert_eq!(
        calc_close_qty(&e, B, 0.2, 0.25, 0.505, 100.0, 100.36),
        0.505
    );
    // over-full 2.4565: excess 0.4565 joins the first slice: round_up(0.9565) = 0.957
    assert_eq!(
        calc_close_qty(&e, B, 0.2, 0.25, 2.4565, 100.0, 100.21),
        0.957
    );
    // tiny slice is lifted to min_entry_qty(100.36) = round_up(1/100.36) = 0.01
    assert_eq!(calc_close_qty(&e, B, 0.2, 0.001, 1.6, 100.0, 100.36), 0.01);
}

// ---- §18.9 grid close ladder -------------------------------------------------------------

#[test]
fn spec18_09_grid_close_ladder_backwards_spec_7_6_example() {
    // a = 101.00, b = 100.20, 80 steps; WE ratios 0.8, 0.55, 0.3, 0.05 of the shrinking size
    // ⇒ 101 − 0.8·ratio = 100.36, 100.56, 100.76, 100.96; sizes 0.5 ×3 and the 0.1 rest.
    let tb = TrailingBundle::default();
    assert_eq!(
        next_long(&bot(), &long_state(), 1.6, &tb),
        o(-0.5, 100.36, CloseGridLong)
    );
    assert_eq!(
        closes_long(&bot(), &long_state(), 1.6, &tb),
        vec![
            o(-0.5, 100.36, CloseGridLong),
            o(-0.5, 100.56, CloseGridLong),
            o(-0.5, 100.76, CloseGridLong),
            o(-0.1, 100.96, CloseGridLong),
        ]
    );
}

#[test]
fn spec18_09_grid_close_ladder_forwards() {
    // start 0.2 % → a = 100.20, end 1.01 % → b = 101.01 (81 steps, 1/81 < 25 %).
    // ratios 0.8, 0.55, 0.3, 0.05: 100.2 + 0.81·r = 100.848, 100.6455, 100.443, 100.2405,
    // rounded up; generated from the far end inwards, sorted ascending.
    let bot = BotParams {
        close_grid_markup_start: 0.002,
        close_grid_markup_end: 0.0101,
        ..bot()
    };
    assert_eq!(
        closes_long(&bot, &long_state(), 1.6, &TrailingBundle::default()),
        vec![
            o(-0.1, 100.25, CloseGridLong),
            o(-0.5, 100.45, CloseGridLong),
            o(-0.5, 100.65, CloseGridLong),
            o(-0.5, 100.85, CloseGridLong),
        ]
    );
}

#[test]
fn spec18_09_grid_close_ladder_over_full_closes_at_min_of_start_and_end() {
    // end 0.205 % ⇒ b = round_up(100.205) = 100.21 < a = 101. Position 2.4565 (WE/L_a ≈ 1.23)
    // ⇒ price min(a, b) = 100.21, qty = 25 % of 2 + excess 0.4565 = 0.9565 → 0.957.
    let bot = BotParams {
        close_grid_markup_end: 0.00205,
        ..bot()
    };
    let tb = TrailingBundle::default();
    assert_eq!(
        next_long(&bot, &long_state(), 2.4565, &tb),
        o(-0.957, 100.21, CloseGridLong)
    );
    // forwards ladder: min(a, b) is now the start price 100.21
    let fwd = BotParams {
        close_grid_markup_start: 0.00205,
        close_grid_markup_end: 0.01,
        ..bot
    };
    assert_eq!(
        next_long(&fwd, &long_state(), 2.4565, &tb),
        o(-0.957, 100.21, CloseGridLong)
    );
    // an ask above the ladder wins
    assert_eq!(
        next_long(&bot, &state(0.0, 100.5), 2.4565, &tb),
        o(-0.957, 100.5, CloseGridLong)
    );
}

#[test]
fn spec18_09_grid_close_ladder_position_just_above_min_qty() {
    let tb = TrailingBundle::default();
    // 0.015 (min_entry_qty 0.01): one order for everything; ratio 0.0075 ⇒ 100.994 → 101.00
    assert_eq!(
        closes_long(&bot(), &long_state(), 0.015, &tb),
        vec![o(-0.015, 101.0, CloseGridLong)]
    );
    // 0.505: a 0.5 slice would leave 0.005 of dust ⇒ one order of 0.505;
    // ratio 0.2525 ⇒ 101 − 0.202 = 100.798 → 100.80
    assert_eq!(
        closes_long(&bot(), &long_state(), 0.505, &tb),
        vec![o(-0.505, 100.8, CloseGridLong)]
    );
}

#[test]
fn grid_close_qty_pct_at_least_one_is_a_single_order_at_markup_start() {
    // start 1.234 % ⇒ round_up(101.234) = 101.24; the whole position, no slicing
    let tb = TrailingBundle::default();
    for pct in [1.0, 1.5, -0.1] {
        let bot = BotParams {
            close_grid_qty_pct: pct,
            close_grid_markup_start: 0.01234,
            ..bot()
        };
        assert_eq!(
            closes_long(&bot, &long_state(), 1.6, &tb),
            vec![o(-1.6, 101.24, CloseGridLong)]
        );
        assert_eq!(
            next_long(&bot, &state(0.0, 102.0), 1.6, &tb),
            o(-1.6, 102.0, CloseGridLong)
        );
    }
    // flat ladder (start == end) behaves the same
    let flat = BotParams {
        close_grid_markup_start: 0.01234,
        close_grid_markup_end: 0.01234,
        ..bot()
    };
    assert_eq!(
        next_long(&flat, &long_state(), 1.6, &tb),
        o(-1.6, 101.24, CloseGridLong)
    );
}

#[test]
fn grid_close_without_position_is_empty() {
    let tb = TrailingBundle::default();
    assert_eq!(next_long(&bot(), &long_state(), 0.0, &tb), Order::empty());
    assert!(closes_long(&bot(), &long_state(), 0.0, &tb).is_empty());
}

// ---- §7.5 WEL auto-reduce ----------------------------------------------------------------

fn enforcer_bot() -> BotParams {
    // target = 0.2 · 0.9 = 0.18 ⇒ size 1.8 at pprice 100
    BotParams {
        risk_wel_enforcer_threshold: 0.9,
        ..bot()
    }
}

#[test]
fn wel_auto_reduce_smallest_step_multiple_strictly_below_target_at_ask() {
    // 1.95 − 1.8 = 0.15 would leave WE exactly at the target, which is not strictly below
    // ⇒ one more step: 0.151 (WE 0.1799). Priced at the ask.
    let got = calc_wel_auto_reduce(
        Pside::Long,
        &ex(),
        &long_state(),
        &enforcer_bot(),
        &pos(1.95),
    );
    assert_eq!(got, Some(o(-0.151, 99.0, CloseAutoReduceWelLong)));
    // the dispatcher returns it before any grid/trailing logic
    let tb = TrailingBundle::default();
    assert_eq!(
        next_long(&enforcer_bot(), &long_state(), 1.95, &tb),
        o(-0.151, 99.0, CloseAutoReduceWelLong)
    );
    // no ask (0) ⇒ priced at the position price
    let got = calc_wel_auto_reduce(
        Pside::Long,
        &ex(),
        &state(0.0, 0.0),
        &enforcer_bot(),
        &pos(1.95),
    );
    assert_eq!(got, Some(o(-0.151, 100.0, CloseAutoReduceWelLong)));
}

#[test]
fn wel_auto_reduce_respects_min_qty_and_switches() {
    // 1.801: excess 0.001, lifted to min_entry_qty(99) = round_up(1/99) = 0.011
    let got = calc_wel_auto_reduce(
        Pside::Long,
        &ex(),
        &long_state(),
        &enforcer_bot(),
        &pos(1.801),
    );
    assert_eq!(got, Some(o(-0.011, 99.0, CloseAutoReduceWelLong)));
    // at or below target: nothing
    assert_eq!(
        calc_wel_auto_reduce(
            Pside::Long,
            &ex(),
            &long_state(),
            &enforcer_bot(),
            &pos(1.7)
        ),
        None
    );
    // threshold 0 disables it
    assert_eq!(
        calc_wel_auto_reduce(Pside::Long, &ex(), &long_state(), &bot(), &pos(1.95)),
        None
    );
    // zero balance disables it
    assert_eq!(
        calc_wel_auto_reduce(
            Pside::Long,
            &ex(),
            &StateParams::default(),
            &enforcer_bot(),
            &pos(1.95)
        ),
        None
    );
}

#[test]
fn wel_auto_reduce_in_close_list_then_grid() {
    // After the 0.151 reduce the rest (1.799, ratio 0.8995) gets grid closes:
    // 101 − 0.8·0.8995 = 100.2804 → 100.29 (0.5), 0.6495 → 100.4804 → 100.49 (0.5),
    // 0.3995 → 100.6804 → 100.69 (0.5), 0.1495 → 100.8804 → 100.89 (0.299 rest).
    let closes = closes_long(
        &enforcer_bot(),
        &long_state(),
        1.95,
        &TrailingBundle::default(),
    );
    assert_eq!(
        closes,
        vec![
            o(-0.151, 99.0, CloseAutoReduceWelLong),
            o(-0.5, 100.29, CloseGridLong),
            o(-0.5, 100.49, CloseGridLong),
            o(-0.5, 100.69, CloseGridLong),
            o(-0.299, 100.89, CloseGridLong),
        ]
    );
}

// ---- §7.3 trailing close trigger table --------------------------------------------------

fn trailing_bot(thr: f64, ret: f64) -> BotParams {
    BotParams {
        close_trailing_grid_ratio: 1.0, // trailing only
        close_trailing_threshold_pct: thr,
        close_trailing_retracement_pct: ret,
        ..bot()
    }
}

#[test]
fn trailing_close_trigger_table_long() {
    // Position 1.6 @ 100, ask 100.5, qty pct 0.5 ⇒ slice 1.0 of the full 2.0.
    let st = state(0.0, 100.5);
    let moved = moved_bundle(); // high 105, pullback to 103 (1.9 %)
    let default = TrailingBundle::default();
    let none = o(0.0, 0.0, CloseTrailingLong);

    // thr ≤ 0, ret > 0: triggers on a 1 % pullback from the high (103 < 103.95), at the ask
    let b = trailing_bot(0.0, 0.01);
    assert_eq!(
        next_long(&b, &st, 1.6, &moved),
        o(-1.0, 100.5, CloseTrailingLong)
    );
    let shallow = TrailingBundle {
        min_since_max: 104.0,
        ..moved
    };
    assert_eq!(next_long(&b, &st, 1.6, &shallow), none);
    assert_eq!(next_long(&b, &st, 1.6, &default), none);

    // thr ≤ 0, ret ≤ 0: never
    assert_eq!(next_long(&trailing_bot(0.0, 0.0), &st, 1.6, &moved), none);

    // thr > 0, ret ≤ 0: always, at round_up(100·1.02345) = 102.35
    let b = trailing_bot(0.02345, 0.0);
    assert_eq!(
        next_long(&b, &st, 1.6, &default),
        o(-1.0, 102.35, CloseTrailingLong)
    );

    // thr > 0, ret > 0: high above 102.345 and pulled back 1 % ⇒ round_up(101.345) = 101.35
    let b = trailing_bot(0.02345, 0.01);
    assert_eq!(
        next_long(&b, &st, 1.6, &moved),
        o(-1.0, 101.35, CloseTrailingLong)
    );
    let high_too_low = TrailingBundle {
        max_since_open: 102.3,
        min_since_max: 100.0,
        ..moved
    };
    assert_eq!(next_long(&b, &st, 1.6, &high_too_low), none);
    assert_eq!(next_long(&b, &st, 1.6, &default), none);
    // an untriggered trailing close ends the list at once
    assert!(closes_long(&b, &st, 1.6, &default).is_empty());
}

// ---- §18.11 ratio dispatch ---------------------------------------------------------------

#[test]
fn spec18_11_close_ratio_dispatch_grid_first_untriggered_gives_no_closes() {
    // r = −0.561 (grid first): grid closes only while WE/L_a < 1 + r = 0.439. Position 1.0 @ 100
    // has WE/L_a = 0.5 ≥ 0.439, so the dispatcher hands a trailing close the part above the
    // grid allocation (cost_to_qty(1000·0.2·0.439, 100) = 0.878 ⇒ round_((1 − 0.878)·1.01) =
    // 0.123). With an untriggered bundle that trailing close has qty 0, and calc_closes stops
    // at the first zero order: zero closes, as §18.11 states (quirk 9).
    let b = BotParams {
        close_trailing_grid_ratio: -0.561,
        close_trailing_threshold_pct: 0.02345,
        close_trailing_retracement_pct: 0.01,
        ..bot()
    };
    let st = state(0.0, 100.5);
    let default = TrailingBundle::default();
    assert_eq!(
        next_long(&b, &st, 1.0, &default),
        o(0.0, 0.0, CloseTrailingLong)
    );
    assert!(closes_long(&b, &st, 1.0, &default).is_empty());

    // Below the grid allocation (0.81 ⇒ ratio 0.405 < 0.439): ordinary grid close,
    // 101 − 0.8·0.405 = 100.676 → 100.68.
    assert_eq!(
        next_long(&b, &st, 0.81, &default),
        o(-0.5, 100.68, CloseGridLong)
    );

    // Triggered bundle: the trailing close takes the 0.123 excess at 101.35, then the rest
    // (0.877, ratio 0.4385 < 0.439) gets grid closes at 101 − 0.8·0.4385 = 100.6492 → 100.65
    // (0.5) and 101 − 0.8·0.1885 = 100.8492 → 100.85 (0.377).
    let moved = moved_bundle();
    assert_eq!(
        next_long(&b, &st, 1.0, &moved),
        o(-0.123, 101.35, CloseTrailingLong)
    );
    assert_eq!(
        closes_long(&b, &st, 1.0, &moved),
        vec![
            o(-0.5, 100.65, CloseGridLong),
            o(-0.377, 100.85, CloseGridLong),
            o(-0.123, 101.35, CloseTrailingLong),
        ]
    );
}

#[test]
fn spec18_11_close_ratio_dispatch_trailing_first() {
    // r = 0.3 (trailing first): trailing while WE/L_a < 0.3, then grid on the part above the
    // trailing allocation 0.6: round_((1.0 − 0.6)·1.01) = 0.404, WE/L_a of that 0.202
    // ⇒ 101 − 0.8·0.202 = 100.8384 → 100.84, qty the whole 0.404.
    let b = BotParams {
        close_trailing_grid_ratio: 0.3,
        close_trailing_threshold_pct: 0.02345,
        close_trailing_retracement_pct: 0.01,
        ..bot()
    };
    let st = state(0.0, 100.5);
    let default = TrailingBundle::default();
    assert_eq!(
        next_long(&b, &st, 1.0, &default),
        o(-0.404, 100.84, CloseGridLong)
    );
    // 0.4 ⇒ ratio 0.2 < 0.3: trailing, untriggered
    assert_eq!(
        next_long(&b, &st, 0.4, &default),
        o(0.0, 0.0, CloseTrailingLong)
    );
    // |r| ≥ 1: trailing only, even for a full position
    let only_trailing = BotParams {
        close_trailing_grid_ratio: -1.0,
        ..b
    };
    assert_eq!(
        next_long(&only_trailing, &st, 1.9, &default),
        o(0.0, 0.0, CloseTrailingLong)
    );
}

// ---- short mirror ------------------------------------------------------------------------

#[test]
fn short_grid_ladder_mirrors_long() {
    // Short −1.6 @ 100, bid 101: a = round_dn(99.0) = 99.00, b = round_dn(99.795) = 99.79
    // (79 steps). Ratios 0.8, 0.55, 0.3, 0.05 ⇒ 99 + 0.79·r = 99.632, 99.4345, 99.237,
    // 99.0395 rounded down; buys, sorted descending.
    let b = BotParams {
        close_grid_markup_end: 0.00205,
        ..bot()
    };
    let st = state(101.0, 0.0);
    let tb = TrailingBundle::default();
    let short = calc_closes(Pside::Short, &ex(), &st, &b, &pos(-1.6), &tb);
    assert_eq!(
        short,
        vec![
            o(0.5, 99.63, CloseGridShort),
            o(0.5, 99.43, CloseGridShort),
            o(0.5, 99.23, CloseGridShort),
            o(0.1, 99.03, CloseGridShort),
        ]
    );
    // Long counterpart: a = 101.00, b = 100.21 ⇒ 101 − 0.79·r = 100.368, 100.5655, 100.763,
    // 100.9605 rounded up: each price is 200 − the short one, quantities negated.
    let long = calc_closes(Pside::Long, &ex(), &long_state(), &b, &pos(1.6), &tb);
    assert_eq!(
        long,
        vec![
            o(-0.5, 100.37, CloseGridLong),
            o(-0.5, 100.57, CloseGridLong),
            o(-0.5, 100.77, CloseGridLong),
            o(-0.1, 100.97, CloseGridLong),
        ]
    );
}

#[test]
fn short_trailing_and_wel_reduce() {
    // low 95 < 100·(1 − 0.02345) = 97.655 and bounce 97 > 95·1.01 = 95.95
    // ⇒ round_dn(100·(1 − 0.02345 + 0.01)) = round_dn(98.655) = 98.65
    let st = state(99.5, 0.0);
    let b = trailing_bot(0.02345, 0.01);
    let got = calc_next_close(Pside::Short, &ex(), &st, &b, &pos(-1.6), &moved_bundle());
    assert_eq!(got, o(1.0, 98.65, CloseTrailingShort));
    let got = calc_next_close(
        Pside::Short,
        &ex(),
        &st,
        &b,
        &pos(-1.6),
        &TrailingBundle::default(),
    );
    assert_eq!(got, o(0.0, 0.0, CloseTrailingShort));
    // thr ≤ 0, ret > 0 at the bid
    let got = calc_next_close(
        Pside::Short,
        &ex(),
        &st,
        &trailing_bot(0.0, 0.01),
        &pos(-1.6),
        &moved_bundle(),
    );
    assert_eq!(got, o(1.0, 99.5, CloseTrailingShort));
    // WEL reduce of −1.95: 0.151 at the bid 101 (min_entry_qty(101) = 0.01)
    let got = calc_wel_auto_reduce(
        Pside::Short,
        &ex(),
        &state(101.0, 0.0),
        &enforcer_bot(),
        &pos(-1.95),
    );
    assert_eq!(got, Some(o(0.151, 101.0, CloseAutoReduceWelShort)));
}

#[test]
fn equal_price_closes_are_merged_taking_the_later_type() {
    // The WEL reduce priced at the ask 101.0 is followed by a grid close whose price is lifted
    // to the same ask (101 − 0.8·0.8995 → 100.29 < ask): merged into one order 0.151 + 0.5,
    // typed close_grid (quirk 16). Every later grid price is also below the ask, so all
    // closes merge into a single order of the whole position.
    let closes = closes_long(
        &enforcer_bot(),
        &state(0.0, 101.0),
        1.95,
        &TrailingBundle::default(),
    );
    assert_eq!(closes, vec![o(-1.95, 101.0, CloseGridLong)]);
}
