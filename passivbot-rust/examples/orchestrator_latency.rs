//! Orchestrator latency percentiles for 30 symbols, per call:
//! `cargo run --release --example orchestrator_latency -- [calls]` (default 20 000).
//! Same states as `benches/orchestrator.rs` (live-like, backtest-like, JSON path).
use std::time::Instant;

#[path = "../benches/support/state.rs"]
mod state;

use passivbot_rust::orchestrator::{compute_ideal_orders, compute_ideal_orders_json};

const N_SYMBOLS: usize = 30;
const VARIANTS: usize = 16;

/// Times `calls` calls of `f(k)` one by one; prints p50/p90/p99/max in microseconds.
fn report(name: &str, calls: usize, mut f: impl FnMut(usize) -> usize) {
    for k in 0..calls / 10 {
        std::hint::black_box(f(k)); // warm-up
    }
    let mut micros = Vec::with_capacity(calls);
    let mut n_orders = 0;
    for k in 0..calls {
        let t = Instant::now();
        n_orders = std::hint::black_box(f(k));
        micros.push(t.elapsed().as_secs_f64() * 1e6);
    }
    micros.sort_by(f64::total_cmp);
    let pct = |p: f64| micros[((calls as f64 * p) as usize).min(calls - 1)];
    println!(
        "{name:<32} {n_orders:>4} orders  p50 {:7.1} µs  p90 {:7.1} µs  p99 {:7.1} µs  max {:7.1} µs",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        micros[calls - 1]
    );
}

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("calls must be a number"))
        .unwrap_or(20_000);
    let live: Vec<_> = (0..VARIANTS)
        .map(|v| state::live_state(N_SYMBOLS, v))
        .collect();
    let backtest: Vec<_> = (0..VARIANTS)
        .map(|v| state::backtest_state(N_SYMBOLS, v))
        .collect();
    let json: Vec<String> = live
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    println!("orchestrator, {N_SYMBOLS} symbols, {calls} calls each");
    report("live (full grids, sort_global)", calls, |k| {
        compute_ideal_orders(&live[k % VARIANTS])
            .unwrap()
            .orders
            .len()
    });
    report("backtest-like (next candle)", calls, |k| {
        compute_ideal_orders(&backtest[k % VARIANTS])
            .unwrap()
            .orders
            .len()
    });
    report("JSON in/out (live state)", calls, |k| {
        let out = compute_ideal_orders_json(&json[k % VARIANTS]).unwrap();
        out.matches("\"symbol_idx\"").count()
    });
}
