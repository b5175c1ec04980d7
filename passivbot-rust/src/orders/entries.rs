//! Entries: initial, grid (spacing, double-down, cropping, inflation), trailing, and the
//! grid/trailing dispatcher (core spec §6).
//!
//! Every function is written once for both sides. Quantities are handled as magnitudes
//! (`|size|`, `q ≥ 0`) and the side only decides the mirrored operations: bid↔ask, `min`↔`max`,
//! `round_dn`↔`round_up`, `1 − x`↔`1 + x` (computed as `1 − sign·x`, which is bit-identical
//! because multiplying by −1 and `a − (−b)` are exact in IEEE-754), and the sign of the emitted
//! quantity.

use crate::math::{
    calc_ema_price_ask, calc_ema_price_bid, calc_min_entry_qty, calc_new_psize_pprice,
    calc_wallet_exposure, calc_wallet_exposure_if_filled, cost_to_qty, interpolate, quantize,
    round_, round_dn, round_up, wel_with_allowance,
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
}

impl Ctx<'_> {
    /// Best price on our side of the book (bid for long entries, ask for short entries).
    fn book(&self) -> f64 {
        match self.pside {
            Pside::Long => self.state.order_book.bid,
            Pside::Short => self.state.order_book.ask,
        }
    }

    fn balance(&self) -> f64 {
        self.state.balance
    }

    fn volatility(&self) -> f64 {
        self.state.entry_volatility_logrange_ema_1h
    }

    fn min_qty(&self, price: f64) -> f64 {
        calc_min_entry_qty(price, self.ex)
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

/// Initial entry price from the EMA band (§6.2).
fn initial_entry_price(ctx: &Ctx) -> f64 {
    let (ps, dist) = (ctx.ex.price_step, ctx.bot.entry_initial_ema_dist);
    match ctx.pside {
        Pside::Long => calc_ema_price_bid(
            ps,
            ctx.state.order_book.bid,
            ctx.state.ema_bands.lower,
            dist,
        ),
        Pside::Short => calc_ema_price_ask(
            ps,
            ctx.state.order_book.ask,
            ctx.state.ema_bands.upper,
            dist,
        ),
    }
}

/// Shared prologue of the grid and trailing entries (§6.2): initial order, partial top-up, or the
/// re-entry floor `q0`. `L_a` (not the capped limit) sizes the initial entry.
fn initial_entry(ctx: &Ctx, psize_abs: f64) -> Initial {
    let price = initial_entry_price(ctx);
    if price <= ctx.ex.price_step {
        return Initial::Order(Order::empty());
    }
    let min_qty = ctx.min_qty(price);
    let cost = ctx.balance() * ctx.limit_with_allowance() * ctx.bot.entry_initial_qty_pct;
    let q0 = min_qty.max(round_(
        cost_to_qty(cost, price, ctx.ex.c_mult),
        ctx.ex.qty_step,
    ));
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
    more_passive(
        ctx.pside,
        round_passive(ctx.pside, level, ctx.ex.price_step),
        ctx.book(),
    )
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

/// Grid entry (§6.2–§6.4) with the limit capped at `cap`.
fn grid_entry(ctx: &Ctx, position: &Position, cap: f64) -> Order {
    let limit_a = ctx.limit_with_allowance();
    if limit_a == 0.0 || ctx.balance() <= 0.0 {
        return Order::empty();
    }
    let limit = cap.min(limit_a);
    let psize_abs = position.size.abs();
    let q0 = match initial_entry(ctx, psize_abs) {
        Initial::Order(order) => return order,
        Initial::Continue { q0 } => q0,
    };
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
    let passive = |level: f64| {
        more_passive(
            pside,
            ctx.book(),
            round_passive(pside, level, ctx.ex.price_step),
        )
    };
    match (threshold > 0.0, retracement > 0.0) {
        (false, false) => None,
        (false, true) => retraced().then(|| ctx.book()),
        (true, false) => Some(passive(pprice * (1.0 - sign * threshold))),
        (true, true) => {
            let beyond_threshold = is_beyond(pside, extreme, pprice * (1.0 - sign * threshold));
            (beyond_threshold && retraced())
                .then(|| passive(pprice * (1.0 - sign * threshold + sign * retracement)))
        }
    }
}

/// Trailing entry (§6.2, §6.5) with the limit capped at `cap`. Relies on the dispatcher's
/// balance/limit guard. Full: no order; untriggered: a zero-qty `entry_trailing_normal`.
fn trailing_entry(ctx: &Ctx, position: &Position, trailing: &TrailingBundle, cap: f64) -> Order {
    let limit = cap.min(ctx.limit_with_allowance());
    let psize_abs = position.size.abs();
    let q0 = match initial_entry(ctx, psize_abs) {
        Initial::Order(order) => return order,
        Initial::Continue { q0 } => q0,
    };
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

/// Grid vs trailing by `entry_trailing_grid_ratio` (§6.6).
fn dispatch(ctx: &Ctx, position: &Position, trailing: &TrailingBundle) -> Order {
    let limit_a = ctx.limit_with_allowance();
    if limit_a == 0.0 || ctx.balance() <= 0.0 {
        return Order::empty();
    }
    let ratio = ctx.bot.entry_trailing_grid_ratio;
    if ratio >= 1.0 || ratio <= -1.0 {
        return trailing_entry(ctx, position, trailing, limit_a);
    }
    if ratio == 0.0 {
        return grid_entry(ctx, position, limit_a);
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
    if ratio > 0.0 {
        // Trailing first, grid for the rest.
        if we_ratio < ratio {
            trailing_entry(ctx, position, trailing, padded_cap(ratio))
        } else {
            grid_entry(ctx, position, limit_a)
        }
    } else if we_ratio < 1.0 + ratio {
        // Grid first, trailing for the rest.
        grid_entry(ctx, position, padded_cap(1.0 + ratio))
    } else {
        trailing_entry(ctx, position, trailing, limit_a)
    }
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
    let ctx = Ctx {
        pside,
        ex: exchange,
        state,
        bot,
        sign: pside.sign(),
    };
    dispatch(&ctx, position, trailing)
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
    let mut entries: Vec<Order> = Vec::new();
    let mut state = *state;
    let mut position = *position;
    for _ in 0..MAX_ENTRIES {
        let mut entry = calc_next_entry(pside, exchange, &state, bot, &position, trailing);
        entry.price = quantize(entry.price, exchange.price_step);
        entry.qty = quantize(entry.qty, exchange.qty_step);
        if entry.qty == 0.0 {
            break;
        }
        if let Some(last) = entries.last() {
            if entry.order_type.is_trailing_entry() || entry.price == last.price {
                break;
            }
        }
        let (size, price) = calc_new_psize_pprice(
            position.size,
            position.price,
            entry.qty,
            entry.price,
            exchange.qty_step,
        );
        position = Position { size, price };
        let book = &mut state.order_book;
        match pside {
            Pside::Long => book.bid = book.bid.min(entry.price),
            Pside::Short => book.ask = book.ask.max(entry.price),
        }
        entries.push(entry);
    }
    entries
}
