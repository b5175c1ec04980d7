//! Position episodes (§12.1): how many positions were held, for how long, and the longest time a
//! position went without a fill.
//!
//! Key = coin + side (side from the order type). A fill of a key with no open episode opens one
//! (unchanged gap 0); every other fill records the gap since the previous fill of the key; a fill
//! leaving `psize == 0` closes the episode (duration = index − open index). Episodes still open at
//! the end run to `end_index`: the last fill of the run in the reference, the last recorded
//! minute in fixed mode. Durations are in minutes (from `fill.index`).

use std::collections::BTreeMap;

use super::{stats, Analysis, Timeline};

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Episodes {
    /// Durations in minutes: closed episodes in closing order, then open ones by key.
    pub durations: Vec<f64>,
    /// Longest gap in minutes between consecutive fills of one episode.
    pub max_unchanged: usize,
}

pub(crate) fn episodes(tl: &Timeline) -> Episodes {
    let Some(last_fill) = tl.fills.iter().map(|f| f.index).max() else {
        return Episodes::default();
    };
    let end_index = if tl.compat || tl.equity.is_empty() {
        last_fill
    } else {
        last_fill.max(tl.offset + tl.equity.len() - 1)
    };
    // key → (open index, index of the key's latest fill)
    let mut open: BTreeMap<(usize, bool), (usize, usize)> = BTreeMap::new();
    let mut out = Episodes::default();
    for f in tl.fills {
        let key = (f.coin_idx, f.order_type.is_long());
        let (open_index, prev) = *open.entry(key).or_insert((f.index, f.index));
        out.max_unchanged = out.max_unchanged.max(f.index.saturating_sub(prev));
        if f.psize == 0.0 {
            open.remove(&key);
            out.durations
                .push(f.index.saturating_sub(open_index) as f64);
        } else {
            open.insert(key, (open_index, f.index));
        }
    }
    for (open_index, prev) in open.into_values() {
        out.durations
            .push(end_index.saturating_sub(open_index) as f64);
        out.max_unchanged = out.max_unchanged.max(end_index.saturating_sub(prev));
    }
    out
}

/// Sets positions_held_per_day and the held/unchanged hours.
pub(crate) fn fill_position_metrics(tl: &Timeline, a: &mut Analysis) {
    let ep = episodes(tl);
    let days = tl.equity.len() as f64 / 1440.0;
    a.positions_held_per_day = ep.durations.len() as f64 / days;
    a.position_held_hours_max = ep.durations.iter().fold(0.0, |m: f64, &d| m.max(d)) / 60.0;
    a.position_held_hours_mean = if ep.durations.is_empty() {
        0.0
    } else {
        // `Σ minutes / (n·60)`: the evaluation order that matches the reference bit for bit.
        stats::sum(&ep.durations) / (ep.durations.len() as f64 * 60.0)
    };
    a.position_held_hours_median = stats::median(&ep.durations) / 60.0;
    a.position_unchanged_hours_max = ep.max_unchanged as f64 / 60.0;
}
