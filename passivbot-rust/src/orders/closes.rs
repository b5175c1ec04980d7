//! Closes: grid take-profit ladder, trailing close, WEL auto-reduce (core spec §7).
//!
//! Every function is written once for both sides. The side enters only through the small
//! helpers below (`more_profitable`, `round_toward_profit`, `markup`, …), each of which maps the
//! long formula onto its mirror image (min↔max, round_up↔round_dn, 1+x↔1−x, ask↔bid). The mirror
//! maps use only negation and multiplication by ±1, which are exact in IEEE-754, so both sides
//! reproduce the reference bit for bit.
//!
//! Sign conventions: `position.size > 0` long, `< 0` short; long closes sell (`qty < 0`), short
//! closes buy (`qty > 0`). Internally sizes are handled as the absolute value `σ·size` with
//! `σ = pside.sign()`.

use std::cell::Cell;

use super::memo::{BookUse, CallKey, Clamp, OrderMemo, Snapped, Step};
use crate::math::{
    calc_min_entry_qty, calc_wallet_exposure, cost_to_qty, quantize, round_, round_dn, round_up,
    wel_with_allowance,
};
use crate::types::{
    BotParams, ExchangeParams, Order, OrderKind, OrderType, Position, Pside, StateParams,
    TrailingBundle,
};

/// Upper bound on the number of orders `calc_closes` builds (the reference's loop limit).
const MAX_CLOSES: usize = 500;
/// Upper bound on the step search of the WEL auto-reduce.
const MAX_WEL_REDUCE_STEPS: usize = 10_000;
/// Tolerance of the WEL auto-reduce: the reduced exposure must be below `target − 1e−12`
/// (pinned by the golden vectors: without it one `edge:wel_reduce` vector per side differs).
const WEL_TARGET_TOLERANCE: f64 = 1e-12;
/// The spec's "ε" of the WEL auto-reduce (a zero reduce becomes one step; stop once nothing is
/// left). The golden vectors do not distinguish `f64::EPSILON` from 0 here.
const WEL_EPSILON: f64 = f64::EPSILON;
/// Allocation padding of the ratio dispatcher (reference constant, quirk 18).
const RATIO_PADDING: f64 = 1.01;

// ---------------------------------------------------------------------------------------------
// Side mirrors
// ---------------------------------------------------------------------------------------------

/// The price at which a close is placed relative to the market: the ask for long (a sell),
/// the bid for short (a buy).
fn market_price(pside: Pside, state: &StateParams) -> f64 {
    match pside {
        Pside::Long => state.order_book.ask,
        Pside::Short => state.order_book.bid,
    }
}

/// The market price a close is measured against (`market_price`), with a record of how the
/// close read it and whether it read the trailing bundle: what a memoised close must match
/// (`orders::memo`).
struct Market {
    pside: Pside,
    price: f64,
    book_use: Cell<BookUse>,
    read_trailing: Cell<bool>,
}

impl Market {
    fn new(pside: Pside, state: &StateParams) -> Self {
        Market {
            pside,
            price: market_price(pside, state),
            book_use: Cell::new(BookUse::new(close_clamp(pside))),
            read_trailing: Cell::new(false),
        }
    }

    /// `more_profitable(pside, market, level)`, noted.
    fn clamp(&self, level: f64) -> f64 {
        let mut book_use = self.book_use.get();
        book_use.clamped(level, self.price);
        self.book_use.set(book_use);
        more_profitable(self.pside, self.price, level)
    }

    /// The market price itself, noted.
    fn read(&self) -> f64 {
        let mut book_use = self.book_use.get();
        book_use.read();
        self.book_use.set(book_use);
        self.price
    }
}

/// Closes clamp with `max` (long) or `min` (short): `more_profitable`.
fn close_clamp(pside: Pside) -> Clamp {
    match pside {
        Pside::Long => Clamp::Max,
        Pside::Short => Clamp::Min,
    }
}

/// The more profitable of two close prices (long: higher, short: lower).
fn more_profitable(pside: Pside, a: f64, b: f64) -> f64 {
    match pside {
        Pside::Long => a.max(b),
        Pside::Short => a.min(b),
    }
}

/// The less profitable of two close prices (long: lower, short: higher).
fn less_profitable(pside: Pside, a: f64, b: f64) -> f64 {
    match pside {
        Pside::Long => a.min(b),
        Pside::Short => a.max(b),
    }
}

