//! Kill-zone sessions in New York local time (US daylight saving: second Sunday of March 02:00
//! to first Sunday of November 02:00): Asia 20:00-24:00, London 02:00-05:00, New York AM
//! 07:00-10:00, London close 10:00-12:00 (start inclusive, end exclusive, by bar open time).
//! When a session ends (the first bar outside it) its high and low become liquidity pools.

use crate::smc::compat::previous_high_low::days_from_civil;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// (name, start minute, end minute) in New York local time.
pub const KILL_ZONES: [(&str, u32, u32); 4] = [
    ("asia", 20 * 60, 24 * 60),
    ("london", 2 * 60, 5 * 60),
    ("new_york_am", 7 * 60, 10 * 60),
    ("london_close", 10 * 60, 12 * 60),
];

/// Weekday (0 = Monday) of a day number since 1970-01-01.
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// New York's UTC offset in hours at `ts_ms` (-4 in daylight saving time, else -5).
pub fn new_york_offset_hours(ts_ms: i64) -> i64 {
    let (y, _, _) =
        crate::smc::compat::previous_high_low::civil_from_days(ts_ms.div_euclid(DAY_MS));
    let first_sunday = |m: u32| {
        let d1 = days_from_civil(y, m, 1);
        d1 + (6 - weekday(d1)).rem_euclid(7)
    };
    // 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC.
    let start = (first_sunday(3) + 7) * DAY_MS + 7 * HOUR_MS;
    let end = first_sunday(11) * DAY_MS + 6 * HOUR_MS;
    if (start..end).contains(&ts_ms) {
        -4
    } else {
        -5
    }
}

/// Minute of the day in New York local time.
pub fn new_york_minute(ts_ms: i64) -> u32 {
    let local = ts_ms + new_york_offset_hours(ts_ms) * HOUR_MS;
    (local.rem_euclid(DAY_MS) / 60_000) as u32
}

/// Index into [`KILL_ZONES`] of the session active at `ts_ms`.
pub fn kill_zone_at(ts_ms: i64) -> Option<u8> {
    let m = new_york_minute(ts_ms);
    KILL_ZONES
        .iter()
        .position(|&(_, s, e)| s <= m && m < e)
        .map(|k| k as u8)
}

#[derive(Clone, Copy, Debug)]
struct Open {
    zone: u8,
    high: f64,
    low: f64,
    high_bar: usize,
    low_bar: usize,
    start_ts: i64,
}

#[derive(Clone, Debug, Default)]
pub struct Sessions {
    open: Option<Open>,
}

impl Sessions {
    /// Returns the pools of a session that ended before this bar: (zone, dir, level, anchor).
    pub fn on_bar(&mut self, bar: &super::Bar, i: usize) -> Vec<(u8, i8, f64, usize)> {
        let mut out = Vec::new();
        let zone = kill_zone_at(bar.ts);
        if let Some(o) = self.open {
            // A session longer than a day ago is a different instance (data gap).
            if zone != Some(o.zone) || bar.ts - o.start_ts >= DAY_MS / 2 {
                out.push((o.zone, 1, o.high, o.high_bar));
                out.push((o.zone, -1, o.low, o.low_bar));
                self.open = None;
            }
        }
        if let Some(z) = zone {
            match self.open.as_mut() {
                Some(o) => {
                    if bar.high >= o.high {
                        o.high = bar.high;
                        o.high_bar = i;
                    }
                    if bar.low <= o.low {
                        o.low = bar.low;
                        o.low_bar = i;
                    }
                }
                None => {
                    self.open = Some(Open {
                        zone: z,
                        high: bar.high,
                        low: bar.low,
                        high_bar: i,
                        low_bar: i,
                        start_ts: bar.ts,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_york_daylight_saving() {
        let at = |y, m, d, h| days_from_civil(y, m, d) * DAY_MS + h * HOUR_MS;
        // 2025: DST from 9 March 07:00 UTC to 2 November 06:00 UTC.
        assert_eq!(new_york_offset_hours(at(2025, 3, 9, 6)), -5);
        assert_eq!(new_york_offset_hours(at(2025, 3, 9, 7)), -4);
        assert_eq!(new_york_offset_hours(at(2025, 11, 2, 5)), -4);
        assert_eq!(new_york_offset_hours(at(2025, 11, 2, 6)), -5);
        // London kill zone 02:00 NY = 06:00 UTC in summer, 07:00 UTC in winter.
        assert_eq!(kill_zone_at(at(2025, 6, 2, 6)), Some(1));
        assert_eq!(kill_zone_at(at(2025, 1, 6, 6)), None);
        assert_eq!(kill_zone_at(at(2025, 1, 6, 7)), Some(1));
        // Asia 20:00-24:00 NY = 00:00-04:00 UTC in summer.
        assert_eq!(kill_zone_at(at(2025, 6, 2, 0)), Some(0));
    }
}
