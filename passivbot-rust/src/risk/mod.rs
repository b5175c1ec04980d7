//! Portfolio risk controls (core spec §8): TWEL entry gate, TWEL enforcer, unstuck.

pub mod legacy_twel_gate;
pub mod twel_enforcer;
pub mod twel_gate;
pub mod unstuck;
