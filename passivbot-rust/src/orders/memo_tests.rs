//! The memoised entry and close computations against fresh ones, bit for bit, on random
//! minute-by-minute walks: the book moves every minute (and sometimes lands exactly on the last
//! order's price, the tie the reuse test must refuse), the EMA bands drift, the hourly
//! volatility changes once an hour, fills change the position, the balance and the trailing
//! bundle, and the wallet exposure limit changes now and then. Every step calls the memoised
//! next order and ladder (in the orders the orchestrator uses them) and compares each with the
//! public, memo-free function.

use super::closes::{
    calc_closes_into, calc_closes_into_memo, calc_next_close, calc_next_close_memo,
};
use super::entries::{
    calc_entries_into, calc_entries_into_memo, calc_next_entry, calc_next_entry_memo,
};
use super::memo::OrderMemo;
use crate::math::{calc_new_psize_pprice, calc_pnl, round_, round_dn};
use crate::types::{
    BotParams, EmaBands, ExchangeParams, Order, OrderBook, Position, Pside, StateParams,
    TrailingBundle,
};

use crate::test_rng::Rng;

fn random_bot(rng: &mut Rng) -> BotParams {
    BotParams {
        wallet_exposure_limit: rng.range(0.05, 0.6),
        risk_we_excess_allowance_pct: rng.pick(&[0.0, 0.0, 0.3, 1.21]),
        risk_wel_enforcer_threshold: rng.pick(&[0.0, 0.9, 0.99, 1.05]),
        entry_initial_qty_pct: rng.range(0.004, 0.1),
        entry_initial_ema_dist: rng.range(-0.01, 0.01),
        entry_grid_spacing_pct: rng.range(0.001, 0.03),
        entry_grid_spacing_we_weight: rng.pick(&[0.0, 0.1, 1.0, 5.13]),
        entry_grid_spacing_volatility_weight: rng.pick(&[0.0, 1.0, 86.0]),
        entry_grid_double_down_factor: rng.range(0.2, 2.5),
        entry_trailing_grid_ratio: rng.pick(&[0.0, 0.0, -0.415, 0.4, 1.0, -1.0]),
        entry_trailing_threshold_pct: rng.pick(&[0.0, 0.002, 0.0177]),
        entry_trailing_retracement_pct: rng.pick(&[0.0, 0.001, 0.00536]),
        entry_trailing_threshold_we_weight: rng.pick(&[0.0, 0.0231]),
        entry_trailing_threshold_volatility_weight: rng.pick(&[0.0, 239.0]),
        entry_trailing_retracement_we_weight: rng.pick(&[0.0, 18.0]),
        entry_trailing_retracement_volatility_weight: rng.pick(&[0.0, 143.0]),
        entry_trailing_double_down_factor: rng.range(0.2, 1.5),
        close_grid_markup_start: rng.range(0.001, 0.01),
        close_grid_markup_end: rng.range(0.001, 0.01),
        close_grid_qty_pct: rng.pick(&[0.05, 0.236, 0.5, 1.0]),
        close_trailing_grid_ratio: rng.pick(&[0.0, 0.0, -0.561, 0.5, 1.0, -1.0]),
        close_trailing_threshold_pct: rng.pick(&[0.0, 0.002, 0.0193]),
        close_trailing_retracement_pct: rng.pick(&[0.0, 0.001, 0.00348]),
        close_trailing_qty_pct: rng.pick(&[0.05, 0.3]),
        ..BotParams::default()
    }
}

/// One symbol/side over time, with its memos.
struct Walk {
    pside: Pside,
    ex: ExchangeParams,
    bot: BotParams,
    price: f64,
    spread_steps: f64,
    move_pct: f64,
    emas: [f64; 3],
    state: StateParams,
    position: Position,
    trailing: TrailingBundle,
    entry_memo: OrderMemo,
    close_memo: OrderMemo,
    /// Which calls each minute makes: 0 next orders (plus the ladder now and then, as compat
    /// mode does when the next order would fill), 1 ladders only (fixed mode), 2 both.
    calls: u8,
    last_orders: Vec<Order>,
}

