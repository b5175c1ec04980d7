//! The orders of each minute: effective n_positions, dynamic WEL, the orchestrator input
//! refreshed in place, and the orders it returns placed for the next minute.

use super::*;

impl Engine<'_> {
    /// Dynamic WEL = TWEL / min(n_positions, #tradeable coins) (§8.5). False when no coin trades.
    pub(super) fn update_effective_n_positions(&mut self, k: usize) -> bool {
        let mut eligible = std::mem::take(&mut self.eligible);
        eligible.clear();
        eligible.extend((0..self.n_coins).map(|i| self.tradeable_for_orders(i, k)));
        let n_eligible = eligible.iter().filter(|&&e| e).count();
        if n_eligible == 0 {
            self.eligible = eligible;
            return false;
        }
        // Same eligible coins as last minute: the same values would be written again.
        if eligible != self.last_eligible {
            self.apply_dynamic_wel(&eligible, n_eligible);
            self.last_eligible.clone_from(&eligible);
        }
        self.eligible = eligible;
        true
    }

    /// Effective n_positions per side and the dynamic WEL of the eligible coins (n ≥ 1).
    pub(super) fn apply_dynamic_wel(&mut self, eligible: &[bool], n_eligible: usize) {
        for pside in Pside::BOTH {
            let s = pside.index();
            let m = self.master.side(pside);
            let enp = m.n_positions.min(n_eligible);
            self.effective_n_positions[s] = enp;
            let wel = if enp > 0 {
                m.total_wallet_exposure_limit / enp as f64
            } else {
                0.0
            };
            for (i, &is_eligible) in eligible.iter().enumerate() {
                if is_eligible && self.original_wel[i][s] < 0.0 {
                    self.set_wallet_exposure_limit(i, pside, wel);
                }
            }
        }
    }

    /// The one bot parameter that changes during a run, kept equal in `bot` and `input`.
    pub(super) fn set_wallet_exposure_limit(&mut self, i: usize, pside: Pside, wel: f64) {
        match pside {
            Pside::Long => self.bot[i].long.wallet_exposure_limit = wel,
            Pside::Short => self.bot[i].short.wallet_exposure_limit = wel,
        }
        self.input.symbols[i]
            .side_mut(pside)
            .bot_params
            .wallet_exposure_limit = wel;
    }

    /// Fixed mode stops placing orders on a coin's last minute when its data ends early.
    pub(super) fn tradeable_for_orders(&self, i: usize, k: usize) -> bool {
        let r = self.ranges[i];
        r.tradeable(k)
            && (self.params.compat_v7 || !(k == r.last && r.last < self.data.n_minutes - 1))
    }

    pub(super) fn place_orders(&mut self, k: usize) -> Result<(), String> {
        self.refresh_input(k);
        if !self.params.order_memo {
            self.workspace.forget_memos();
        }
        let revalidate = std::mem::take(&mut self.revalidate);
        (if revalidate {
            validate_dynamic(&self.input)
        } else {
            validate_balance(&self.input)
        })
        .and_then(|()| compute_into(&self.input, &self.ema_slots, &mut self.workspace))
        .map_err(|e| format!("minute {k} (timestamp {}): {e}", self.ts(k)))?;
        for pair in self.open.iter_mut() {
            for side in pair.iter_mut() {
                side.closes.clear();
                side.entries.clear();
            }
        }
        for o in &self.workspace.orders {
            let o: IdealOrder = *o;
            let book = self.input.symbols[o.symbol_idx].order_book;
            let marketable =
                (o.qty > 0.0 && o.price > book.ask) || (o.qty < 0.0 && o.price < book.bid);
            let resting = RestingOrder {
                order: Order::new(o.qty, o.price, o.order_type),
                marketable,
            };
            let side = &mut self.open[o.symbol_idx][o.pside.index()];
            if o.order_type.is_close() {
                side.closes.push(resting);
            } else {
                side.entries.push(resting);
            }
        }
        Ok(())
    }

    /// Updates the reusable orchestrator input in place for minute `k` (§11.5).
    pub(super) fn refresh_input(&mut self, k: usize) {
        let compat = self.params.compat_v7;
        let balance = self.wallet.usd_total_rounded;
        let raw_balance = self.wallet.usd_total;
        self.input.balance = balance;
        for pside in Pside::BOTH {
            let m = self.master.side(pside);
            let allowance = if m.unstuck_loss_allowance_pct > 0.0 {
                calc_auto_unstuck_allowance(
                    balance,
                    m.unstuck_loss_allowance_pct * m.total_wallet_exposure_limit,
                    self.pnl_cummax,
                    self.pnl_cumsum,
                )
            } else {
                0.0
            };
            match pside {
                Pside::Long => self.input.global.unstuck_allowance_long = allowance,
                Pside::Short => self.input.global.unstuck_allowance_short = allowance,
            }
        }
        let n_minutes = self.data.n_minutes;
        for i in 0..self.n_coins {
            let range = self.ranges[i];
            let col = self.columns[i];
            let close = self.data.close(range.clamp(k), col);
            let ex = self.exchange[i];
            let tradable = self.tradeable_for_orders(i, k);
            let next_candle = if compat && k + 1 < n_minutes {
                Some(if range.tradeable(k + 1) {
                    NextCandle {
                        low: self.data.low(k + 1, col),
                        high: self.data.high(k + 1, col),
                        tradable: true,
                    }
                } else {
                    NextCandle {
                        low: 0.0,
                        high: 0.0,
                        tradable: false,
                    }
                })
            } else {
                None
            };
            let modes = Pside::BOTH.map(|pside| {
                if !self.side_traded[pside.index()] {
                    // The orchestrator treats every symbol of an untraded side as manual.
                    return None;
                }
                let has_position = self.positions[i][pside.index()].size != 0.0;
                if has_position
                    && ((range.delisted && k >= range.last) || (!range.delisted && !range.valid(k)))
                {
                    // the reference panics out of positions on coins whose data ended
                    Some(Mode::Panic)
                } else if self.params.filter_by_min_effective_cost
                    && !has_position
                    && !self.passes_min_cost(i, pside, raw_balance, close)
                {
                    Some(Mode::GracefulStop)
                } else if !has_position && self.smc_blocks(i, pside, close) {
                    // no new position against the SMC state; an open one is still managed
                    Some(Mode::GracefulStop)
                } else {
                    None
                }
            });
            let emas = &self.emas[i];
            let sym = &mut self.input.symbols[i];
            let price = close.max(f64::EPSILON);
            sym.order_book = OrderBook {
                bid: price,
                ask: price,
            };
            sym.tradable = tradable;
            sym.next_candle = next_candle;
            sym.effective_min_cost = (ex.min_qty * close * ex.c_mult).max(ex.min_cost);
            // Only the entries the orchestrator reads (each value is a division).
            let read = emas.read;
            for s in (0..2).filter(|&s| read.close[s]) {
                for j in 0..3 {
                    sym.emas.m1.close[3 * s + j].1 = emas.close[s][j].value();
                }
            }
            for s in 0..2 {
                if read.volume[s] {
                    sym.emas.m1.volume[s].1 = emas.volume[s].value();
                }
                if read.log_range[s] {
                    sym.emas.m1.log_range[s].1 = emas.log_range[s].value();
                }
            }
            for (s, slot) in self.volatility_slots[i].into_iter().enumerate() {
                if let Some(slot) = slot {
                    sym.emas.h1.log_range[slot].1 = emas.volatility_1h[s].value();
                }
            }
            for pside in Pside::BOTH {
                let s = pside.index();
                let side = sym.side_mut(pside);
                side.mode = modes[s];
                side.position = self.positions[i][s];
                side.trailing = self.trailing[i][s];
            }
        }
    }

    pub(super) fn passes_min_cost(&self, i: usize, pside: Pside, balance: f64, close: f64) -> bool {
        let p = self.bot[i].side(pside);
        let ex = self.exchange[i];
        if p.entry_initial_qty_pct <= 0.0 || p.wallet_exposure_limit <= 0.0 {
            return false;
        }
        let effective_min_cost = (ex.min_qty * close * ex.c_mult).max(ex.min_cost);
        balance
            * wel_with_allowance(p.wallet_exposure_limit, p.risk_we_excess_allowance_pct)
            * p.entry_initial_qty_pct
            >= effective_min_cost
    }
}

