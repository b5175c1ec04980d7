//! The per-minute simulator (§11). Every minute `k`:
//! fills of the orders computed at `k−1` (tested on candle `k`), EMA updates, BTC re-mark,
//! trailing bundles, then — after warm-up — dynamic WEL and a fresh set of orders from the
//! orchestrator, and the equity record.

use crate::math::{
    calc_auto_unstuck_allowance, calc_new_psize_pprice, calc_pnl, calc_wallet_exposure, round_,
    wel_with_allowance,
};
use crate::orchestrator::input::{
    EmaInput, EmaSeries, GlobalBotParams, GlobalInput, Mode, NextCandle, OrchestratorInput,
    SideInput, SymbolInput,
};
use crate::orchestrator::{
    compute_into, validate_balance, validate_dynamic, validate_static, EmaSlots, IdealOrder,
    Workspace,
};
use crate::types::{
    BotParamsPair, ExchangeParams, Fill, Order, OrderBook, OrderKind, OrderType, Position, Pside,
    TrailingBundle,
};

use super::data::{CoinRange, Hlcvs};
use super::ema::{close_seed, log_range, quote_volume, quote_volume_seed, Ema};
use super::fill_rule::order_fills;
use super::params::BacktestParams;
use super::wallet::Wallet;
use crate::smc::engine::Bar;
use crate::smc::gate::{CoinGate, GateParams};

const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;

/// An order resting for one minute, with what is needed to charge the right fee.
#[derive(Debug, Clone, Copy)]
struct RestingOrder {
    order: Order,
    /// Crossed the book when placed: a taker fill live (fixed mode charges the taker fee).
    marketable: bool,
}

#[derive(Debug, Clone, Default)]
struct OpenOrders {
    closes: Vec<RestingOrder>,
    entries: Vec<RestingOrder>,
}

/// EMAs of one coin. Index 0 = long, 1 = short.
#[derive(Debug, Clone)]
struct CoinEmas {
    close: [[Ema; 3]; 2],
    volume: [Ema; 2],
    log_range: [Ema; 2],
    volatility_1h: [Ema; 2],
    /// Which EMAs the orchestrator reads, and which of those are updated (compat mode freezes
    /// some): see [`CoinEmas::plan_updates`].
    read: EmaUpdates,
    update: EmaUpdates,
    /// High/low of the last completed hour, kept until a newer hour has candles.
    hour_bucket: Option<(f64, f64)>,
    hour_bucket_fresh: bool,
}

/// Per side: the close EMAs, the volume EMA, the log-range EMA.
#[derive(Debug, Clone, Copy, Default)]
struct EmaUpdates {
    close: [bool; 2],
    volume: [bool; 2],
    log_range: [bool; 2],
}

impl CoinEmas {
    /// Updates only the EMAs the orchestrator reads: the entries the slots of a traded side
    /// point at (the orchestrator reads nothing of a side without TWEL or positions). A side
    /// may read the other side's entry when their spans coincide (first match), so this goes
    /// by the resolved slots, not by side (when both sides' spans are equal, only the long
    /// side's EMAs are kept). Compat mode's frozen EMAs (`needs_*` false) stay frozen. The
    /// input lists follow `build_input_skeleton`: `m1.close` holds the long
    /// side's three spans then the short side's, `m1.volume` and `m1.log_range` long, short.
    fn plan_updates(
        &mut self,
        slots: &EmaSlots,
        side_live: [bool; 2],
        needs_volume: [bool; 2],
        needs_log_range: [bool; 2],
    ) {
        let mut read = EmaUpdates::default();
        for s in (0..2).filter(|&s| side_live[s]) {
            for slot in slots.close[s].into_iter().flatten() {
                read.close[slot / 3] = true;
            }
            if let Some(slot) = slots.volume[s] {
                read.volume[slot] = true;
            }
            if let Some(slot) = slots.log_range[s] {
                read.log_range[slot] = true;
            }
        }
        self.update = EmaUpdates {
            close: read.close,
            volume: [0, 1].map(|s| read.volume[s] && needs_volume[s]),
            log_range: [0, 1].map(|s| read.log_range[s] && needs_log_range[s]),
        };
        self.read = read;
    }
}