/// Rounds a close price to the step in the profitable direction (long up, short down).
fn round_toward_profit(pside: Pside, price: f64, price_step: f64) -> f64 {
    match pside {
        Pside::Long => round_up(price, price_step),
        Pside::Short => round_dn(price, price_step),
    }
}

/// `a` lies strictly on the profitable side of `b` (long: `a > b`, short: `a < b`).
fn beyond(pside: Pside, a: f64, b: f64) -> bool {
    match pside {
        Pside::Long => a > b,
        Pside::Short => a < b,
    }
}

/// Price multiplier of a markup in the profitable direction: long `1 + x`, short `1 − x`.
/// (`1 + (−x)` is bit-identical to `1 − x`.)
fn markup(pside: Pside, x: f64) -> f64 {
    1.0 + pside.sign() * x
}

/// Price multiplier of a move against the profitable direction: long `1 − x`, short `1 + x`.
fn markdown(pside: Pside, x: f64) -> f64 {
    1.0 - pside.sign() * x
}

/// The position with the same price and a size of `abs_size` on this side.
fn with_abs_size(pside: Pside, position: &Position, abs_size: f64) -> Position {
    Position {
        size: pside.sign() * abs_size,
        price: position.price,
    }
}

// ---------------------------------------------------------------------------------------------
// Close quantity (§7.1)
// ---------------------------------------------------------------------------------------------

/// Size (positive) of one close slice of `pct` of the full allocation, plus everything above it.
///
/// `full` is the position that would fill the allowed limit `wel_a` at the position price; the
/// excess `left` over it is always closed in the first slice. The result never leaves a
/// remainder smaller than the exchange minimum: in that case the whole position is closed.
pub fn calc_close_qty(
    exchange: &ExchangeParams,
    balance: f64,
    wel_a: f64,
    pct: f64,
    psize_abs: f64,
    pprice: f64,
    close_price: f64,
) -> f64 {
    let full = cost_to_qty(balance * wel_a, pprice, exchange.c_mult);
    let left = (psize_abs - full).max(0.0);
    let min_qty = calc_min_entry_qty(close_price, exchange);
    let slice = min_qty.max(round_up(full * pct + left, exchange.qty_step));
    let qty = round_(psize_abs, exchange.qty_step).min(slice);
    if qty > 0.0 && qty < psize_abs && psize_abs - qty < min_qty {
        psize_abs
    } else {
        qty
    }
}

// ---------------------------------------------------------------------------------------------
// Grid close (§7.2)
// ---------------------------------------------------------------------------------------------

/// One take-profit order. Its price is interpolated between the markup-start and markup-end
/// prices by how full the position is (`WE / L_a`, capped at 1); an over-full position closes at
/// the less profitable end of the ladder.
fn calc_grid_close(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    mkt: &Market,
    bot: &BotParams,
    position: &Position,
) -> Order {
    let psize = pside.sign() * position.size;
    if psize <= 0.0 {
        return Order::empty();
    }
    let close_sign = -pside.sign();
    let order_type = OrderKind::CloseGrid.for_side(pside);
    let pprice = position.price;
    let start = round_toward_profit(
        pside,
        pprice * markup(pside, bot.close_grid_markup_start),
        exchange.price_step,
    );
    let close_all = || {
        Order::new(
            close_sign * round_(psize, exchange.qty_step),
            mkt.clamp(start),
            order_type,
        )
    };
    if bot.close_grid_qty_pct < 0.0 || bot.close_grid_qty_pct >= 1.0 {
        return close_all();
    }
    let end = round_toward_profit(
        pside,
        pprice * markup(pside, bot.close_grid_markup_end),
        exchange.price_step,
    );
    if start == end {
        return close_all();
    }
    let n_steps = ((end - start).abs() / exchange.price_step).ceil();
    let pct = bot.close_grid_qty_pct.max(1.0 / n_steps);
    let wel_a = wel_with_allowance(bot.wallet_exposure_limit, bot.risk_we_excess_allowance_pct);
    let we_ratio = calc_wallet_exposure(exchange.c_mult, state.balance, psize, pprice) / wel_a;
    let price = if we_ratio > 1.0 {
        mkt.clamp(less_profitable(pside, start, end))
    } else {
        let interpolated = start + (end - start) * we_ratio.min(1.0);
        mkt.clamp(round_toward_profit(
            pside,
            interpolated,
            exchange.price_step,
        ))
    };
    let qty = calc_close_qty(exchange, state.balance, wel_a, pct, psize, pprice, price);
    Order::new(close_sign * qty, price, order_type)
}

