//! Entries: initial, grid (spacing, double-down, cropping, inflation), trailing, and the
//! grid/trailing dispatcher (core spec §6).
//!
//! Every function is written once for both sides. Quantities are handled as magnitudes
//! (`|size|`, `q ≥ 0`) and the side only decides the mirrored operations: bid↔ask, `min`↔`max`,
//! `round_dn`↔`round_up`, `1 − x`↔`1 + x` (computed as `1 − sign·x`, which is bit-identical
//! because multiplying by −1 and `a − (−b)` are exact in IEEE-754), and the sign of the emitted
//! quantity.

use std::cell::Cell;

use super::memo::{BookUse, CallKey, Clamp, InitialSizes, OrderMemo, SizedRange, Snapped, Step};
use crate::math::{
    calc_min_entry_qty, calc_new_psize_pprice, calc_wallet_exposure,
    calc_wallet_exposure_if_filled, cost_to_qty, interpolate, quantize, round_, round_dn, round_up,
    wel_with_allowance,
};
use crate::types::{
    BotParams, ExchangeParams, Order, OrderKind, Position, Pside, StateParams, TrailingBundle,
};

/// Hard-coded constants of the reference (quirk 18).
const PARTIAL_INITIAL_FRACTION: f64 = 0.8;
const FULL_FRACTION: f64 = 0.999;
const CROP_TOLERANCE: f64 = 1.01;
const INFLATION_FRACTION: f64 = 0.25;
const RATIO_CAP_PADDING: f64 = 1.01;
const MAX_ENTRIES: usize = 500;

// ---------------------------------------------------------------------------------------------
// Side mirroring
// ---------------------------------------------------------------------------------------------

/// Rounds a price away from the market: long entries round down, short entries round up.
fn round_passive(pside: Pside, price: f64, step: f64) -> f64 {
    match pside {
        Pside::Long => round_dn(price, step),
        Pside::Short => round_up(price, step),
    }
}

/// The more passive of two entry prices: the lower for a buy, the higher for a sell.
fn more_passive(pside: Pside, a: f64, b: f64) -> f64 {
    match pside {
        Pside::Long => a.min(b),
        Pside::Short => a.max(b),
    }
}

/// `a` lies strictly on the adverse side of `b` (long: below, short: above).
fn is_beyond(pside: Pside, a: f64, b: f64) -> bool {
    match pside {
        Pside::Long => a < b,
        Pside::Short => a > b,
    }
}

/// Everything one entry computation reads, gathered once.
struct Ctx<'a> {
    pside: Pside,
    ex: &'a ExchangeParams,
    state: &'a StateParams,
    bot: &'a BotParams,
    /// +1 long, −1 short.
    sign: f64,
    /// Last `(price bits, calc_min_entry_qty(price))`: every re-entry level asks for the minimum
    /// at the same price twice (size, then crop), and a ladder's next level often at the last
    /// level's price. A pure function of the price for one exchange, so reusing it is exact.
    min_qty_memo: &'a MinQtyMemo,
    /// [`ema_entry_level`] of this state.
    ema_level: f64,
    /// How the re-entry part of the step read the book price, and whether it read the trailing
    /// bundle: what a memoised result must match (`orders::memo`).
    book_use: Cell<BookUse>,
    read_trailing: Cell<bool>,
}

type MinQtyMemo = Cell<Option<(u64, f64)>>;

/// Entries clamp with `min` (long) or `max` (short): `more_passive`.
fn entry_clamp(pside: Pside) -> Clamp {
    match pside {
        Pside::Long => Clamp::Min,
        Pside::Short => Clamp::Max,
    }
}

impl<'a> Ctx<'a> {
    fn new(
        pside: Pside,
        ex: &'a ExchangeParams,
        state: &'a StateParams,
        bot: &'a BotParams,
        min_qty_memo: &'a MinQtyMemo,
        ema_level: f64,
    ) -> Self {
        Ctx {
            pside,
            ex,
            state,
            bot,
            sign: pside.sign(),
            min_qty_memo,
            ema_level,
            book_use: Cell::new(BookUse::new(entry_clamp(pside))),
            read_trailing: Cell::new(false),
        }
    }