/// The SMC gate of every coin and its rules.
struct SmcGates {
    rules: GateParams,
    coins: Vec<CoinGate>,
}

/// Output of one run.
pub struct EngineOutput {
    pub fills: Vec<Fill>,
    /// `[timestamp_ms, usd_equity, btc_equity, usd_total_balance]` per recorded minute.
    pub equity: Vec<[f64; 4]>,
    pub twe_net: Vec<f64>,
    /// Absolute minute index of `equity[0]`.
    pub first_recorded_index: usize,
    pub starting_balance_usd: f64,
    pub starting_balance_btc: f64,
    /// Last effective n_positions per side.
    pub effective_n_positions: [usize; 2],
    pub master: BotParamsPair,
}

pub struct Engine<'a> {
    data: Hlcvs<'a>,
    btc_usd: &'a [f64],
    params: &'a BacktestParams,
    n_coins: usize,
    columns: Vec<usize>,
    exchange: Vec<ExchangeParams>,
    bot: Vec<BotParamsPair>,
    original_wel: Vec<[f64; 2]>,
    master: BotParamsPair,
    ranges: Vec<CoinRange>,
    emas: Vec<CoinEmas>,
    positions: Vec<[Position; 2]>,
    trailing: Vec<[TrailingBundle; 2]>,
    trailing_enabled: Vec<[bool; 2]>,
    open: Vec<[OpenOrders; 2]>,
    filled_this_minute: Vec<[bool; 2]>,
    wallet: Wallet,
    pnl_cumsum: f64,
    pnl_cummax: f64,
    trading_enabled: [bool; 2],
    needs_volatility_1h: bool,
    last_hour_boundary: i64,
    effective_n_positions: [usize; 2],
    /// Orders are first placed after this many minutes (and not before `guard`, a timestamp).
    warm: usize,
    guard: i64,
    /// The orchestrator input, updated in place every minute; its bot parameters are kept
    /// equal to `bot` (only the dynamic WEL changes).
    input: OrchestratorInput,
    /// Per-coin SMC gates on initial entries (when configured).
    smc: Option<SmcGates>,
    /// Positions of the EMAs in `input` (static: resolved once).
    ema_slots: Vec<EmaSlots>,
    /// Per coin and side: the slot of its 1h volatility EMA in `input` (spans > 0 only).
    volatility_slots: Vec<[Option<usize>; 2]>,
    /// The orchestrator's reusable buffers.
    workspace: Workspace,
    /// A fill changed positions or realised PnL since the last full input check. The other
    /// per-minute inputs come from candles checked at construction (finite, in range), or are
    /// the balance and allowances (checked every minute: a BTC re-mark moves them), so
    /// `validate_dynamic` can only find something new after a fill.
    revalidate: bool,
    /// Coins that may get orders, this minute and the last (the dynamic WEL is rewritten only
    /// when they change).
    eligible: Vec<bool>,
    last_eligible: Vec<bool>,
    /// Sides the orchestrator trades: TWEL > 0 and n_positions > 0 in the global parameters.
    side_traded: [bool; 2],
    fills: Vec<Fill>,
    equity: Vec<[f64; 4]>,
    twe_net: Vec<f64>,
    first_recorded_index: Option<usize>,
}

fn side_pair<T: Copy>(long: T, short: T) -> [T; 2] {
    [long, short]
}

