//! Closes: grid take-profit ladder, trailing close, WEL auto-reduce (core spec §7).
