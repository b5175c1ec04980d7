//! Fills of the resting orders against the minute's candle, their fees and PnL, delisted
//! positions, and the equity record.

use super::*;

impl Engine<'_> {
    pub(super) fn check_for_fills(&mut self, k: usize) {
        for pside in Pside::BOTH {
            if !self.trading_enabled[pside.index()] {
                continue;
            }
            for i in 0..self.n_coins {
                if !self.ranges[i].tradeable(k) {
                    continue;
                }
                let s = pside.index();
                if self.open[i][s].closes.is_empty() && self.open[i][s].entries.is_empty() {
                    continue;
                }
                let col = self.columns[i];
                let (high, low) = (self.data.high(k, col), self.data.low(k, col));
                let crosses = |o: &RestingOrder| order_fills(o.order.qty, o.order.price, high, low);
                // Fills never change the resting orders, so they are read by index in place.
                for j in 0..self.open[i][s].closes.len() {
                    let c = self.open[i][s].closes[j];
                    if !crosses(&c) {
                        continue;
                    }
                    if self.positions[i][s].size == 0.0 {
                        break;
                    }
                    self.apply_close(k, i, pside, c.order, self.fee_rate(&c));
                }
                for j in 0..self.open[i][s].entries.len() {
                    let e = self.open[i][s].entries[j];
                    if crosses(&e) {
                        self.apply_entry(k, i, pside, e.order, self.fee_rate(&e));
                    }
                }
            }
        }
    }

    pub(super) fn fee_rate(&self, o: &RestingOrder) -> f64 {
        if o.marketable && !self.params.compat_v7 {
            self.params.taker_fee()
        } else {
            self.params.maker_fee
        }
    }

    pub(super) fn apply_close(
        &mut self,
        k: usize,
        i: usize,
        pside: Pside,
        order: Order,
        fee_rate: f64,
    ) {
        let ex = self.exchange[i];
        let pos = self.positions[i][pside.index()];
        let mut qty = order.qty;
        let mut new_size = round_(pos.size + qty, ex.qty_step);
        if new_size * pos.size < 0.0 {
            // A close larger than the position: clip it to the position.
            qty = -pos.size;
            new_size = 0.0;
        }
        let pnl = calc_pnl(pside, pos.price, order.price, qty, ex.c_mult);
        self.pnl_cumsum += pnl;
        self.pnl_cummax = self.pnl_cummax.max(self.pnl_cumsum);
        self.positions[i][pside.index()].size = new_size;
        self.book_fill(
            k,
            i,
            pside,
            qty,
            order.price,
            pnl,
            order.order_type,
            fee_rate,
        );
    }

    pub(super) fn apply_entry(
        &mut self,
        k: usize,
        i: usize,
        pside: Pside,
        order: Order,
        fee_rate: f64,
    ) {
        let ex = self.exchange[i];
        let pos = &mut self.positions[i][pside.index()];
        let (size, price) =
            calc_new_psize_pprice(pos.size, pos.price, order.qty, order.price, ex.qty_step);
        *pos = Position { size, price };
        self.book_fill(
            k,
            i,
            pside,
            order.qty,
            order.price,
            0.0,
            order.order_type,
            fee_rate,
        );
    }

    #[allow(clippy::too_many_arguments)] // one fill record's fields
    pub(super) fn book_fill(
        &mut self,
        k: usize,
        i: usize,
        pside: Pside,
        qty: f64,
        price: f64,
        pnl: f64,
        order_type: OrderType,
        fee_rate: f64,
    ) {
        let ex = self.exchange[i];
        let btc_price = self.btc_usd[k];
        let fee_paid = -(qty_to_cost(qty, price, ex.c_mult) * fee_rate);
        self.wallet.apply_fill(fee_paid, pnl, btc_price);
        self.revalidate = true;
        self.filled_this_minute[i][pside.index()] = true;
        let pos = self.positions[i][pside.index()];
        let balance = self.wallet.usd_total;
        let (twe_long, twe_short) = self.total_exposures(balance);
        let we = calc_wallet_exposure(ex.c_mult, balance, pos.size, pos.price);
        self.fills.push(Fill {
            index: k,
            timestamp_ms: self.ts(k),
            coin_idx: i,
            pnl,
            fee_paid,
            usd_total_balance: balance,
            btc_cash_wallet: self.wallet.btc_cash,
            usd_cash_wallet: self.wallet.usd_cash,
            btc_price,
            qty,
            price,
            psize: pos.size,
            pprice: pos.price,
            order_type,
            wallet_exposure: if pside == Pside::Short { -we } else { we },
            twe_long,
            twe_short: -twe_short,
            twe_net: twe_long - twe_short,
        });
    }

    /// Σ WE of long positions and of short positions (both ≥ 0), in coin order.
    pub(super) fn total_exposures(&self, balance: f64) -> (f64, f64) {
        let mut long = 0.0;
        let mut short = 0.0;
        for (i, pair) in self.positions.iter().enumerate() {
            let c_mult = self.exchange[i].c_mult;
            if pair[0].size != 0.0 {
                long += calc_wallet_exposure(c_mult, balance, pair[0].size, pair[0].price);
            }
            if pair[1].size != 0.0 {
                short += calc_wallet_exposure(c_mult, balance, pair[1].size, pair[1].price);
            }
        }
        (long, short)
    }

    /// Fixed mode: a coin whose data ends before the data set does is closed at its last close
    /// (a market order: taker fee) instead of being left open forever.
    pub(super) fn close_delisted_positions(&mut self, k: usize) {
        for i in 0..self.n_coins {
            if self.ranges[i].last != k || k >= self.data.n_minutes - 1 {
                continue;
            }
            let price = self.data.close(k, self.columns[i]);
            if !(price.is_finite() && price > 0.0) {
                continue;
            }
            for pside in Pside::BOTH {
                let size = self.positions[i][pside.index()].size;
                if size == 0.0 {
                    continue;
                }
                let order = Order::new(-size, price, OrderKind::ClosePanic.for_side(pside));
                self.apply_close(k, i, pside, order, self.params.taker_fee());
            }
        }
    }

    /// Equity = balance plus each open position's uPnL at the close, accumulated one position
    /// at a time (long coins, then short coins), as the reference does (bit-identical sums).
    pub(super) fn record_equity(&mut self, k: usize) {
        let btc_price = self.btc_usd[k];
        let mut usd_equity = self.wallet.usd_total;
        let mut btc_equity = self.wallet.btc_total;
        for pside in Pside::BOTH {
            for i in 0..self.n_coins {
                let pos = self.positions[i][pside.index()];
                if pos.size == 0.0 || !self.ranges[i].valid(k) {
                    continue;
                }
                let close = self.data.close(k, self.columns[i]);
                let upnl = calc_pnl(pside, pos.price, close, pos.size, self.exchange[i].c_mult);
                usd_equity += upnl;
                btc_equity += upnl / btc_price;
            }
        }
        self.equity.push([
            self.ts(k) as f64,
            usd_equity,
            btc_equity,
            self.wallet.usd_total,
        ]);
        let (twe_long, twe_short) = self.total_exposures(self.wallet.usd_total);
        self.twe_net.push(twe_long - twe_short);
    }
}