impl<'a> Engine<'a> {
    pub fn new(
        data: Hlcvs<'a>,
        btc_usd: &'a [f64],
        bot_params: &[BotParamsPair],
        exchange_params: &[ExchangeParams],
        params: &'a BacktestParams,
    ) -> Result<Self, String> {
        let n_coins = bot_params.len();
        if exchange_params.len() != n_coins {
            return Err(format!(
                "exchange_params_list has {} entries; expected one per coin ({n_coins})",
                exchange_params.len()
            ));
        }
        if btc_usd.len() != data.n_minutes {
            return Err(format!(
                "btc_usd has {} values; expected one per minute ({})",
                btc_usd.len(),
                data.n_minutes
            ));
        }
        if data.n_minutes < 3 {
            return Err(format!(
                "hlcvs has {} minutes; at least 3 are needed",
                data.n_minutes
            ));
        }
        params.validate(n_coins)?;
        let columns: Vec<usize> = match &params.active_coin_indices {
            Some(cols) if cols.len() == n_coins => cols.clone(),
            _ => (0..n_coins).collect(),
        };
        if let Some(&bad) = columns.iter().find(|&&c| c >= data.n_coins) {
            return Err(format!(
                "active coin column {bad} is outside hlcvs (it has {} coins)",
                data.n_coins
            ));
        }
        for (i, ex) in exchange_params.iter().enumerate() {
            if !(ex.qty_step > 0.0 && ex.price_step > 0.0 && ex.c_mult > 0.0) {
                return Err(format!("exchange_params_list[{i}]: qty_step, price_step and c_mult must be > 0, got {ex:?}"));
            }
        }
        let ranges: Vec<CoinRange> = (0..n_coins)
            .map(|i| {
                CoinRange::new(
                    params.first_valid_indices[i],
                    params.last_valid_indices[i],
                    params.warmup_minutes[i],
                    data.n_minutes,
                )
            })
            .collect();

        super::validate::check_candles(
            &data,
            &ranges,
            &columns,
            &params.coins,
            params.first_timestamp_ms,
        )?;
        if let Some(k) = btc_usd.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
            return Err(format!(
                "btc_usd[{k}] must be finite and > 0, got {}",
                btc_usd[k]
            ));
        }

        let mut master = bot_params[0];
        master.long.n_positions = master.long.n_positions.min(n_coins);
        master.short.n_positions = master.short.n_positions.min(n_coins);

        let original_wel: Vec<[f64; 2]> = bot_params
            .iter()
            .map(|b| side_pair(b.long.wallet_exposure_limit, b.short.wallet_exposure_limit))
            .collect();
        let trading_enabled = [Pside::Long, Pside::Short].map(|pside| {
            master.side(pside).n_positions > 0
                && original_wel.iter().any(|w| w[pside.index()] != 0.0)
        });
        let compat = params.compat_v7;
        let needs_volume_ema = [Pside::Long, Pside::Short].map(|pside| {
            !compat
                || bot_params
                    .iter()
                    .any(|b| b.side(pside).filter_volume_drop_pct != 0.0)
        });
        let needs_log_range_ema = [Pside::Long, Pside::Short].map(|pside| {
            !compat
                || bot_params.iter().any(|b| {
                    let p = b.side(pside);
                    p.entry_grid_spacing_volatility_weight != 0.0
                        || p.entry_trailing_threshold_volatility_weight != 0.0
                        || p.entry_trailing_retracement_volatility_weight != 0.0
                        || p.entry_trailing_grid_ratio != 0.0
                })
        });
        let needs_volatility_1h = bot_params.iter().any(|b| {
            b.long.entry_volatility_ema_span_hours > 0.0
                || b.short.entry_volatility_ema_span_hours > 0.0
        });
        let trailing_enabled: Vec<[bool; 2]> = bot_params
            .iter()
            .map(|b| {
                [Pside::Long, Pside::Short].map(|pside| {
                    let p = b.side(pside);
                    p.entry_trailing_grid_ratio != 0.0 || p.close_trailing_grid_ratio != 0.0
                })
            })
            .collect();