    /// Best price on our side of the book (bid for long entries, ask for short entries).
    fn book(&self) -> f64 {
        match self.pside {
            Pside::Long => self.state.order_book.bid,
            Pside::Short => self.state.order_book.ask,
        }
    }

    /// `more_passive(pside, level, book)` (argument order as given by `level_first`), noted in
    /// `book_use`.
    fn clamp_to_book(&self, level: f64, level_first: bool) -> f64 {
        let book = self.book();
        let mut book_use = self.book_use.get();
        book_use.clamped(level, book);
        self.book_use.set(book_use);
        if level_first {
            more_passive(self.pside, level, book)
        } else {
            more_passive(self.pside, book, level)
        }
    }

    /// The book price itself, noted in `book_use`.
    fn read_book(&self) -> f64 {
        let mut book_use = self.book_use.get();
        book_use.read();
        self.book_use.set(book_use);
        self.book()
    }

    fn balance(&self) -> f64 {
        self.state.balance
    }

    fn volatility(&self) -> f64 {
        self.state.entry_volatility_logrange_ema_1h
    }

    fn min_qty(&self, price: f64) -> f64 {
        if let Some((bits, min_qty)) = self.min_qty_memo.get() {
            if bits == price.to_bits() {
                return min_qty;
            }
        }
        let min_qty = calc_min_entry_qty(price, self.ex);
        self.min_qty_memo.set(Some((price.to_bits(), min_qty)));
        min_qty
    }

    /// `WEL_a`: the per-position limit including the excess allowance.
    fn limit_with_allowance(&self) -> f64 {
        wel_with_allowance(
            self.bot.wallet_exposure_limit,
            self.bot.risk_we_excess_allowance_pct,
        )
    }

    fn wallet_exposure(&self, psize_abs: f64, pprice: f64) -> f64 {
        calc_wallet_exposure(self.ex.c_mult, self.balance(), psize_abs, pprice)
    }

