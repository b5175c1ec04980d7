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
mod tests {
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

    fn closes_long(
        bot: &BotParams,
        st: &StateParams,
        size: f64,
        tb: &TrailingBundle,
    ) -> Vec<Order> {
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
}