        let side_live = [Pside::Long, Pside::Short].map(|pside| {
            let m = master.side(pside);
            m.total_wallet_exposure_limit > 0.0 && m.n_positions > 0
        });
        let mut emas: Vec<CoinEmas> = (0..n_coins)
            .map(|i| {
                let col = columns[i];
                let k0 = ranges[i].first;
                let (h, l, c, v) = (
                    data.high(k0, col),
                    data.low(k0, col),
                    data.close(k0, col),
                    data.volume(k0, col),
                );
                let close_seed = close_seed(c);
                let volume_seed = quote_volume_seed(h, l, c, v);
                let b = &bot_params[i];
                let close_emas = |p: &crate::types::BotParams| {
                    let spans = [
                        p.ema_span_0,
                        p.ema_span_1,
                        (p.ema_span_0 * p.ema_span_1).sqrt(),
                    ];
                    spans.map(|s| Ema::new(s, close_seed))
                };
                let close = [close_emas(&b.long), close_emas(&b.short)];
                let volume = [
                    Ema::new(master.long.filter_volume_ema_span, volume_seed),
                    Ema::new(master.short.filter_volume_ema_span, volume_seed),
                ];
                let log_range = [
                    Ema::new(master.long.filter_volatility_ema_span, 0.0),
                    Ema::new(master.short.filter_volatility_ema_span, 0.0),
                ];
                CoinEmas {
                    close,
                    volume,
                    log_range,
                    read: EmaUpdates::default(),
                    update: EmaUpdates::default(),
                    volatility_1h: [
                        Ema::new(b.long.entry_volatility_ema_span_hours, 0.0),
                        Ema::new(b.short.entry_volatility_ema_span_hours, 0.0),
                    ],
                    hour_bucket: None,
                    hour_bucket_fresh: false,
                }
            })
            .collect();

