"""Smart Money Concepts: thin Python layer over the Rust detectors in `passivbot_rust`.

- `smc.compat`: the `smartmoneyconcepts` 0.0.27 functions (same names, arguments, columns,
  quirks and look-ahead) — for verification, research and charts.
- `smc.causal`: the causal streaming engine (events stamped with the bar at which they became
  known), higher-timeframe aggregation from 1m bars and the trade signal.

See docs/ai/smc.md.
"""
