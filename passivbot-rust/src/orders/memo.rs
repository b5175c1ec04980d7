//! Exact reuse of entry and close computations across backtest minutes.
//!
//! Every minute the engine asks, per active symbol/side, for the next entry and close (compat
//! mode) or the whole entry grid and close ladder (fixed mode). Between fills most of what
//! those read does not change: the position, the sizing balance (fills only; BTC collateral
//! moves it through 2 % hysteresis), the parameters, the hourly volatility (once an hour). What
//! changes every minute is the close, used as bid and ask, and the EMA bands.
//!
//! A [`OrderMemo`] keeps, per step of a grid/ladder (step 0 is the next order), the order the
//! step computed and everything it read, and hands the order back when a later call reads the
//! same. Exactness rests on three facts, each kept where the functions read their inputs:
//! 1. A step is a deterministic function of the values it reads (plain `f64` arithmetic, no
//!    other state); a hit requires each of them bit-identical ([`CallKey`], [`Step`]), except:
//! 2. the book price (bid for long entries and short closes, ask otherwise), which the step
//!    functions read (apart from point 3) only through clamps `more_passive(level, book)` (entries) or
//!    `more_profitable(level, book)` (closes), reported to a [`BookUse`], or directly, reported
//!    as an exact read. A clamp whose level lay strictly beyond the book returned the level;
//!    it returns the same level at any other book price the level is also strictly beyond. The
//!    reuse test checks that for the level closest to the book ([`BookUse::holds_at`]); after
//!    an exact read only the same book price (same bits) is accepted;
//! 3. the EMA bands, which only the entries' initial-entry prologue reads, through the initial
//!    entry price `min(book, EMA level)` (long; `max` short): that price is part of the step's
//!    key, and the prologue reads the book through it only. A step that went on to a re-entry
//!    reads of the prologue only the sizes it derives from that price, which are constant on
//!    an interval of prices ([`SizedRange`]): the key is then the sizes.
//!
//! Entries and closes each have their own memo per symbol and side (the orchestrator's
//! workspace keeps them between the engine's calls). Tests: `orders::memo_tests` (random
//! minute-by-minute walks, memo against the public memo-free functions, bit for bit; each
//! part of the key is shown to matter by the walks failing without it), the golden backtests
//! and the fixed-mode digests.

use crate::types::{BotParams, ExchangeParams, Order, Position, Pside, TrailingBundle};

/// The bits of a float: memo keys compare bits, so `-0.0 ≠ 0.0` and `NaN` never matches a
/// different NaN payload (a stricter test than `==`, never a looser one).
#[inline]
fn bits(x: f64) -> u64 {
    x.to_bits()
}

fn same_position(a: &Position, b: &Position) -> bool {
    bits(a.size) == bits(b.size) && bits(a.price) == bits(b.price)
}

fn same_trailing(a: &TrailingBundle, b: &TrailingBundle) -> bool {
    bits(a.min_since_open) == bits(b.min_since_open)
        && bits(a.max_since_min) == bits(b.max_since_min)
        && bits(a.max_since_open) == bits(b.max_since_open)
        && bits(a.min_since_max) == bits(b.min_since_max)
}

fn same_exchange(a: &ExchangeParams, b: &ExchangeParams) -> bool {
    bits(a.qty_step) == bits(b.qty_step)
        && bits(a.price_step) == bits(b.price_step)
        && bits(a.min_qty) == bits(b.min_qty)
        && bits(a.min_cost) == bits(b.min_cost)
        && bits(a.c_mult) == bits(b.c_mult)
}

/// Every field of `$a` and `$b` (bot parameters) compared by bits. The pattern lists the fields
/// exhaustively, so a field added to `BotParams` does not compile until it is compared here.
macro_rules! same_bot_fields {
    ($a:expr, $b:expr; $($f:ident),+ $(,)?) => {{
        let BotParams { n_positions: _, $($f: _),+ } = $a;
        $a.n_positions == $b.n_positions $(&& bits($a.$f) == bits($b.$f))+
    }};
}