// ---------------------------------------------------------------------------------------------
// Trailing close (§7.3)
// ---------------------------------------------------------------------------------------------

/// One trailing take-profit order, or a zero-qty `close_trailing` order when not triggered.
///
/// Long: the price must have risen above `P·(1 + thr)` since the position was opened and then
/// retraced by `ret` from that high. Short mirrors this with the low since open and the bounce
/// since that low.
fn calc_trailing_close(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    mkt: &Market,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
) -> Order {
    let psize = pside.sign() * position.size;
    // §7.3 only guards `s == 0` here (the grid close guards `s ≤ 0`); the dispatcher never
    // passes a wrong-signed size, so the difference is not observable through it.
    if position.size == 0.0 {
        return Order::empty();
    }
    let order_type = OrderKind::CloseTrailing.for_side(pside);
    let untriggered = Order::new(0.0, 0.0, order_type);
    let pprice = position.price;
    let thr = bot.close_trailing_threshold_pct;
    let ret = bot.close_trailing_retracement_pct;
    // Most favourable price since open, and the retracement from it since then.
    let (extreme, since_extreme) = match pside {
        Pside::Long => (trailing.max_since_open, trailing.min_since_max),
        Pside::Short => (trailing.min_since_open, trailing.max_since_min),
    };
    let retraced = || {
        mkt.read_trailing.set(true);
        beyond(pside, extreme * markdown(pside, ret), since_extreme)
    };
    let price = if thr <= 0.0 {
        if ret <= 0.0 || !retraced() {
            return untriggered;
        }
        mkt.read()
    } else if ret <= 0.0 {
        mkt.clamp(round_toward_profit(
            pside,
            pprice * markup(pside, thr),
            exchange.price_step,
        ))
    } else {
        mkt.read_trailing.set(true);
        if !(beyond(pside, extreme, pprice * markup(pside, thr)) && retraced()) {
            return untriggered;
        }
        // long 1 + thr − ret, short 1 − thr + ret, in that evaluation order.
        let mult = markup(pside, thr) - pside.sign() * ret;
        mkt.clamp(round_toward_profit(
            pside,
            pprice * mult,
            exchange.price_step,
        ))
    };
    let wel_a = wel_with_allowance(bot.wallet_exposure_limit, bot.risk_we_excess_allowance_pct);
    let qty = calc_close_qty(
        exchange,
        state.balance,
        wel_a,
        bot.close_trailing_qty_pct,
        psize,
        pprice,
        price,
    );
    Order::new(-pside.sign() * qty, price, order_type)
}

// ---------------------------------------------------------------------------------------------
// WEL auto-reduce (§7.5)
// ---------------------------------------------------------------------------------------------

/// Per-position exposure enforcer: when the position's WE exceeds
/// `L_a · risk_wel_enforcer_threshold`, a market-priced close of the smallest qty-step multiple
/// (at least the exchange minimum) that brings WE, evaluated at the entry price, strictly below
/// that target. `None` when disabled or not needed.
pub fn calc_wel_auto_reduce(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
) -> Option<Order> {
    wel_auto_reduce(
        pside,
        exchange,
        state,
        &Market::new(pside, state),
        bot,
        position,
    )
}

fn wel_auto_reduce(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    mkt: &Market,
    bot: &BotParams,
    position: &Position,
) -> Option<Order> {
    let threshold = bot.risk_wel_enforcer_threshold;
    let balance = state.balance;
    let pprice = position.price;
    let wel_a = wel_with_allowance(bot.wallet_exposure_limit, bot.risk_we_excess_allowance_pct);
    if threshold <= 0.0 || balance <= 0.0 || pprice <= 0.0 || wel_a <= 0.0 {
        return None;
    }
    let psize = pside.sign() * position.size;
    let c_mult = exchange.c_mult;
    let target = wel_a * threshold;
    if calc_wallet_exposure(c_mult, balance, psize, pprice) <= target {
        return None;
    }
    let mkt = match mkt.read() {
        p if p > 0.0 => p,
        _ => pprice,
    };
    let min_qty = calc_min_entry_qty(mkt, exchange);
    let mut reduce = (psize - target * balance / (pprice * c_mult)).max(0.0);
    if reduce <= WEL_EPSILON {
        reduce = exchange.qty_step;
    }
    let mut qty = 0.0;
    for _ in 0..MAX_WEL_REDUCE_STEPS {
        qty = psize.min(min_qty.max(round_up(reduce, exchange.qty_step).min(psize)));
        let remaining = psize - qty;
        if calc_wallet_exposure(c_mult, balance, remaining, pprice) < target - WEL_TARGET_TOLERANCE
            || remaining <= WEL_EPSILON
        {
            break;
        }
        reduce += exchange.qty_step;
    }
    Some(Order::new(
        -pside.sign() * qty,
        mkt,
        OrderKind::CloseAutoReduceWel.for_side(pside),
    ))
}