        let wallet = Wallet::new(
            params.starting_balance,
            btc_usd[0],
            params.btc_collateral_cap,
            params.btc_collateral_ltv_cap,
        );
        let input = build_input_skeleton(bot_params, exchange_params, &master, params);
        // Parameters never change during a run (the dynamic WEL stays finite): checked once
        // here; the per-minute values are checked in `place_orders` (see `revalidate`).
        validate_static(&input).map_err(|e| e.to_string())?;
        let ema_slots = EmaSlots::resolve_all(&input);
        for (coin, slots) in emas.iter_mut().zip(&ema_slots) {
            coin.plan_updates(slots, side_live, needs_volume_ema, needs_log_range_ema);
        }
        let volatility_slots = bot_params.iter().map(volatility_slots).collect();
        let mut engine = Engine {
            data,
            btc_usd,
            params,
            n_coins,
            columns,
            exchange: exchange_params.to_vec(),
            bot: bot_params.to_vec(),
            original_wel,
            master,
            ranges,
            emas,
            positions: vec![[Position::default(); 2]; n_coins],
            trailing: vec![[TrailingBundle::default(); 2]; n_coins],
            trailing_enabled,
            open: vec![Default::default(); n_coins],
            filled_this_minute: vec![[false; 2]; n_coins],
            wallet,
            pnl_cumsum: 0.0,
            pnl_cummax: 0.0,
            trading_enabled,
            needs_volatility_1h,
            last_hour_boundary: params.first_timestamp_ms.div_euclid(HOUR_MS) * HOUR_MS,
            effective_n_positions: [0, 0],
            warm: 1,
            guard: params
                .requested_start_timestamp_ms
                .max(params.first_timestamp_ms),
            input,
            smc: match &params.smc {
                None => None,
                Some(cfg) => Some(SmcGates {
                    rules: cfg.gate.clone(),
                    coins: (0..n_coins)
                        .map(|_| CoinGate::new(cfg))
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("backtest_params.smc: {e}"))?,
                }),
            },
            ema_slots,
            volatility_slots,
            workspace: Workspace::default(),
            revalidate: true,
            eligible: Vec::with_capacity(n_coins),
            last_eligible: Vec::with_capacity(n_coins),
            side_traded: side_live,
            fills: Vec::new(),
            equity: Vec::new(),
            twe_net: Vec::new(),
            first_recorded_index: None,
        };
        engine.warm = engine.global_warmup().max(1);
        Ok(engine)
    }

    #[inline]
    fn ts(&self, k: usize) -> i64 {
        self.params.first_timestamp_ms + MINUTE_MS * k as i64
    }

    /// Warm-up bars before the first order; 0 falls back to the longest span (reference rule).
    fn global_warmup(&self) -> usize {
        if self.params.global_warmup_bars > 0 {
            return self.params.global_warmup_bars;
        }
        let mut max_span: f64 = 0.0;
        for b in &self.bot {
            for p in [&b.long, &b.short] {
                for span in [
                    p.ema_span_0,
                    p.ema_span_1,
                    p.filter_volume_ema_span,
                    p.filter_volatility_ema_span,
                    p.entry_volatility_ema_span_hours * 60.0,
                ] {
                    if span.is_finite() {
                        max_span = max_span.max(span);
                    }
                }
            }
        }
        max_span.ceil() as usize
    }

    pub fn run(mut self, mut progress: impl FnMut(usize, usize)) -> Result<EngineOutput, String> {
        let n = self.data.n_minutes;
        let progress_every = 10_000;
        for k in 1..=n - 2 {
            if k % progress_every == 0 {
                progress(k, n);
            }
            self.step(k)?;
        }
        progress(n, n);
        Ok(self.finish())
    }

    /// One simulated minute `k` (1 ≤ k ≤ T−2).
    pub(crate) fn step(&mut self, k: usize) -> Result<(), String> {
        for flags in self.filled_this_minute.iter_mut() {
            *flags = [false, false];
        }
        self.check_for_fills(k);
        if !self.params.compat_v7 {
            self.close_delisted_positions(k);
        }
        self.update_emas(k);
        self.update_smc(k)?;
        if self.wallet.btc_collateral() {
            self.wallet.mark(self.btc_usd[k]);
        }
        self.update_trailing_bundles(k);
        if k > self.warm && self.ts(k) >= self.guard {
            if self.update_effective_n_positions(k) && self.first_recorded_index.is_none() {
                self.first_recorded_index = Some(k);
            }
            self.place_orders(k)?;
        }
        if self.first_recorded_index.is_some() {
            self.record_equity(k);
        }
        Ok(())
    }

    fn finish(self) -> EngineOutput {
        let n = self.data.n_minutes;
        EngineOutput {
            starting_balance_btc: self.params.starting_balance / self.btc_usd[0],
            fills: self.fills,
            equity: self.equity,
            twe_net: self.twe_net,
            first_recorded_index: self.first_recorded_index.unwrap_or(n - 1),
            starting_balance_usd: self.params.starting_balance,
            effective_n_positions: self.effective_n_positions,
            master: self.master,
        }
    }

    // ---- fills -------------------------------------------------------------------------------

    fn check_for_fills(&mut self, k: usize) {
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

    fn fee_rate(&self, o: &RestingOrder) -> f64 {
        if o.marketable && !self.params.compat_v7 {
            self.params.taker_fee()
        } else {
            self.params.maker_fee
        }
    }

    fn apply_close(&mut self, k: usize, i: usize, pside: Pside, order: Order, fee_rate: f64) {
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

    fn apply_entry(&mut self, k: usize, i: usize, pside: Pside, order: Order, fee_rate: f64) {
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
    fn book_fill(
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
        let fee_paid = -qty.abs() * price * ex.c_mult * fee_rate;
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
    fn total_exposures(&self, balance: f64) -> (f64, f64) {
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
    fn close_delisted_positions(&mut self, k: usize) {
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

    // ---- indicators --------------------------------------------------------------------------

    /// Feeds minute k (closed) to each coin's SMC gate. The candle array has no opens: a minute's
    /// open is taken as the previous minute's close (continuous 1m data; at most a tick apart).
    fn update_smc(&mut self, k: usize) -> Result<(), String> {
        let Some(smc) = self.smc.as_mut() else {
            return Ok(());
        };
        let ts = self.params.first_timestamp_ms + MINUTE_MS * k as i64;
        for (i, gate) in smc.coins.iter_mut().enumerate() {
            let range = self.ranges[i];
            if !range.valid(k) {
                continue;
            }
            let col = self.columns[i];
            let close = self.data.close(k, col);
            let open = if k > range.first {
                self.data.close(k - 1, col)
            } else {
                close
            };
            let bar = Bar {
                ts,
                open,
                high: self.data.high(k, col),
                low: self.data.low(k, col),
                close,
                volume: self.data.volume(k, col),
            };
            gate.push_minute(bar)
                .map_err(|e| format!("SMC gate, coin {i}, minute {k}: {e}"))?;
        }
        Ok(())
    }

    /// True when the SMC gate forbids `pside` to open a position on coin `i` at `close`.
    fn smc_blocks(&self, i: usize, pside: Pside, close: f64) -> bool {
        self.smc
            .as_ref()
            .is_some_and(|smc| !smc.coins[i].allows(pside, close, &smc.rules))
    }

    fn update_emas(&mut self, k: usize) {
        self.update_hourly_volatility(k);
        for i in 0..self.n_coins {
            if !self.ranges[i].valid(k) {
                continue;
            }
            let col = self.columns[i];
            let (h, l, c, v) = (
                self.data.high(k, col),
                self.data.low(k, col),
                self.data.close(k, col),
                self.data.volume(k, col),
            );
            if !(c.is_finite() && h.is_finite() && l.is_finite()) {
                continue;
            }
            let emas = &mut self.emas[i];
            let update = emas.update;
            for s in (0..2).filter(|&s| update.close[s]) {
                for e in emas.close[s].iter_mut() {
                    e.update(c);
                }
            }
            if update.volume != [false, false] {
                let qv = quote_volume(h, l, c, v);
                for s in (0..2).filter(|&s| update.volume[s]) {
                    emas.volume[s].update(qv);
                }
            }
            if update.log_range != [false, false] {
                let lr = log_range(h, l);
                for s in (0..2).filter(|&s| update.log_range[s]) {
                    emas.log_range[s].update(lr);
                }
            }
        }
    }

    /// At the first minute of a new hour, fold the previous hour's range into the 1h EMA (§5.5).
    fn update_hourly_volatility(&mut self, k: usize) {
        let ts = self.ts(k);
        let hour = ts.div_euclid(HOUR_MS) * HOUR_MS;
        if hour <= self.last_hour_boundary {
            return;
        }
        let first_ts = self.params.first_timestamp_ms;
        let window_start = first_ts.max(self.last_hour_boundary);
        for emas in self.emas.iter_mut() {
            emas.hour_bucket_fresh = false;
        }
        if ts > window_start + MINUTE_MS {
            let start_idx = ((window_start - first_ts) / MINUTE_MS) as usize;
            for i in 0..self.n_coins {
                let range = self.ranges[i];
                let lo_k = start_idx.max(range.first);
                let hi_k = (k - 1).min(range.last);
                let col = self.columns[i];
                let mut high = f64::NEG_INFINITY;
                let mut low = f64::INFINITY;
                let mut seen = false;
                let mut kk = lo_k;
                while kk <= hi_k {
                    let (h, l) = (self.data.high(kk, col), self.data.low(kk, col));
                    if h.is_finite() && l.is_finite() {
                        high = high.max(h);
                        low = low.min(l);
                        seen = true;
                    }
                    kk += 1;
                }
                if seen {
                    self.emas[i].hour_bucket = Some((high, low));
                    self.emas[i].hour_bucket_fresh = true;
                }
            }
        }
        self.last_hour_boundary = hour;
        if !self.needs_volatility_1h {
            return;
        }
        let compat = self.params.compat_v7;
        for emas in self.emas.iter_mut() {
            // The reference reuses a stale bucket when the coin had no candle in the last hour.
            if !compat && !emas.hour_bucket_fresh {
                continue;
            }
            if let Some((high, low)) = emas.hour_bucket {
                if high.is_finite() && low.is_finite() && high > 0.0 && low > 0.0 {
                    let x = (high / low).ln();
                    for e in emas.volatility_1h.iter_mut() {
                        if e.alpha() > 0.0 {
                            e.update(x);
                        }
                    }
                }
            }
        }
    }

    fn update_trailing_bundles(&mut self, k: usize) {
        for i in 0..self.n_coins {
            if !self.ranges[i].valid(k) {
                continue;
            }
            let col = self.columns[i];
            for s in 0..2 {
                if self.positions[i][s].size == 0.0 || !self.trailing_enabled[i][s] {
                    continue;
                }
                if self.filled_this_minute[i][s] {
                    self.trailing[i][s] = TrailingBundle::default();
                } else {
                    self.trailing[i][s].update(
                        self.data.high(k, col),
                        self.data.low(k, col),
                        self.data.close(k, col),
                    );
                }
            }
        }
    }

    // ---- orders ------------------------------------------------------------------------------

    /// Dynamic WEL = TWEL / min(n_positions, #tradeable coins) (§8.5). False when no coin trades.
    fn update_effective_n_positions(&mut self, k: usize) -> bool {
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
    fn apply_dynamic_wel(&mut self, eligible: &[bool], n_eligible: usize) {
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
    fn set_wallet_exposure_limit(&mut self, i: usize, pside: Pside, wel: f64) {
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
    fn tradeable_for_orders(&self, i: usize, k: usize) -> bool {
        let r = self.ranges[i];
        r.tradeable(k)
            && (self.params.compat_v7 || !(k == r.last && r.last < self.data.n_minutes - 1))
    }

    fn place_orders(&mut self, k: usize) -> Result<(), String> {
        self.refresh_input(k);
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
    fn refresh_input(&mut self, k: usize) {
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

    fn passes_min_cost(&self, i: usize, pside: Pside, balance: f64, close: f64) -> bool {
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

    /// Equity = balance plus each open position's uPnL at the close, accumulated one position
    /// at a time (long coins, then short coins), as the reference does (bit-identical sums).
    fn record_equity(&mut self, k: usize) {
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

/// Per side, the position of its 1h volatility EMA in the skeleton's `h1.log_range`: the sides
/// with a positive span, in side order (as `build_input_skeleton` lists them).
fn volatility_slots(b: &BotParamsPair) -> [Option<usize>; 2] {
    let mut next = 0;
    [
        b.long.entry_volatility_ema_span_hours,
        b.short.entry_volatility_ema_span_hours,
    ]
    .map(|span| {
        (span > 0.0).then(|| {
            next += 1;
            next - 1
        })
    })
}

/// The orchestrator input with every static field set; `refresh_input` updates the rest.
fn build_input_skeleton(
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

#[cfg(test)]
impl Engine<'_> {
    pub(crate) fn volume_ema_value(&self, coin: usize, side: usize) -> f64 {
        self.emas[coin].volume[side].value()
    }

    pub(crate) fn volatility_1h_value(&self, coin: usize, side: usize) -> f64 {
        self.emas[coin].volatility_1h[side].value()
    }

    pub(crate) fn trailing_bundle(&self, coin: usize, side: usize) -> TrailingBundle {
        self.trailing[coin][side]
    }

    pub(crate) fn fills_at(&self, k: usize) -> usize {
        self.fills.iter().filter(|f| f.index == k).count()
    }

    pub(crate) fn set_realised_pnl(&mut self, cumsum: f64, cummax: f64) {
        self.revalidate = true;
        self.pnl_cumsum = cumsum;
        self.pnl_cummax = cummax;
    }

    pub(crate) fn set_position(&mut self, coin: usize, side: usize, size: f64, price: f64) {
        self.revalidate = true;
        self.positions[coin][side] = Position { size, price };
    }

    pub(crate) fn fill_list(&self) -> &[Fill] {
        &self.fills
    }

    pub(crate) fn unstuck_allowance_long_at(&mut self, k: usize) -> f64 {
        self.refresh_input(k);
        self.input.global.unstuck_allowance_long
    }
}