fn same_bot(a: &BotParams, b: &BotParams) -> bool {
    same_bot_fields!(*a, *b;
        close_grid_markup_end,
        close_grid_markup_start,
        close_grid_qty_pct,
        close_trailing_retracement_pct,
        close_trailing_grid_ratio,
        close_trailing_qty_pct,
        close_trailing_threshold_pct,
        entry_grid_double_down_factor,
        entry_grid_spacing_volatility_weight,
        entry_grid_spacing_we_weight,
        entry_grid_spacing_pct,
        entry_volatility_ema_span_hours,
        entry_initial_ema_dist,
        entry_initial_qty_pct,
        entry_trailing_double_down_factor,
        entry_trailing_retracement_pct,
        entry_trailing_retracement_we_weight,
        entry_trailing_retracement_volatility_weight,
        entry_trailing_grid_ratio,
        entry_trailing_threshold_pct,
        entry_trailing_threshold_we_weight,
        entry_trailing_threshold_volatility_weight,
        filter_volatility_ema_span,
        filter_volatility_drop_pct,
        filter_volume_ema_span,
        filter_volume_drop_pct,
        ema_span_0,
        ema_span_1,
        total_wallet_exposure_limit,
        wallet_exposure_limit,
        risk_wel_enforcer_threshold,
        risk_twel_enforcer_threshold,
        risk_we_excess_allowance_pct,
        unstuck_close_pct,
        unstuck_ema_dist,
        unstuck_loss_allowance_pct,
        unstuck_threshold,
    )
}

/// Which way a clamp against the book goes: `Min` keeps the lower price (long entries, short
/// closes), `Max` the higher one (short entries, long closes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clamp {
    Min,
    Max,
}

impl Clamp {
    /// `level` wins the clamp against `book` without a tie: strictly below (`Min`) or above
    /// (`Max`). False when either is NaN.
    #[inline]
    fn strictly_wins(self, level: f64, book: f64) -> bool {
        match self {
            Clamp::Min => level < book,
            Clamp::Max => level > book,
        }
    }
}

/// How one step read the book price.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BookUse {
    clamp: Clamp,
    /// The book price itself went into the result (a direct read or a clamp it won or tied).
    exact: bool,
    /// Of the levels that strictly won their clamp, the one closest to the book (`Min`: the
    /// highest; `Max`: the lowest); ∓∞ when there was none.
    bound: f64,
}

impl BookUse {
    pub fn new(clamp: Clamp) -> Self {
        BookUse {
            clamp,
            exact: false,
            bound: match clamp {
                Clamp::Min => f64::NEG_INFINITY,
                Clamp::Max => f64::INFINITY,
            },
        }
    }

    /// Records a clamp of `level` against `book`. The caller computes the clamp itself, as
    /// before; this only notes which of the two it returned.
    #[inline]
    pub fn clamped(&mut self, level: f64, book: f64) {
        if self.clamp.strictly_wins(level, book) {
            self.bound = match self.clamp {
                Clamp::Min => self.bound.max(level),
                Clamp::Max => self.bound.min(level),
            };
        } else {
            self.exact = true;
        }
    }

    /// Records a direct read of the book price.
    #[inline]
    pub fn read(&mut self) {
        self.exact = true;
    }

    /// Every read recorded at `book` returns the same value at `new_book`: the same price, or
    /// (no exact read) every level that won strictly still wins strictly. A level wins strictly
    /// at `new_book` iff the closest one does (`bound` is the max/min of them).
    pub fn holds_at(&self, book: f64, new_book: f64) -> bool {
        bits(book) == bits(new_book)
            || (!self.exact && self.clamp.strictly_wins(self.bound, new_book))
    }
}

/// The inputs every step of one call reads the same way. `volatility` is the hourly volatility
/// EMA (entries; closes do not read it and pass 0). Borrowed: it is compared with the memo's
/// copy and copied only when it differs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallKey<'a> {
    pub pside: Pside,
    pub exchange: &'a ExchangeParams,
    pub bot: &'a BotParams,
    pub balance: f64,
    pub volatility: f64,
}

/// The memo's copy of a [`CallKey`].
#[derive(Debug, Clone, Copy)]
struct StoredCall {
    pside: Pside,
    exchange: ExchangeParams,
    bot: BotParams,
    balance: f64,
    volatility: f64,
}

