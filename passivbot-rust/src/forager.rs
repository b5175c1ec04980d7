//! Forager coin selection (§9): volume stage, then volatility stage.