// ---------------------------------------------------------------------------------------------
// Dispatcher (§7.4)
// ---------------------------------------------------------------------------------------------

/// The next close for this position: the WEL auto-reduce if it applies, else a grid or trailing
/// close chosen by `close_trailing_grid_ratio` `r` and the WE ratio `wr = WE / L_a`:
/// * `|r| ≥ 1`: trailing only; `r == 0`: grid only;
/// * `r > 0` (trailing first): trailing while `wr < r`, then grid closes on the part of the
///   position above the trailing allocation (padded by 1.01);
/// * `r < 0` (grid first): grid while `wr < 1 + r`, then a trailing close on the part above the
///   grid allocation — so an untriggered trailing close means no TP orders at all (quirk 9).
pub fn calc_next_close(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
) -> Order {
    let mkt = Market::new(pside, state);
    close_step(pside, exchange, state, &mkt, bot, position, trailing)
}

/// [`calc_next_close`] against a recorded market price.
fn close_step(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    mkt: &Market,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
) -> Order {
    if position.size == 0.0 {
        return Order::empty();
    }
    if let Some(order) = wel_auto_reduce(pside, exchange, state, mkt, bot, position) {
        return order;
    }
    let psize = pside.sign() * position.size;
    let balance = state.balance;
    let pprice = position.price;
    let wel_a = wel_with_allowance(bot.wallet_exposure_limit, bot.risk_we_excess_allowance_pct);
    let we_ratio = if wel_a <= 0.0 {
        10.0
    } else {
        calc_wallet_exposure(exchange.c_mult, balance, psize, pprice) / wel_a
    };
    let ratio = bot.close_trailing_grid_ratio;
    let grid = |p: &Position| calc_grid_close(pside, exchange, state, mkt, bot, p);
    let trail = |p: &Position| calc_trailing_close(pside, exchange, state, mkt, bot, p, trailing);
    if ratio >= 1.0 || ratio <= -1.0 {
        return trail(position);
    }
    if ratio == 0.0 {
        return grid(position);
    }
    let min_qty = calc_min_entry_qty(pprice, exchange);
    // Size allotted to the first mode; below the exchange minimum it counts as nothing.
    let allocation = |share: f64| {
        let qty = cost_to_qty(balance * wel_a * share, pprice, exchange.c_mult);
        if qty < min_qty {
            0.0
        } else {
            qty
        }
    };
    // The rest of the position, padded, handed to the second mode as a virtual position.
    let rest = |first_alloc: f64| {
        let padded = round_((psize - first_alloc) * RATIO_PADDING, exchange.qty_step);
        with_abs_size(pside, position, psize.min(padded.max(min_qty)))
    };
    if ratio > 0.0 {
        if we_ratio < ratio {
            return trail(position);
        }
        grid(&rest(allocation(ratio)))
    } else {
        if we_ratio < 1.0 + ratio {
            return grid(position);
        }
        trail(&rest(allocation(1.0 + ratio)))
    }
}

/// Step `k` of a memoised close computation: the memo's order when everything the step reads
/// is unchanged (see `orders::memo`), else a fresh one, remembered.
#[allow(clippy::too_many_arguments)] // close_step's arguments, the memo and the step
fn memo_close_step(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    memo: &mut OrderMemo,
    k: usize,
) -> Order {
    let mkt = Market::new(pside, state);
    if let Some(step) = memo.candidate(k, position, mkt.price, trailing) {
        return memo.hit(step.order);
    }
    let order = close_step(pside, exchange, state, &mkt, bot, position, trailing);
    memo.store(
        k,
        Step {
            position: *position,
            initial_price: 0.0,
            sized: None,
            book: mkt.price,
            book_use: mkt.book_use.get(),
            trailing: mkt.read_trailing.get().then_some(*trailing),
            order,
            snapped: None,
        },
    );
    order
}