impl StoredCall {
    fn of(key: &CallKey) -> Self {
        StoredCall {
            pside: key.pside,
            exchange: *key.exchange,
            bot: *key.bot,
            balance: key.balance,
            volatility: key.volatility,
        }
    }

    fn matches(&self, key: &CallKey) -> bool {
        self.pside == key.pside
            && bits(self.balance) == bits(key.balance)
            && bits(self.volatility) == bits(key.volatility)
            && same_exchange(&self.exchange, key.exchange)
            && same_bot(&self.bot, key.bot)
    }
}

/// A grid/ladder step's order snapped to the exchange steps, and the position after it (entries:
/// after the fill; closes: the size left). Pure functions of the step's order, its position and
/// the exchange (call key), so they are kept with the step and reused with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Snapped {
    pub order: Order,
    pub position_after: Position,
}

/// The sizes the entries' initial-entry prologue derives from the initial entry price `p`: the
/// exchange minimum `min_qty(p)` and the initial quantity `q0(p)` (§6.2).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InitialSizes {
    pub min_qty: f64,
    pub q0: f64,
}

/// The initial sizes a re-entry step's prologue read, and the interval `[lo, hi]` of initial
/// entry prices known to give them: `lo` and `hi` were evaluated and gave them. The prologue
/// chooses its branch by comparing the position with `q0` and, below `q0`, also reads `min_qty`
/// (`reads_min_qty`). Both sizes are non-increasing functions of the price: a positive cost
/// divided by the price (IEEE division is monotone in the divisor), then `round`/`round_up` to
/// a step and the `1e-10` cleanup (each monotone), then `max`. A non-increasing function equal
/// at `lo` and `hi` is equal on all of `[lo, hi]`, so any price in between gives the same sizes
/// without evaluating them. (All values are ≥ +0: no −0.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct SizedRange {
    pub sizes: InitialSizes,
    pub reads_min_qty: bool,
    pub lo: f64,
    pub hi: f64,
}

impl SizedRange {
    pub fn at(price: f64, sizes: InitialSizes, reads_min_qty: bool) -> Self {
        SizedRange {
            sizes,
            reads_min_qty,
            lo: price,
            hi: price,
        }
    }

    /// `sizes` are those the step read.
    pub fn same_sizes(&self, sizes: &InitialSizes) -> bool {
        bits(self.sizes.q0) == bits(sizes.q0)
            && (!self.reads_min_qty || bits(self.sizes.min_qty) == bits(sizes.min_qty))
    }

    /// False for NaN.
    pub fn contains(&self, price: f64) -> bool {
        self.lo <= price && price <= self.hi
    }
}

/// One step's result and what it read besides the [`CallKey`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub position: Position,
    /// Entries: the initial entry price, and when the step went on to a re-entry, the sizes the
    /// prologue derived from it with the prices known to give them (closes: 0 and `None`).
    pub initial_price: f64,
    pub sized: Option<SizedRange>,
    pub book: f64,
    pub book_use: BookUse,
    /// The trailing bundle, when the step read it.
    pub trailing: Option<TrailingBundle>,
    pub order: Order,
    /// Filled in by a ladder that used the step.
    pub snapped: Option<Snapped>,
}

/// The remembered steps of one symbol/side's entries or closes.
#[derive(Debug, Default)]
pub(crate) struct OrderMemo {
    call: Option<StoredCall>,
    steps: Vec<Option<Step>>,
    /// Hits so far (tests check that the memo is exercised).
    #[cfg(test)]
    pub hits: std::cell::Cell<usize>,
}

impl OrderMemo {
    /// Starts a call: the steps of a call with other call-wide inputs are forgotten.
    pub fn begin(&mut self, key: CallKey) {
        if !self.call.as_ref().is_some_and(|c| c.matches(&key)) {
            self.steps.clear();
            self.call = Some(StoredCall::of(&key));
        }
    }

    /// Step `k`'s record if it read the same position, book (as far as it read it) and trailing
    /// bundle (call-wide inputs: [`Self::begin`]). Entries also compare the initial entry price
    /// or the re-entry floor (`orders::entries::entry_step`).
    pub fn candidate(
        &self,
        k: usize,
        position: &Position,
        book: f64,
        trailing: &TrailingBundle,
    ) -> Option<&Step> {
        let step = self.steps.get(k)?.as_ref()?;
        let same = same_position(&step.position, position)
            && step.book_use.holds_at(step.book, book)
            && step.trailing.is_none_or(|t| same_trailing(&t, trailing));
        same.then_some(step)
    }

