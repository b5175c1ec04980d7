//! Exact reproduction of the `smartmoneyconcepts` 0.0.27 library (`docs/ai/smc.md`,
//! `reference/smc.md` §1): batch functions over whole arrays, float32 level rules and quirks
//! included. **Not causal** (swings use future bars and later clean-ups): for verification,
//! research and charts only; trading uses [`crate::smc::engine`].
//!
//! Every function takes plain slices (one value per bar) and returns its output columns with
//! NaN for "no event", as the library's DataFrame would hold them.

pub mod fvg;
pub mod liquidity;
pub mod order_blocks;
pub mod previous_high_low;
pub mod retracements;
pub mod sessions;
pub mod structure;
pub mod swings;

pub use fvg::{fvg, Fvg};
pub use liquidity::{liquidity, Liquidity};
pub use order_blocks::{ob, OrderBlocks};
pub use previous_high_low::{previous_high_low, PreviousHighLow, TimeFrame};
pub use retracements::{retracements, Retracements};
pub use sessions::{session_window, sessions, Sessions};
pub use structure::{bos_choch, BosChoch};
pub use swings::{swing_highs_lows, Swings};