/// The memo's call-wide key of a close computation (closes do not read the volatility).
fn call_key<'a>(
    pside: Pside,
    exchange: &'a ExchangeParams,
    state: &StateParams,
    bot: &'a BotParams,
) -> CallKey<'a> {
    CallKey {
        pside,
        exchange,
        bot,
        balance: state.balance,
        volatility: 0.0,
    }
}

/// [`calc_next_close`] through a memo kept between calls (step 0 of [`calc_closes_into_memo`]):
/// the same order, bit for bit.
pub(crate) fn calc_next_close_memo(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    memo: &mut OrderMemo,
) -> Order {
    memo.begin(call_key(pside, exchange, state, bot));
    memo_close_step(pside, exchange, state, bot, position, trailing, memo, 0)
}

// ---------------------------------------------------------------------------------------------
// Close list (§7.6)
// ---------------------------------------------------------------------------------------------

/// All closes for this position: `calc_next_close` applied repeatedly to the shrinking position
/// (price fixed), each order snapped to the steps. Stops at the first zero order or at a trailing
/// close after the first order; a close at the same price as the previous one is merged into it
/// (taking the newer type, quirk 16). Sorted from the nearest price outwards (long ascending,
/// short descending; stable).
pub fn calc_closes(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
) -> Vec<Order> {
    let mut closes = Vec::new();
    calc_closes_into(pside, exchange, state, bot, position, trailing, &mut closes);
    closes
}

/// [`calc_closes`] into a caller's buffer (cleared first), so a backtest reuses one allocation.
pub fn calc_closes_into(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    closes: &mut Vec<Order>,
) {
    closes_ladder(
        pside, exchange, state, bot, position, trailing, None, closes,
    );
}

/// [`calc_closes_into`] through a memo kept between calls: step `k` of the ladder is step `k`
/// of the memo. The same orders, bit for bit (see `orders::memo`).
#[allow(clippy::too_many_arguments)] // calc_closes_into's arguments and the memo
pub(crate) fn calc_closes_into_memo(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    memo: &mut OrderMemo,
    closes: &mut Vec<Order>,
) {
    memo.begin(call_key(pside, exchange, state, bot));
    closes_ladder(
        pside,
        exchange,
        state,
        bot,
        position,
        trailing,
        Some(memo),
        closes,
    );
}

/// A ladder's close snapped to the exchange steps, and the position left after it.
fn snap_close(close: Order, remaining: &Position, exchange: &ExchangeParams) -> Snapped {
    let mut close = close;
    close.price = quantize(close.price, exchange.price_step);
    close.qty = quantize(close.qty, exchange.qty_step);
    Snapped {
        order: close,
        position_after: Position {
            size: round_(remaining.size + close.qty, exchange.qty_step),
            price: remaining.price,
        },
    }
}

#[allow(clippy::too_many_arguments)] // calc_closes_into's arguments and the memo
fn closes_ladder(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    mut memo: Option<&mut OrderMemo>,
    closes: &mut Vec<Order>,
) {
    let trailing_type: OrderType = OrderKind::CloseTrailing.for_side(pside);
    closes.clear();
    let mut remaining = *position;
    for k in 0..MAX_CLOSES {
        let Snapped {
            order: close,
            position_after,
        } = match memo.as_deref_mut() {
            Some(memo) => {
                let close =
                    memo_close_step(pside, exchange, state, bot, &remaining, trailing, memo, k);
                memo.snapped(k).unwrap_or_else(|| {
                    let snapped = snap_close(close, &remaining, exchange);
                    memo.set_snapped(k, snapped);
                    snapped
                })
            }
            None => snap_close(
                calc_next_close(pside, exchange, state, bot, &remaining, trailing),
                &remaining,
                exchange,
            ),
        };
        if close.qty == 0.0 {
            break;
        }
        remaining = position_after;
        if let Some(last) = closes.last_mut() {
            if close.order_type == trailing_type {
                break;
            }
            if close.price == last.price {
                *last = Order::new(
                    round_(last.qty + close.qty, exchange.qty_step),
                    close.price,
                    close.order_type,
                );
                continue;
            }
        }
        closes.push(close);
    }
    match pside {
        Pside::Long => closes.sort_by(|a, b| a.price.total_cmp(&b.price)),
        Pside::Short => closes.sort_by(|a, b| b.price.total_cmp(&a.price)),
    }
}

#[cfg(test)]
#[path = "closes_tests.rs"]
mod tests;
