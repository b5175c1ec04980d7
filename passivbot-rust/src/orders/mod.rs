//! Per-position order logic: entries (§6), closes (§7) and the trailing price bundle (§4).

pub mod closes;
pub mod entries;
pub(crate) mod memo;
#[cfg(test)]
mod memo_tests;
pub mod trailing;