    /// A typed order for this side; `qty` is a magnitude.
    fn order(&self, qty: f64, price: f64, kind: OrderKind) -> Order {
        Order::new(qty * self.sign, price, kind.for_side(self.pside))
    }
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/// Result of the initial-entry prologue (§6.2).
enum Initial {
    /// An initial or partial initial order (or no order at all): the caller returns it.
    Order(Order),
    /// The position already holds its initial entry; `q0` is the floor for the re-entry size.
    Continue { q0: f64 },
}

/// The EMA band's entry level (§6.2): the band moved by `entry_initial_ema_dist`, rounded
/// passively. The book is not involved, so a grid/ladder computes it once for all its steps.
fn ema_entry_level(pside: Pside, ex: &ExchangeParams, state: &StateParams, bot: &BotParams) -> f64 {
    let dist = bot.entry_initial_ema_dist;
    match pside {
        Pside::Long => round_dn(state.ema_bands.lower * (1.0 - dist), ex.price_step),
        Pside::Short => round_up(state.ema_bands.upper * (1.0 + dist), ex.price_step),
    }
}

/// Initial entry price (§6.2): the EMA level, or the book when that is more aggressive. The
/// same operations as `calc_ema_price_bid` / `calc_ema_price_ask`.
fn initial_entry_price(ctx: &Ctx) -> f64 {
    match ctx.pside {
        Pside::Long => ctx.state.order_book.bid.min(ctx.ema_level),
        Pside::Short => ctx.state.order_book.ask.max(ctx.ema_level),
    }
}

/// The exchange minimum and the initial quantity at the initial entry price (§6.2). `L_a`
/// (not the capped limit) sizes the initial entry.
fn initial_sizes(ctx: &Ctx, price: f64) -> InitialSizes {
    let min_qty = ctx.min_qty(price);
    let cost = ctx.balance() * ctx.limit_with_allowance() * ctx.bot.entry_initial_qty_pct;
    let q0 = min_qty.max(round_(
        cost_to_qty(cost, price, ctx.ex.c_mult),
        ctx.ex.qty_step,
    ));
    InitialSizes { min_qty, q0 }
}

/// Shared prologue of the grid and trailing entries (§6.2) at the initial entry price `price`
/// (with its sizes when the caller has them): initial order, partial top-up, or the re-entry
/// floor `q0`.
fn initial_entry(ctx: &Ctx, price: f64, psize_abs: f64, sizes: Option<InitialSizes>) -> Initial {
    if price <= ctx.ex.price_step {
        return Initial::Order(Order::empty());
    }
    let InitialSizes { min_qty, q0 } = sizes.unwrap_or_else(|| initial_sizes(ctx, price));
    if psize_abs == 0.0 {
        Initial::Order(ctx.order(q0, price, OrderKind::EntryInitialNormal))
    } else if psize_abs < q0 * PARTIAL_INITIAL_FRACTION {
        let top_up = min_qty.max(round_dn(q0 - psize_abs, ctx.ex.qty_step));
        Initial::Order(ctx.order(top_up, price, OrderKind::EntryInitialPartial))
    } else if psize_abs < q0 {
        Initial::Continue {
            q0: round_(psize_abs, ctx.ex.qty_step).max(min_qty),
        }
    } else {
        Initial::Continue { q0 }
    }
}

/// Next grid level below (long) / above (short) the average price (§6.3); spacing widens with
/// the filled fraction of the capped `limit` and with volatility.
fn grid_price(ctx: &Ctx, pprice: f64, we: f64, limit: f64) -> f64 {
    let b = ctx.bot;
    let we_mult = if limit > 0.0 {
        we / limit * b.entry_grid_spacing_we_weight
    } else {
        0.0
    };
    let vol_mult = ctx.volatility() * b.entry_grid_spacing_volatility_weight;
    let mult = (1.0 + we_mult + vol_mult).max(0.0);
    let level = pprice * (1.0 - ctx.sign * b.entry_grid_spacing_pct * mult);
    ctx.clamp_to_book(round_passive(ctx.pside, level, ctx.ex.price_step), true)
}

/// Re-entry size (§6.4): double down on the position or use the initial fraction of the limit,
/// whichever is larger, never below the exchange minimum.
fn reentry_qty(ctx: &Ctx, price: f64, psize_abs: f64, double_down_factor: f64, limit: f64) -> f64 {
    let by_limit =
        cost_to_qty(ctx.balance(), price, ctx.ex.c_mult) * limit * ctx.bot.entry_initial_qty_pct;
    let qty = round_(
        (psize_abs * double_down_factor).max(by_limit),
        ctx.ex.qty_step,
    );
    ctx.min_qty(price).max(qty)
}

/// Crops `qty` so the filled position lands on `limit` when it would exceed `1.01·limit` (§6.4).
/// Returns `(we_if_filled, cropped_qty)`.
fn crop(
    ctx: &Ctx,
    psize_abs: f64,
    pprice: f64,
    we: f64,
    qty: f64,
    price: f64,
    limit: f64,
) -> (f64, f64) {
    let we_filled =
        calc_wallet_exposure_if_filled(ctx.balance(), psize_abs, pprice, qty, price, ctx.ex);
    let min_qty = ctx.min_qty(price);
    if we_filled > limit * CROP_TOLERANCE {
        let to_limit =
            interpolate(limit, [we, we_filled], [psize_abs, psize_abs + qty]) - psize_abs;
        (we_filled, round_(to_limit, ctx.ex.qty_step).max(min_qty))
    } else {
        (we_filled, qty.max(min_qty))
    }
}

/// Would the grid level after this one be too small to matter (< 0.25·ddf of the position)?
/// Simulates the fill of `qty` at `price` and sizes the following level (§6.4).
#[allow(clippy::too_many_arguments)] // the simulated step needs the whole pre-fill state
fn next_level_too_small(
    ctx: &Ctx,
    psize_abs: f64,
    pprice: f64,
    qty: f64,
    price: f64,
    we_filled: f64,
    q0: f64,
    limit: f64,
) -> bool {
    let ddf = ctx.bot.entry_grid_double_down_factor;
    let (psize1, pprice1) = calc_new_psize_pprice(psize_abs, pprice, qty, price, ctx.ex.qty_step);
    let price2 = grid_price(ctx, pprice1, we_filled, limit);
    let qty2 = reentry_qty(ctx, price2, psize1, ddf, limit).max(q0);
    let (_, qty2_cropped) = crop(ctx, psize1, pprice1, we_filled, qty2, price2, limit);
    qty2_cropped / psize1 < INFLATION_FRACTION * ddf
}

// ---------------------------------------------------------------------------------------------
// Grid and trailing entries
// ---------------------------------------------------------------------------------------------

/// Grid re-entry (§6.3–§6.4) of a position that holds its initial entry (floor `q0`), with the
/// limit capped at `cap`.
fn grid_reentry(ctx: &Ctx, position: &Position, cap: f64, q0: f64) -> Order {
    let limit = cap.min(ctx.limit_with_allowance());
    let psize_abs = position.size.abs();
    let we = ctx.wallet_exposure(psize_abs, position.price);
    if we >= limit * FULL_FRACTION {
        return Order::empty();
    }
    let price = grid_price(ctx, position.price, we, limit);
    if price <= ctx.ex.price_step {
        return Order::empty();
    }
    let ddf = ctx.bot.entry_grid_double_down_factor;
    let qty = reentry_qty(ctx, price, psize_abs, ddf, limit).max(q0);
    let (we_filled, qty_cropped) = crop(ctx, psize_abs, position.price, we, qty, price, limit);
    if qty_cropped < qty {
        return ctx.order(qty_cropped, price, OrderKind::EntryGridCropped);
    }
    if next_level_too_small(
        ctx,
        psize_abs,
        position.price,
        qty,
        price,
        we_filled,
        q0,
        limit,
    ) {
        // Inflate so this order alone fills the position to the limit (no min-qty floor).
        let to_limit =
            interpolate(limit, [we, we_filled], [psize_abs, psize_abs + qty]) - psize_abs;
        return ctx.order(
            round_(to_limit, ctx.ex.qty_step),
            price,
            OrderKind::EntryGridInflated,
        );
    }
    ctx.order(qty, price, OrderKind::EntryGridNormal)
}

/// Trailing trigger and price (§6.5), or `None` when not triggered.
fn trailing_price(
    ctx: &Ctx,
    trailing: &TrailingBundle,
    pprice: f64,
    we: f64,
    limit: f64,
) -> Option<f64> {
    let b = ctx.bot;
    let (v, sign, pside) = (ctx.volatility(), ctx.sign, ctx.pside);
    let wr = if limit > 0.0 { we / limit } else { 0.0 };
    let threshold = b.entry_trailing_threshold_pct
        * (1.0
            + wr * b.entry_trailing_threshold_we_weight
            + v * b.entry_trailing_threshold_volatility_weight)
            .max(0.0);
    let retracement = b.entry_trailing_retracement_pct
        * (1.0
            + wr * b.entry_trailing_retracement_we_weight
            + v * b.entry_trailing_retracement_volatility_weight)
            .max(0.0);
    // Long: the lowest price since open and the highest since that low; short: mirrored.
    let (extreme, rebound) = match pside {
        Pside::Long => (trailing.min_since_open, trailing.max_since_min),
        Pside::Short => (trailing.max_since_open, trailing.min_since_max),
    };
    let retraced = || is_beyond(pside, extreme * (1.0 + sign * retracement), rebound);
    let passive =
        |level: f64| ctx.clamp_to_book(round_passive(pside, level, ctx.ex.price_step), false);
    match (threshold > 0.0, retracement > 0.0) {
        (false, false) => None,
        (false, true) => {
            ctx.read_trailing.set(true);
            retraced().then(|| ctx.read_book())
        }
        (true, false) => Some(passive(pprice * (1.0 - sign * threshold))),
        (true, true) => {
            ctx.read_trailing.set(true);
            let beyond_threshold = is_beyond(pside, extreme, pprice * (1.0 - sign * threshold));
            (beyond_threshold && retraced())
                .then(|| passive(pprice * (1.0 - sign * threshold + sign * retracement)))
        }
    }
}

/// Trailing re-entry (§6.5) of a position that holds its initial entry (floor `q0`), with the
/// limit capped at `cap`. Full: no order; untriggered: a zero-qty `entry_trailing_normal`.
fn trailing_reentry(
    ctx: &Ctx,
    position: &Position,
    trailing: &TrailingBundle,
    cap: f64,
    q0: f64,
) -> Order {
    let limit = cap.min(ctx.limit_with_allowance());
    let psize_abs = position.size.abs();
    let we = ctx.wallet_exposure(psize_abs, position.price);
    if we > limit * FULL_FRACTION {
        return Order::empty();
    }
    let Some(price) = trailing_price(ctx, trailing, position.price, we, limit) else {
        // +0.0 on both sides, as the reference returns it (not `0.0 · sign`).
        return Order::new(0.0, 0.0, OrderKind::EntryTrailingNormal.for_side(ctx.pside));
    };
    let ddf = ctx.bot.entry_trailing_double_down_factor;
    let qty = reentry_qty(ctx, price, psize_abs, ddf, limit).max(q0);
    let (_, qty_cropped) = crop(ctx, psize_abs, position.price, we, qty, price, limit);
    if qty_cropped < qty {
        ctx.order(qty_cropped, price, OrderKind::EntryTrailingCropped)
    } else {
        ctx.order(qty, price, OrderKind::EntryTrailingNormal)
    }
}

/// The entry function of a step: grid or trailing, and the cap of its limit.
#[derive(Debug, Clone, Copy)]
enum EntryPath {
    Grid { cap: f64 },
    Trailing { cap: f64 },
}

/// Grid vs trailing by `entry_trailing_grid_ratio` (§6.6); `None`: no order (no limit or no
/// balance).
fn choose_path(ctx: &Ctx, position: &Position) -> Option<EntryPath> {
    let limit_a = ctx.limit_with_allowance();
    if limit_a == 0.0 || ctx.balance() <= 0.0 {
        return None;
    }
    let ratio = ctx.bot.entry_trailing_grid_ratio;
    if ratio >= 1.0 || ratio <= -1.0 {
        return Some(EntryPath::Trailing { cap: limit_a });
    }
    if ratio == 0.0 {
        return Some(EntryPath::Grid { cap: limit_a });
    }
    let we = ctx.wallet_exposure(position.size.abs(), position.price);
    let we_ratio = we / limit_a;
    // The first mode's share of the limit, padded by 1 %.
    let padded_cap = |share: f64| {
        if we == 0.0 {
            limit_a
        } else {
            (limit_a * share * RATIO_CAP_PADDING).min(limit_a)
        }
    };
    Some(if ratio > 0.0 {
        // Trailing first, grid for the rest.
        if we_ratio < ratio {
            EntryPath::Trailing {
                cap: padded_cap(ratio),
            }
        } else {
            EntryPath::Grid { cap: limit_a }
        }
    } else if we_ratio < 1.0 + ratio {
        // Grid first, trailing for the rest.
        EntryPath::Grid {
            cap: padded_cap(1.0 + ratio),
        }
    } else {
        EntryPath::Trailing { cap: limit_a }
    })
}

/// One entry step (§6.2–§6.6) at the initial entry price `price0`: the path, the initial-entry
/// prologue (with the sizes at `price0` when the caller already has them), then the re-entry.
/// Also returns, when the step went on to a re-entry, the sizes the prologue read (see
/// `SizedRange`).
fn compute_entry(
    ctx: &Ctx,
    position: &Position,
    trailing: &TrailingBundle,
    price0: f64,
    sizes: Option<InitialSizes>,
) -> (Order, Option<SizedRange>) {
    let Some(path) = choose_path(ctx, position) else {
        return (Order::empty(), None);
    };
    if price0 <= ctx.ex.price_step {
        return (Order::empty(), None);
    }
    let sizes = sizes.unwrap_or_else(|| initial_sizes(ctx, price0));
    let psize_abs = position.size.abs();
    let q0 = match initial_entry(ctx, price0, psize_abs, Some(sizes)) {
        Initial::Order(order) => return (order, None),
        Initial::Continue { q0 } => q0,
    };
    let order = match path {
        EntryPath::Grid { cap } => grid_reentry(ctx, position, cap, q0),
        EntryPath::Trailing { cap } => trailing_reentry(ctx, position, trailing, cap, q0),
    };
    // Below `q0` the prologue's floor also reads `min_qty`.
    let reads_min_qty = psize_abs < sizes.q0;
    (order, Some(SizedRange::at(price0, sizes, reads_min_qty)))
}

/// [`compute_entry`], through a memo when given one (with this step's index in it): the memo's
/// order when everything the step reads is unchanged (see `orders::memo`). The EMA bands and
/// the book enter the prologue only through the initial entry price: the same price gives the
/// same prologue. When the step went on to a re-entry, the prologue's result depends on the
/// price only through the initial sizes (the branch and `q0` follow from them and the
/// position), and the re-entry reads nothing else of it: another price with the same sizes —
/// inside the stored range (see `SizedRange`) or evaluated — gives the same order. The
/// re-entry's own reads of the book are its clamps, recorded.
fn entry_step(
    ctx: &Ctx,
    position: &Position,
    trailing: &TrailingBundle,
    memo: Option<(&mut OrderMemo, usize)>,
) -> Order {
    let price0 = initial_entry_price(ctx);
    let Some((memo, k)) = memo else {
        return compute_entry(ctx, position, trailing, price0, None).0;
    };
    let book = ctx.book();
    let mut sizes = None;
    if let Some(step) = memo.candidate(k, position, book, trailing) {
        if step.initial_price.to_bits() == price0.to_bits() {
            return memo.hit(step.order);
        }
        // A re-entry step took a path (same position, balance and parameters: it still does)
        // and found `lo > price_step`: only the sizes can differ.
        if let Some(range) = step.sized {
            if range.contains(price0) {
                return memo.hit(step.order);
            }
            if price0 > ctx.ex.price_step {
                let fresh = initial_sizes(ctx, price0);
                if range.same_sizes(&fresh) {
                    let order = memo.hit(step.order);
                    memo.widen_sized_range(k, price0);
                    return order;
                }
                sizes = Some(fresh);
            }
        }
    }
    ctx.book_use.set(BookUse::new(entry_clamp(ctx.pside)));
    ctx.read_trailing.set(false);
    let (order, sized) = compute_entry(ctx, position, trailing, price0, sizes);
    memo.store(
        k,
        Step {
            position: *position,
            initial_price: price0,
            sized,
            book,
            book_use: ctx.book_use.get(),
            trailing: ctx.read_trailing.get().then_some(*trailing),
            order,
            snapped: None,
        },
    );
    order
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// The next entry order of one side (§6.6). A zero `qty` means "no order"; its type is `Empty`
/// or, when the trailing path ran and did not trigger, `entry_trailing_normal_*`.
pub fn calc_next_entry(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
) -> Order {
    let min_qty_memo = Cell::new(None);
    let ema_level = ema_entry_level(pside, exchange, state, bot);
    let ctx = Ctx::new(pside, exchange, state, bot, &min_qty_memo, ema_level);
    entry_step(&ctx, position, trailing, None)
}

/// The memo's call-wide key of an entry computation.
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
        volatility: state.entry_volatility_logrange_ema_1h,
    }
}