    /// A memoised order being handed back (counted in tests).
    pub fn hit(&self, order: Order) -> Order {
        #[cfg(test)]
        self.hits.set(self.hits.get() + 1);
        order
    }

    /// `price` gave step `k`'s initial sizes as well: its range now spans it.
    pub fn widen_sized_range(&mut self, k: usize, price: f64) {
        if let Some(Some(Step {
            sized: Some(range), ..
        })) = self.steps.get_mut(k)
        {
            range.lo = range.lo.min(price);
            range.hi = range.hi.max(price);
        }
    }

    /// The snapped order of step `k`, when a ladder already computed it. Only valid right after
    /// step `k` was looked up or stored for the current inputs.
    pub fn snapped(&self, k: usize) -> Option<Snapped> {
        self.steps.get(k)?.as_ref()?.snapped
    }

    pub fn set_snapped(&mut self, k: usize, snapped: Snapped) {
        if let Some(Some(step)) = self.steps.get_mut(k) {
            step.snapped = Some(snapped);
        }
    }

    pub fn store(&mut self, k: usize, step: Step) {
        if self.steps.len() <= k {
            self.steps.resize(k + 1, None);
        }
        self.steps[k] = Some(step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clamp_won_strictly_holds_while_the_level_stays_strictly_beyond() {
        let mut u = BookUse::new(Clamp::Min);
        u.clamped(99.0, 100.0);
        u.clamped(98.0, 100.0);
        assert!(u.holds_at(100.0, 99.5));
        assert!(!u.holds_at(100.0, 99.0)); // a tie: min(99, 99) is 99, but not strictly
        assert!(!u.holds_at(100.0, f64::NAN));
        let mut u = BookUse::new(Clamp::Max);
        u.clamped(101.0, 100.0);
        assert!(u.holds_at(100.0, 100.9));
        assert!(!u.holds_at(100.0, 101.0));
    }

    #[test]
    fn a_book_that_won_or_was_read_must_be_the_same() {
        for read in [false, true] {
            let mut u = BookUse::new(Clamp::Min);
            if read {
                u.read();
            } else {
                u.clamped(101.0, 100.0);
            }
            assert!(u.holds_at(100.0, 100.0));
            assert!(!u.holds_at(100.0, 100.5));
            assert!(!u.holds_at(100.0, 99.5));
        }
        // no read at all: any (non-NaN) book
        assert!(BookUse::new(Clamp::Max).holds_at(1.0, 7.0));
    }

    #[test]
    fn keys_compare_bits() {
        fn key<'a>(balance: f64, ex: &'a ExchangeParams, bot: &'a BotParams) -> CallKey<'a> {
            CallKey {
                pside: Pside::Long,
                exchange: ex,
                bot,
                balance,
                volatility: 0.0,
            }
        }
        let same = |a: CallKey, b: CallKey| StoredCall::of(&a).matches(&b);
        let (ex, bot) = (ExchangeParams::default(), BotParams::default());
        assert!(same(key(1.0, &ex, &bot), key(1.0, &ex, &bot)));
        assert!(!same(key(0.0, &ex, &bot), key(-0.0, &ex, &bot)));
        assert!(!same(key(f64::NAN, &ex, &bot), key(-f64::NAN, &ex, &bot)));
        let other = BotParams {
            n_positions: 3,
            ..bot
        };
        assert!(!same(key(1.0, &ex, &bot), key(1.0, &ex, &other)));
        let other = ExchangeParams { c_mult: 2.0, ..ex };
        assert!(!same(key(1.0, &ex, &bot), key(1.0, &other, &bot)));
        // every bot field, found through serde (a new field is covered without editing this)
        let base = serde_json::to_value(bot).unwrap();
        for name in base.as_object().unwrap().keys() {
            let mut changed = base.clone();
            changed[name] = serde_json::json!(7);
            let other: BotParams = serde_json::from_value(changed).unwrap();
            assert!(!same(key(1.0, &ex, &bot), key(1.0, &ex, &other)), "{name}");
        }
    }
}
