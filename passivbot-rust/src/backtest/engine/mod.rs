//! The per-minute simulator (§11). Every minute `k`:
//! fills of the orders computed at `k−1` (tested on candle `k`), EMA updates, BTC re-mark,
//! trailing bundles, then — after warm-up — dynamic WEL and a fresh set of orders from the
//! orchestrator, and the equity record.

use crate::math::{
    calc_auto_unstuck_allowance, calc_new_psize_pprice, calc_pnl, calc_wallet_exposure,
    qty_to_cost, round_, wel_with_allowance,
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

mod fills;
mod indicators;
mod orders;

use indicators::{volatility_slots, CoinEmas, EmaUpdates};
use orders::build_input_skeleton;

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