impl Walk {
    fn new(rng: &mut Rng) -> Self {
        let price = rng.pick(&[0.7, 3.3, 150.0, 2600.0, 104_000.0]) * rng.range(0.9, 1.1);
        let price_step = rng.pick(&[1e-4, 1e-3, 0.01, 0.1]) * (price / 100.0).max(1e-2);
        let qty_step = rng.pick(&[1.0, 0.1, 0.01, 0.001]);
        let ex = ExchangeParams {
            qty_step,
            price_step: round_(price_step, 1e-8).max(1e-8),
            min_qty: qty_step,
            min_cost: rng.pick(&[1.0, 5.0, 100.0]),
            c_mult: rng.pick(&[1.0, 1.0, 0.1]),
        };
        let price = round_(price, ex.price_step);
        // A quarter of the walks trade near the exchange minimum (small balance): the initial
        // sizes are then set by `min_qty`, and partial initial positions occur.
        let small = rng.chance(0.25);
        let ex = if small {
            ExchangeParams {
                min_cost: rng.pick(&[5.0, 10.0]),
                qty_step: price.recip() * rng.pick(&[0.1, 0.5]),
                ..ex
            }
        } else {
            ex
        };
        let mut walk = Walk {
            pside: rng.pick(&[Pside::Long, Pside::Short]),
            ex,
            bot: random_bot(rng),
            price,
            spread_steps: rng.pick(&[0.0, 0.0, 1.0, 3.0]),
            move_pct: rng.pick(&[0.0002, 0.001, 0.004]),
            emas: [price; 3],
            state: StateParams {
                balance: if small {
                    rng.pick(&[20.0, 60.0, 150.0])
                } else {
                    rng.pick(&[1000.0, 10_000.0, 100_000.0])
                },
                entry_volatility_logrange_ema_1h: rng.range(0.0, 0.02),
                ..StateParams::default()
            },
            position: Position::default(),
            trailing: TrailingBundle::default(),
            entry_memo: OrderMemo::default(),
            close_memo: OrderMemo::default(),
            calls: rng.pick(&[0, 1, 2]),
            last_orders: Vec::new(),
        };
        walk.set_book();
        walk
    }

    fn set_book(&mut self) {
        let spread = self.spread_steps * self.ex.price_step;
        self.state.order_book = OrderBook {
            bid: self.price,
            ask: self.price + spread,
        };
        let (lo, hi) = self
            .emas
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &e| {
                (lo.min(e), hi.max(e))
            });
        self.state.ema_bands = EmaBands {
            upper: hi,
            lower: lo,
        };
    }

    /// One minute: the candle, fills of last minute's orders, the indicators and the inputs.
    fn advance(&mut self, rng: &mut Rng, minute: usize) {
        let old = self.price;
        let mut close = old * (1.0 + rng.range(-1.0, 1.0) * self.move_pct);
        if rng.chance(0.05) {
            // Land exactly on a price an order used: the clamp ties the reuse test must refuse.
            if let Some(o) = self.last_orders.first() {
                close = o.price;
            }
        }
        let close = round_(close, self.ex.price_step).max(self.ex.price_step);
        let high = old.max(close) * (1.0 + rng.range(0.0, self.move_pct));
        let low = old.min(close) * (1.0 - rng.range(0.0, self.move_pct));
        let mut filled = false;
        for o in std::mem::take(&mut self.last_orders) {
            let crosses = (o.qty > 0.0 && low < o.price) || (o.qty < 0.0 && high > o.price);
            if !crosses || o.qty == 0.0 {
                continue;
            }
            filled = true;
            let size = self.position.size;
            if o.order_type.is_close() {
                if size == 0.0 {
                    continue;
                }
                let mut qty = o.qty;
                if (size + qty) * size < 0.0 {
                    qty = -size;
                }
                self.state.balance += calc_pnl(
                    self.pside,
                    self.position.price,
                    o.price,
                    qty,
                    self.ex.c_mult,
                );
                self.position.size = round_(size + qty, self.ex.qty_step);
            } else {
                let (s, p) = calc_new_psize_pprice(
                    size,
                    self.position.price,
                    o.qty,
                    o.price,
                    self.ex.qty_step,
                );
                self.position = Position { size: s, price: p };
            }
        }
        if self.position.size == 0.0 {
            self.position.price = 0.0;
        }
        if filled {
            self.trailing = TrailingBundle::default();
        } else if self.position.size != 0.0 {
            self.trailing.update(high, low, close);
        }
        self.price = close;
        for (e, span) in self.emas.iter_mut().zip([5.0, 60.0, 600.0]) {
            *e += 2.0 / (span + 1.0) * (close - *e);
        }
        if minute.is_multiple_of(60) {
            self.state.entry_volatility_logrange_ema_1h = rng.range(0.0, 0.02);
        }
        if rng.chance(0.005) {
            self.bot.wallet_exposure_limit = rng.range(0.05, 0.6);
        }
        if rng.chance(0.005) {
            self.state.balance = round_dn(self.state.balance * rng.range(0.9, 1.1), 0.01);
        }
        self.set_book();
    }

    /// This minute's orders, memoised and fresh, compared; the ones fills are tested against.
    fn check_minute(&mut self, rng: &mut Rng) {
        let (p, ex, st, bot, pos, tb) = (
            self.pside,
            self.ex,
            self.state,
            self.bot,
            self.position,
            self.trailing,
        );
        let context = || format!("{p:?} {ex:?} {st:?} {bot:?} {pos:?} {tb:?}");
        let mut orders = Vec::new();
        let (next, ladder) = match self.calls {
            0 => (true, rng.chance(0.2)),
            1 => (false, true),
            _ => (true, true),
        };
        if next {
            let fresh = calc_next_entry(p, &ex, &st, &bot, &pos, &tb);
            let memo = calc_next_entry_memo(p, &ex, &st, &bot, &pos, &tb, &mut self.entry_memo);
            assert_same(&[fresh], &[memo], "next entry", &context);
            orders.push(fresh);
            if pos.size != 0.0 {
                let fresh = calc_next_close(p, &ex, &st, &bot, &pos, &tb);
                let memo = calc_next_close_memo(p, &ex, &st, &bot, &pos, &tb, &mut self.close_memo);
                assert_same(&[fresh], &[memo], "next close", &context);
                orders.push(fresh);
            }
        }
        if ladder {
            let (mut fresh, mut memo) = (Vec::new(), Vec::new());
            calc_entries_into(p, &ex, &st, &bot, &pos, &tb, &mut fresh);
            calc_entries_into_memo(
                p,
                &ex,
                &st,
                &bot,
                &pos,
                &tb,
                &mut self.entry_memo,
                &mut memo,
            );
            assert_same(&fresh, &memo, "entry ladder", &context);
            orders.splice(0..0, fresh);
            if pos.size != 0.0 {
                let (mut fresh, mut memo) = (Vec::new(), Vec::new());
                calc_closes_into(p, &ex, &st, &bot, &pos, &tb, &mut fresh);
                calc_closes_into_memo(
                    p,
                    &ex,
                    &st,
                    &bot,
                    &pos,
                    &tb,
                    &mut self.close_memo,
                    &mut memo,
                );
                assert_same(&fresh, &memo, "close ladder", &context);
                orders.extend(fresh);
            }
        }
        self.last_orders = orders;
    }
}

