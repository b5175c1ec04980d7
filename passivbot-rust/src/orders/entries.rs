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
#[path = "entries_tests.rs"]
mod tests;