/// [`calc_next_entry`] through a memo kept between calls (step 0 of [`calc_entries_into_memo`]):
/// the same order, bit for bit (see `orders::memo`).
pub(crate) fn calc_next_entry_memo(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    memo: &mut OrderMemo,
) -> Order {
    memo.begin(call_key(pside, exchange, state, bot));
    let min_qty_memo = Cell::new(None);
    let ema_level = ema_entry_level(pside, exchange, state, bot);
    let ctx = Ctx::new(pside, exchange, state, bot, &min_qty_memo, ema_level);
    entry_step(&ctx, position, trailing, Some((memo, 0)))
}

/// The ladder of entries (§6.7): repeatedly takes the next entry as if the previous one had
/// filled, moving the book price to the last order. Stops on a zero qty, a repeated price, a
/// trailing entry after the first order, or after 500 orders.
pub fn calc_entries(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
) -> Vec<Order> {
    let mut entries = Vec::new();
    calc_entries_into(
        pside,
        exchange,
        state,
        bot,
        position,
        trailing,
        &mut entries,
    );
    entries
}

/// [`calc_entries`] into a caller's buffer (cleared first), so a backtest reuses one allocation.
pub fn calc_entries_into(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    entries: &mut Vec<Order>,
) {
    entries_ladder(
        pside, exchange, state, bot, position, trailing, None, entries,
    );
}

