"""Backtest orchestration in Python: data preparation, the call into the Rust engine, results,
plots and report. The simulation and the metrics themselves live in `passivbot_rust`."""
