//! Entries: initial, grid (spacing, double-down, cropping, inflation), trailing, and the
//! grid/trailing dispatcher (core spec §6).
