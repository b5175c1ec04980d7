//! Orchestrator latency for 30 symbols (criterion): `cargo bench --bench orchestrator`.
//! Live-like state (full grids, global sort), backtest-like state (next-order look-ahead), and
//! the live bot's JSON path (parse + compute + serialise). Criterion reports the distribution of
//! per-call times; `examples/orchestrator_latency.rs` prints p50/p99 directly.

#[path = "support/state.rs"]
mod state;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use passivbot_rust::orchestrator::{compute_ideal_orders, compute_ideal_orders_json};

const N_SYMBOLS: usize = 30;
const VARIANTS: usize = 16;

fn orchestrator(c: &mut Criterion) {
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
    let mut group = c.benchmark_group("orchestrator_30_symbols");
    let mut k = 0;
    group.bench_function("live_full_grids_sort_global", |b| {
        b.iter(|| {
            k += 1;
            compute_ideal_orders(black_box(&live[k % VARIANTS])).unwrap()
        })
    });
    group.bench_function("backtest_like_next_candle", |b| {
        b.iter(|| {
            k += 1;
            compute_ideal_orders(black_box(&backtest[k % VARIANTS])).unwrap()
        })
    });
    group.bench_function("json_live", |b| {
        b.iter(|| {
            k += 1;
            compute_ideal_orders_json(black_box(&json[k % VARIANTS])).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, orchestrator);
criterion_main!(benches);
