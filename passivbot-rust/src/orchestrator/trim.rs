//! Trim a symbol/side's closes so together they never exceed the position (§10.7 step 3).

use std::cmp::Ordering;

use crate::math::{calc_min_entry_qty, order_price_diff_ask, order_price_diff_bid, round_};
use crate::types::{ExchangeParams, Order, OrderBook, Pside};

const EPS: f64 = 1e-12;

/// Distance of an order from execution: buys below bid, sells above ask (negative = marketable).
pub(crate) fn market_diff(order: &Order, book: &OrderBook) -> f64 {
    if order.qty >= 0.0 {
        order_price_diff_bid(order.price, book.bid)
    } else {
        order_price_diff_ask(order.price, book.ask)
    }
}

pub(crate) fn cmp_f64(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// Closest first: (diff, type id, price).
fn cmp_closest_first(a: &Order, b: &Order, book: &OrderBook) -> Ordering {
    cmp_f64(market_diff(a, book), market_diff(b, book))
        .then(a.order_type.id().cmp(&b.order_type.id()))
        .then(cmp_f64(a.price, b.price))
}

pub(crate) fn trim_closes_to_position(
    closes: &mut Vec<Order>,
    pside: Pside,
    position_size: f64,
    book: &OrderBook,
    exchange: &ExchangeParams,
) {
    let pos_abs = position_size.abs();
    if pos_abs <= EPS {
        closes.clear();
        return;
    }
    if closes.is_empty() {
        return;
    }
    let close_sign = -pside.sign();
    let market = match pside {
        Pside::Long => book.ask,
        Pside::Short => book.bid,
    };
    let min_qty = calc_min_entry_qty(market, exchange);
    let below_min = pos_abs < min_qty - EPS;
    if !below_min && min_qty > EPS {
        closes.retain(|o| o.qty.abs() + EPS >= min_qty);
    }
    if below_min {
        // Only one order can close a position smaller than the exchange minimum: the closest.
        closes.sort_by(|a, b| cmp_closest_first(a, b, book));
        closes.truncate(1);
        closes[0].qty = close_sign * pos_abs;
        return;
    }
    let total: f64 = closes
        .iter()
        .filter(|o| o.qty * close_sign > 0.0)
        .map(|o| o.qty.abs())
        .sum();
    if total > pos_abs + EPS {
        // Furthest from the market is trimmed first.
        closes.sort_by(|a, b| {
            cmp_f64(market_diff(b, book), market_diff(a, book))
                .then(a.order_type.id().cmp(&b.order_type.id()))
                .then(cmp_f64(a.price, b.price))
                .then(cmp_f64(a.qty, b.qty))
        });
        let mut excess = total - pos_abs;
        let mut kept = Vec::with_capacity(closes.len());
        for o in closes.drain(..) {
            let q = o.qty.abs();
            if excess <= EPS {
                kept.push(o);
            } else if q <= excess + EPS {
                excess -= q;
            } else {
                let new_q = round_(q - excess, exchange.qty_step);
                if new_q <= EPS {
                    // Dropped without consuming the excess (reference quirk 8).
                } else if new_q < min_qty {
                    excess = 0.0;
                } else {
                    kept.push(Order {
                        qty: close_sign * new_q,
                        ..o
                    });
                    excess = 0.0;
                }
            }
        }
        *closes = kept;
    }
    if closes.is_empty() {
        return;
    }
    // A remainder too small to close on its own goes to the furthest close.
    let sum: f64 = closes.iter().map(|o| o.qty.abs()).sum();
    let remainder = pos_abs - sum;
    let min_required = closes
        .iter()
        .map(|o| calc_min_entry_qty(o.price, exchange))
        .fold(f64::INFINITY, f64::min);
    if EPS < remainder && remainder + EPS < min_required {
        closes.sort_by(|a, b| cmp_closest_first(a, b, book));
        let last = closes.len() - 1;
        let others: f64 = closes[..last].iter().map(|o| o.qty.abs()).sum();
        let new_q =
            round_(pos_abs - others, exchange.qty_step).min(round_(pos_abs, exchange.qty_step));
        closes[last].qty = close_sign * new_q;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::OrderType;

    fn ex() -> ExchangeParams {
        ExchangeParams {
            qty_step: 0.1,
            price_step: 0.1,
            min_qty: 0.1,
            min_cost: 0.0,
            c_mult: 1.0,
        }
    }

    // §18.14 (reference crate test): closes 1 @ 101 and 1 @ 100.5 against a 1.5 position with
    // the book at 100. The furthest (101) absorbs the 0.5 excess: 1 - 0.5 = 0.5.
    #[test]
    fn spec18_14_trim_closes_furthest_first() {
        let mut closes = vec![
            Order::new(-1.0, 101.0, OrderType::CloseGridLong),
            Order::new(-1.0, 100.5, OrderType::CloseGridLong),
        ];
        let book = OrderBook {
            bid: 100.0,
            ask: 100.0,
        };
        trim_closes_to_position(&mut closes, Pside::Long, 1.5, &book, &ex());
        let mut got: Vec<(f64, f64)> = closes.iter().map(|o| (o.price, o.qty)).collect();
        got.sort_by(|a, b| cmp_f64(a.0, b.0));
        assert_eq!(got, vec![(100.5, -1.0), (101.0, -0.5)]);
    }

    #[test]
    fn position_below_min_qty_keeps_only_the_closest_close_for_the_whole_size() {
        let exchange = ExchangeParams {
            min_qty: 1.0,
            qty_step: 0.1,
            ..ex()
        };
        let mut closes = vec![
            Order::new(0.3, 95.0, OrderType::CloseGridShort),
            Order::new(0.3, 99.0, OrderType::CloseGridShort),
        ];
        let book = OrderBook {
            bid: 100.0,
            ask: 100.0,
        };
        trim_closes_to_position(&mut closes, Pside::Short, -0.5, &book, &exchange);
        assert_eq!(
            closes,
            vec![Order::new(0.5, 99.0, OrderType::CloseGridShort)]
        );
    }

    #[test]
    fn empty_position_drops_every_close() {
        let mut closes = vec![Order::new(-1.0, 101.0, OrderType::CloseGridLong)];
        trim_closes_to_position(
            &mut closes,
            Pside::Long,
            0.0,
            &OrderBook { bid: 1.0, ask: 1.0 },
            &ex(),
        );
        assert!(closes.is_empty());
    }

    #[test]
    fn dust_remainder_is_absorbed_by_the_furthest_close() {
        // Position 2.05 with qty_step 0.01, min qty 0.1: closes 1 + 1 leave 0.05 < min qty,
        // so the furthest close (102) takes it: round(2.05 - 1) = 1.05.
        let exchange = ExchangeParams {
            qty_step: 0.01,
            min_qty: 0.1,
            ..ex()
        };
        let mut closes = vec![
            Order::new(-1.0, 101.0, OrderType::CloseGridLong),
            Order::new(-1.0, 102.0, OrderType::CloseGridLong),
        ];
        let book = OrderBook {
            bid: 100.0,
            ask: 100.0,
        };
        trim_closes_to_position(&mut closes, Pside::Long, 2.05, &book, &exchange);
        assert_eq!(
            closes[1],
            Order::new(-1.05, 102.0, OrderType::CloseGridLong)
        );
        assert_eq!(closes[0].qty, -1.0);
    }
}
