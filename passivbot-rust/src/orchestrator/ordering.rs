//! Output ordering (§10.9). Live (`sort_global`) sorts everything by distance from the market;
//! the backtest keeps per-symbol groups, which its fill processing relies on.

use std::cmp::Ordering;

use super::input::OrchestratorInput;
use super::output::IdealOrder;
use super::trim::{cmp_f64, market_diff};
use super::workspace::SideOrders;
use crate::types::{Order, OrderBook, Pside};

fn cmp_within_group(a: &Order, b: &Order, book: &OrderBook) -> Ordering {
    cmp_f64(market_diff(a, book), market_diff(b, book))
        .then(a.order_type.id().cmp(&b.order_type.id()))
        .then(cmp_f64(a.price, b.price))
        .then(cmp_f64(a.qty, b.qty))
}

/// Writes the planned orders (per symbol `[long, short]`) into `out` (cleared first).
pub(crate) fn order_output(
    input: &OrchestratorInput,
    plan: &mut [[SideOrders; 2]],
    out: &mut Vec<IdealOrder>,
) {
    out.clear();
    let ideal = |idx: usize, pside: Pside, o: &Order| IdealOrder {
        symbol_idx: idx,
        pside,
        qty: o.qty,
        price: o.price,
        order_type: o.order_type,
    };
    if input.global.sort_global {
        for pside in Pside::BOTH {
            for (idx, sides) in plan.iter().enumerate() {
                let SideOrders { closes, entries } = &sides[pside.index()];
                out.extend(
                    closes
                        .iter()
                        .chain(entries.iter())
                        .map(|o| ideal(idx, pside, o)),
                );
            }
        }
        out.sort_by(|a, b| {
            let book_a = &input.symbols[a.symbol_idx].order_book;
            let book_b = &input.symbols[b.symbol_idx].order_book;
            let oa = Order::new(a.qty, a.price, a.order_type);
            let ob = Order::new(b.qty, b.price, b.order_type);
            cmp_f64(market_diff(&oa, book_a), market_diff(&ob, book_b))
                .then(a.symbol_idx.cmp(&b.symbol_idx))
                .then(a.pside.cmp(&b.pside))
                .then(b.order_type.is_close().cmp(&a.order_type.is_close()))
                .then(a.order_type.id().cmp(&b.order_type.id()))
                .then(cmp_f64(a.price, b.price))
                .then(cmp_f64(a.qty, b.qty))
        });
    } else {
        for pside in Pside::BOTH {
            for (idx, sides) in plan.iter_mut().enumerate() {
                let book = &input.symbols[idx].order_book;
                let SideOrders { closes, entries } = &mut sides[pside.index()];
                closes.sort_by(|a, b| cmp_within_group(a, b, book));
                entries.sort_by(|a, b| cmp_within_group(a, b, book));
                out.extend(
                    closes
                        .iter()
                        .chain(entries.iter())
                        .map(|o| ideal(idx, pside, o)),
                );
            }
        }
    }
}