/// The orchestrator input with every static field set; `refresh_input` updates the rest.
pub(super) fn build_input_skeleton(
    bot_params: &[BotParamsPair],
    exchange_params: &[ExchangeParams],
    master: &BotParamsPair,
    params: &BacktestParams,
) -> OrchestratorInput {
    let symbols = bot_params
        .iter()
        .zip(exchange_params)
        .enumerate()
        .map(|(i, (b, ex))| {
            let close_spans = |p: &crate::types::BotParams| {
                [
                    p.ema_span_0,
                    p.ema_span_1,
                    (p.ema_span_0 * p.ema_span_1).sqrt(),
                ]
            };
            let close: Vec<(f64, f64)> = close_spans(&b.long)
                .into_iter()
                .chain(close_spans(&b.short))
                .map(|s| (s, 0.0))
                .collect();
            let h1_log_range: Vec<(f64, f64)> = [
                b.long.entry_volatility_ema_span_hours,
                b.short.entry_volatility_ema_span_hours,
            ]
            .into_iter()
            .filter(|s| *s > 0.0)
            .map(|s| (s, 0.0))
            .collect();
            let side = |p: &crate::types::BotParams| SideInput {
                mode: None,
                position: Position::default(),
                trailing: TrailingBundle::default(),
                bot_params: *p,
            };
            SymbolInput {
                symbol_idx: i,
                order_book: OrderBook { bid: 1.0, ask: 1.0 },
                exchange: *ex,
                tradable: false,
                next_candle: None,
                effective_min_cost: 0.0,
                emas: EmaInput {
                    m1: EmaSeries {
                        close,
                        log_range: vec![
                            (master.long.filter_volatility_ema_span, 0.0),
                            (master.short.filter_volatility_ema_span, 0.0),
                        ],
                        volume: vec![
                            (master.long.filter_volume_ema_span, 0.0),
                            (master.short.filter_volume_ema_span, 0.0),
                        ],
                    },
                    h1: EmaSeries {
                        close: vec![],
                        log_range: h1_log_range,
                        volume: vec![],
                    },
                },
                long: side(&b.long),
                short: side(&b.short),
            }
        })
        .collect();
    OrchestratorInput {
        balance: params.starting_balance,
        global: GlobalInput {
            filter_by_min_effective_cost: params.filter_by_min_effective_cost,
            unstuck_allowance_long: 0.0,
            unstuck_allowance_short: 0.0,
            sort_global: false,
            global_bot_params: GlobalBotParams {
                long: master.long,
                short: master.short,
            },
            hedge_mode: params.hedge_mode,
        },
        symbols,
        peek_hints: None,
    }
}
