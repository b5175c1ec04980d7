//! Runs one backtest from a raw dump (`NAME.hlcvs` f64 LE, `NAME.btc`, `NAME.json` with shape and
//! the run_backtest arguments), for profiling the engine without Python:
//! `cargo run --release --example backtest_from_dump -- /tmp/NAME [repeats]`
use std::time::Instant;

use passivbot_rust::backtest::{run_backtest, BacktestParams, Hlcvs};
use passivbot_rust::params_dict::{bot_params_pair_from_value, exchange_params_from_value};

fn read_f64(path: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn main() {
    let base = std::env::args()
        .nth(1)
        .expect("usage: backtest_from_dump /path/NAME [repeats]");
    let repeats: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{base}.json")).unwrap()).unwrap();
    let shape: Vec<usize> = meta["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let data = read_f64(&format!("{base}.hlcvs"));
    let btc = read_f64(&format!("{base}.btc"));
    let bot: Vec<_> = meta["bot_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| bot_params_pair_from_value(v, "bot").unwrap())
        .collect();
    let ex: Vec<_> = meta["exchange_params_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| exchange_params_from_value(v, "ex").unwrap())
        .collect();
    let mut params_value = meta["backtest_params"].clone();
    params_value["compat_v7"] = serde_json::Value::Bool(std::env::var("FIXED").is_err());
    params_value["metrics_only"] = serde_json::Value::Bool(true);
    let params: BacktestParams = serde_json::from_value(params_value).unwrap();
    let view = Hlcvs::new(&data, shape[0], shape[1]).unwrap();
    let t = Instant::now();
    let mut n_fills = 0;
    for _ in 0..repeats {
        n_fills = run_backtest(view, &btc, &bot, &ex, &params, |_, _| {})
            .unwrap()
            .fills
            .len();
    }
    let secs = t.elapsed().as_secs_f64() / repeats as f64;
    let coin_minutes = (shape[0] * shape[1]) as f64;
    println!(
        "{n_fills} fills, {secs:.4} s per run, {:.2} M coin-minutes/s",
        coin_minutes / secs / 1e6
    );
}