/// [`calc_entries_into`] through a memo kept between calls: step `k` of the ladder is step `k`
/// of the memo. The same orders, bit for bit (see `orders::memo`).
#[allow(clippy::too_many_arguments)] // calc_entries_into's arguments and the memo
pub(crate) fn calc_entries_into_memo(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    memo: &mut OrderMemo,
    entries: &mut Vec<Order>,
) {
    memo.begin(call_key(pside, exchange, state, bot));
    entries_ladder(
        pside,
        exchange,
        state,
        bot,
        position,
        trailing,
        Some(memo),
        entries,
    );
}

/// A ladder's entry snapped to the exchange steps, and the position once it filled.
fn snap_entry(entry: Order, position: &Position, exchange: &ExchangeParams) -> Snapped {
    let mut entry = entry;
    entry.price = quantize(entry.price, exchange.price_step);
    entry.qty = quantize(entry.qty, exchange.qty_step);
    let (size, price) = calc_new_psize_pprice(
        position.size,
        position.price,
        entry.qty,
        entry.price,
        exchange.qty_step,
    );
    Snapped {
        order: entry,
        position_after: Position { size, price },
    }
}

#[allow(clippy::too_many_arguments)] // calc_entries_into's arguments and the memo
fn entries_ladder(
    pside: Pside,
    exchange: &ExchangeParams,
    state: &StateParams,
    bot: &BotParams,
    position: &Position,
    trailing: &TrailingBundle,
    mut memo: Option<&mut OrderMemo>,
    entries: &mut Vec<Order>,
) {
    entries.clear();
    let min_qty_memo = Cell::new(None);
    // The bands do not change along the ladder (only the book does).
    let ema_level = ema_entry_level(pside, exchange, state, bot);
    let mut state = *state;
    let mut position = *position;
    for k in 0..MAX_ENTRIES {
        let ctx = Ctx::new(pside, exchange, &state, bot, &min_qty_memo, ema_level);
        let Snapped {
            order: entry,
            position_after,
        } = match memo.as_deref_mut() {
            Some(memo) => {
                let entry = entry_step(&ctx, &position, trailing, Some((&mut *memo, k)));
                memo.snapped(k).unwrap_or_else(|| {
                    let snapped = snap_entry(entry, &position, exchange);
                    memo.set_snapped(k, snapped);
                    snapped
                })
            }
            None => snap_entry(
                entry_step(&ctx, &position, trailing, None),
                &position,
                exchange,
            ),
        };
        if entry.qty == 0.0 {
            break;
        }
        if let Some(last) = entries.last() {
            if entry.order_type.is_trailing_entry() || entry.price == last.price {
                break;
            }
        }
        position = position_after;
        let book = &mut state.order_book;
        match pside {
            Pside::Long => book.bid = book.bid.min(entry.price),
            Pside::Short => book.ask = book.ask.max(entry.price),
        }
        entries.push(entry);
    }
}

#[cfg(test)]
mod tests {
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

    fn next_long(
        bot: &BotParams,
        state: &StateParams,
        pos: Position,
        tb: &TrailingBundle,
    ) -> Order {
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
}
