//! Unstuck (§8.3–8.4): realise small losses on stuck positions within a loss allowance.
