//! Trailing price bundle maintenance (core spec §4).
