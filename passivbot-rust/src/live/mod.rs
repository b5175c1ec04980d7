//! Live-trading helpers that must agree with the backtest: order reconciliation.

pub mod order_diff;