fn assert_same(fresh: &[Order], memo: &[Order], what: &str, context: &dyn Fn() -> String) {
    let bits = |os: &[Order]| -> Vec<(u64, u64, u16)> {
        os.iter()
            .map(|o| (o.qty.to_bits(), o.price.to_bits(), o.order_type.id()))
            .collect()
    };
    assert_eq!(
        bits(fresh),
        bits(memo),
        "{what}: memo {memo:?} vs fresh {fresh:?} at {}",
        context()
    );
}

/// `MEMO_WALK_SEED` and `MEMO_WALKS` (environment) replace the fixed seed and the number of
/// walks, so `make explore` can search further than CI.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a valid number")),
        Err(_) => default,
    }
}

#[test]
fn memoised_orders_equal_fresh_ones_bit_for_bit_on_random_walks() {
    let seed = env_or("MEMO_WALK_SEED", 0x5851_f42d_4c95_7f2d_u64);
    let walks = env_or("MEMO_WALKS", 400_usize);
    // Shown with a failure, to replay it.
    eprintln!("memo walks: MEMO_WALK_SEED={seed} MEMO_WALKS={walks}");
    let mut rng = Rng(seed.max(1)); // xorshift needs a non-zero state
    let (mut entry_hits, mut close_hits) = (0, 0);
    for _ in 0..walks {
        let mut walk = Walk::new(&mut rng);
        for minute in 0..240 {
            walk.advance(&mut rng, minute);
            walk.check_minute(&mut rng);
        }
        entry_hits += walk.entry_memo.hits.get();
        close_hits += walk.close_memo.hits.get();
    }
    // The walks exercise reuse, not only misses.
    let min_hits = 50 * walks;
    assert!(
        entry_hits > min_hits,
        "entry hits {entry_hits} (seed {seed})"
    );
    assert!(
        close_hits > min_hits,
        "close hits {close_hits} (seed {seed})"
    );
}
