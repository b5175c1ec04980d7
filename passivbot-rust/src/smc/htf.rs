//! Higher-timeframe bars from closed 1m bars, for feeding the engine.
//!
//! Periods are aligned to the UTC epoch (so 1440 minutes = the UTC day). A bar is emitted only
//! when complete: at its last minute, or — if that minute is missing — when the first minute of a
//! later period arrives. `known_ts` is when it became available: the close of the 1m bar that
//! completed it (`ts + 1 minute`). A consumer acting on the engine's events for this bar may act
//! from `known_ts` on, never earlier.

use serde::{Deserialize, Serialize};

use super::engine::Bar;

pub const MINUTE_MS: i64 = 60_000;

/// A closed higher-timeframe bar (`bar.ts` = period start) and when it became known.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HtfBar {
    pub bar: Bar,
    pub known_ts: i64,
    /// 1m bars it was built from (fewer than the period's minutes when some were missing).
    pub minutes: u32,
}

#[derive(Clone, Debug)]
pub struct Aggregator {
    period_ms: i64,
    cur: Option<(i64, HtfBar)>,
    last_ts: Option<i64>,
}

impl Aggregator {
    /// `minutes` must divide a day or be a whole number of days (1, 5, 15, 60, 240, 1440 ...).
    pub fn new(minutes: u32) -> Result<Aggregator, String> {
        if minutes == 0 || (!1440u32.is_multiple_of(minutes) && !minutes.is_multiple_of(1440)) {
            return Err(format!("timeframe of {minutes} minutes must divide a day (1, 5, 15, 60, 240, 1440, ...) or be whole days"));
        }
        Ok(Aggregator {
            period_ms: minutes as i64 * MINUTE_MS,
            cur: None,
            last_ts: None,
        })
    }

    /// Add one closed 1m bar (`ts` = its open time, ms); completed HTF bars are appended to
    /// `out`. Bars with a non-finite price are skipped (a gap); time must increase.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        ts: i64,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        out: &mut Vec<HtfBar>,
    ) -> Result<(), String> {
        if ![open, high, low, close].iter().all(|v| v.is_finite()) {
            return Ok(());
        }
        if let Some(last) = self.last_ts {
            if ts <= last {
                return Err(format!(
                    "1m bar ts {ts} is not after the previous one ({last})"
                ));
            }
        }
        self.last_ts = Some(ts);
        let known_ts = ts + MINUTE_MS;
        let start = ts.div_euclid(self.period_ms) * self.period_ms;
        if let Some((s, done)) = self.cur {
            if s != start {
                out.push(HtfBar { known_ts, ..done });
                self.cur = None;
            }
        }
        let volume = if volume.is_finite() { volume } else { 0.0 };
        match self.cur.as_mut() {
            Some((_, b)) => {
                b.bar.high = b.bar.high.max(high);
                b.bar.low = b.bar.low.min(low);
                b.bar.close = close;
                b.bar.volume += volume;
                b.minutes += 1;
            }
            None => {
                let bar = Bar {
                    ts: start,
                    open,
                    high,
                    low,
                    close,
                    volume,
                };
                self.cur = Some((
                    start,
                    HtfBar {
                        bar,
                        known_ts,
                        minutes: 1,
                    },
                ));
            }
        }
        if ts + MINUTE_MS == start + self.period_ms {
            let (_, done) = self.cur.take().expect("current bar exists");
            out.push(HtfBar { known_ts, ..done });
        }
        Ok(())
    }
}

/// Batch aggregation of 1m columns (same as pushing them one by one).
#[allow(clippy::too_many_arguments)]
pub fn aggregate(
    ts: &[i64],
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    minutes: u32,
) -> Result<Vec<HtfBar>, String> {
    let mut agg = Aggregator::new(minutes)?;
    let mut out = Vec::with_capacity(ts.len() / minutes.max(1) as usize + 1);
    for i in 0..ts.len() {
        agg.push(
            ts[i], open[i], high[i], low[i], close[i], volume[i], &mut out,
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_bars_only_and_late_close_on_gaps() {
        // 15m bars from minutes 0..=44, minute 29 missing, then minutes 47 and 60.
        let mut ts: Vec<i64> = (0..45).filter(|m| *m != 29).collect();
        ts.extend([47, 60]);
        let ts: Vec<i64> = ts.iter().map(|m| m * MINUTE_MS).collect();
        let px: Vec<f64> = (0..ts.len()).map(|k| 100.0 + k as f64).collect();
        let vol = vec![1.0; ts.len()];
        let bars = aggregate(&ts, &px, &px, &px, &px, &vol, 15).unwrap();
        // [0,15) closes at its minute 14; [15,30) lacks minute 29, so it closes when minute 30
        // arrives; [30,45) closes at minute 44; [45,60) lacks 59 and closes with minute 60.
        let got: Vec<(i64, i64, u32)> = bars
            .iter()
            .map(|b| (b.bar.ts / MINUTE_MS, b.known_ts / MINUTE_MS, b.minutes))
            .collect();
        assert_eq!(
            got,
            vec![(0, 15, 15), (15, 31, 14), (30, 45, 15), (45, 61, 1)]
        );
        assert_eq!(bars[0].bar.open, 100.0);
        assert_eq!(bars[0].bar.close, 114.0);
        assert_eq!(bars[0].bar.volume, 15.0);
        assert!(Aggregator::new(7).is_err());
        assert!(Aggregator::new(2880).is_ok());
    }
}
