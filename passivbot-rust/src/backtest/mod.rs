//! Multi-coin backtester (core spec §11): replays 1m candles of many coins through the same
//! orchestrator as the live bot.

pub mod data;
pub mod ema;
pub mod engine;
pub mod fill_rule;
pub mod params;
pub mod validate;
pub mod wallet;

#[cfg(test)]
mod tests;

pub use data::Hlcvs;
pub use engine::{Engine, EngineOutput};
pub use params::BacktestParams;

use crate::analysis::{analyze_usd_btc, Analysis};
use crate::types::{BotParamsPair, ExchangeParams, Fill, Pside};

/// Everything one backtest produces.
pub struct BacktestOutput {
    pub fills: Vec<Fill>,
    /// `[timestamp_ms, usd_equity, btc_equity, usd_total_balance]` per recorded minute (the first
    /// three columns are the reference's equities array).
    pub equity: Vec<[f64; 4]>,
    pub twe_net: Vec<f64>,
    pub first_recorded_index: usize,
    pub analysis_usd: Analysis,
    pub analysis_btc: Analysis,
}

/// Runs one backtest and its metrics. `progress(minute, n_minutes)` is called periodically.
pub fn run_backtest(
    data: Hlcvs,
    btc_usd: &[f64],
    bot_params: &[BotParamsPair],
    exchange_params: &[ExchangeParams],
    params: &BacktestParams,
    progress: impl FnMut(usize, usize),
) -> Result<BacktestOutput, String> {
    let out = Engine::new(data, btc_usd, bot_params, exchange_params, params)?.run(progress)?;
    let usd: Vec<f64> = out.equity.iter().map(|r| r[1]).collect();
    let btc: Vec<f64> = out.equity.iter().map(|r| r[2]).collect();
    let (mut analysis_usd, mut analysis_btc) = analyze_usd_btc(
        &out.fills,
        &usd,
        &btc,
        &out.twe_net,
        out.first_recorded_index,
        out.starting_balance_usd,
        out.starting_balance_btc,
        params.btc_collateral_cap > 0.0,
        params.compat_v7,
    );
    for pside in Pside::BOTH {
        let m = out.master.side(pside);
        let enp = out.effective_n_positions[pside.index()];
        let pct = if enp > 0 {
            m.total_wallet_exposure_limit
                * m.entry_initial_qty_pct
                * (1.0 + m.risk_we_excess_allowance_pct.max(0.0))
                / enp as f64
        } else {
            0.0
        };
        for a in [&mut analysis_usd, &mut analysis_btc] {
            match pside {
                Pside::Long => a.entry_initial_balance_pct_long = pct,
                Pside::Short => a.entry_initial_balance_pct_short = pct,
            }
        }
    }
    Ok(BacktestOutput {
        fills: out.fills,
        equity: out.equity,
        twe_net: out.twe_net,
        first_recorded_index: out.first_recorded_index,
        analysis_usd,
        analysis_btc,
    })
}
