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
//!    functions read only through clamps `more_passive(level, book)` (entries) or
//!    `more_profitable(level, book)` (closes), reported to a [`BookUse`], or directly, reported
//!    as an exact read. A clamp whose level lay strictly beyond the book returned the level;
//!    it returns the same level at any other book price the level is also strictly beyond. The
//!    reuse test checks that for the level closest to the book ([`BookUse::holds_at`]); after
//!    an exact read only the same book price (same bits) is accepted;
//! 3. the EMA bands are read only by the entries' initial-entry prologue, which is computed on
//!    every call; its only output that the rest of a step reads, the floor `q0`, is part of the
//!    step's key.
//!
//! Entries and closes each have their own memo per symbol and side (the orchestrator's
//! workspace keeps them between the engine's calls). Tests: `memoised_*` in
//! `orders::entries` / `orders::closes` (random and hand-made state sequences, memo against a
//! fresh computation, bit for bit), and the golden backtests and fixed-mode digests.

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

fn same_bot(a: &BotParams, b: &BotParams) -> bool {
    a.n_positions == b.n_positions
        && a.float_fields()
            .iter()
            .zip(b.float_fields().iter())
            .all(|((_, x), (_, y))| bits(*x) == bits(*y))
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
/// EMA (entries; closes do not read it and pass 0).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallKey {
    pub pside: Pside,
    pub exchange: ExchangeParams,
    pub bot: BotParams,
    pub balance: f64,
    pub volatility: f64,
}

impl CallKey {
    fn same(&self, other: &CallKey) -> bool {
        self.pside == other.pside
            && bits(self.balance) == bits(other.balance)
            && bits(self.volatility) == bits(other.volatility)
            && same_exchange(&self.exchange, &other.exchange)
            && same_bot(&self.bot, &other.bot)
    }
}

/// One step's result and what it read besides the [`CallKey`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub position: Position,
    /// Entries: the re-entry floor from the initial-entry prologue (closes: 0).
    pub q0: f64,
    pub book: f64,
    pub book_use: BookUse,
    /// The trailing bundle, when the step read it.
    pub trailing: Option<TrailingBundle>,
    pub order: Order,
}

/// The remembered steps of one symbol/side's entries or closes.
#[derive(Debug, Default)]
pub(crate) struct OrderMemo {
    call: Option<CallKey>,
    steps: Vec<Option<Step>>,
    /// Hits so far (tests check that the memo is exercised).
    #[cfg(test)]
    pub hits: std::cell::Cell<usize>,
}

impl OrderMemo {
    /// Starts a call: the steps of a call with other call-wide inputs are forgotten.
    pub fn begin(&mut self, key: CallKey) {
        if !self.call.is_some_and(|c| c.same(&key)) {
            self.steps.clear();
            self.call = Some(key);
        }
    }

    /// The order step `k` computed for the same inputs, if any (call-wide inputs: [`Self::begin`]).
    pub fn lookup(
        &self,
        k: usize,
        position: &Position,
        q0: f64,
        book: f64,
        trailing: &TrailingBundle,
    ) -> Option<Order> {
        let step = self.steps.get(k)?.as_ref()?;
        let hit = same_position(&step.position, position)
            && bits(step.q0) == bits(q0)
            && step.book_use.holds_at(step.book, book)
            && step.trailing.is_none_or(|t| same_trailing(&t, trailing));
        #[cfg(test)]
        self.hits.set(self.hits.get() + usize::from(hit));
        hit.then_some(step.order)
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
        let key = |balance: f64| CallKey {
            pside: Pside::Long,
            exchange: ExchangeParams::default(),
            bot: BotParams::default(),
            balance,
            volatility: 0.0,
        };
        assert!(key(1.0).same(&key(1.0)));
        assert!(!key(0.0).same(&key(-0.0)));
        assert!(!key(f64::NAN).same(&key(-f64::NAN)));
        let mut other = key(1.0);
        other.bot.n_positions = 3;
        assert!(!key(1.0).same(&other));
        other = key(1.0);
        other.bot.unstuck_threshold = 0.5;
        assert!(!key(1.0).same(&other));
    }
}
