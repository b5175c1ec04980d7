//! `previous_high_low(ohlc, time_frame)`: high/low of an earlier resampled period.
//!
//! Periods follow pandas' `resample` labels: fixed steps ("15min", "4h", "1D", ...) are
//! left-closed and labelled by their start, aligned to midnight of the first bar's day; "W"
//! (= "W-SUN", or "W-MON" ...) is Monday..Sunday labelled by the anchor day at 00:00; "ME" is the
//! calendar month labelled by its last day. Periods without data are dropped. A bar at time t
//! with k labels strictly earlier than t references period k-2 (the library's choice, which is two
//! periods back for the first bar of a start-labelled period and for most bars of "W"). Bars with
//! equal k form a group in which `BrokenHigh`/`BrokenLow` latch once the running extreme since the
//! group's first bar crosses the float32 level.

use crate::smc::util::f32r;

const MIN_NS: i64 = 60_000_000_000;
const DAY_NS: i64 = 24 * 60 * MIN_NS;

/// A pandas resample rule this layer understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFrame {
    /// Fixed step in nanoseconds, bins from midnight of the first bar's day.
    Fixed(i64),
    /// Weeks ending on the given weekday (0 = Monday ... 6 = Sunday), labelled by that day.
    Weekly(u32),
    /// Calendar months labelled by their last day.
    MonthEnd,
}

impl TimeFrame {
    /// Parse "15min", "4h", "1D", "30s", "W", "W-SUN", "ME".
    pub fn parse(s: &str) -> Result<TimeFrame, String> {
        let err = || {
            format!(
                "time_frame {s:?} is not supported; use e.g. \"15min\", \"1h\", \"4h\", \"1D\", \"W\" (or \"W-MON\" ...) or \"ME\""
            )
        };
        let t = s.trim();
        let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
        let (num, unit) = t.split_at(digits);
        let mult: i64 = if num.is_empty() {
            1
        } else {
            num.parse().map_err(|_| err())?
        };
        if mult <= 0 {
            return Err(err());
        }
        let days = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
        match unit {
            "s" => Ok(TimeFrame::Fixed(mult * 1_000_000_000)),
            "min" => Ok(TimeFrame::Fixed(mult * MIN_NS)),
            "h" => Ok(TimeFrame::Fixed(mult * 60 * MIN_NS)),
            "D" => Ok(TimeFrame::Fixed(mult * DAY_NS)),
            "W" if mult == 1 => Ok(TimeFrame::Weekly(6)),
            "ME" if mult == 1 => Ok(TimeFrame::MonthEnd),
            u if mult == 1 && u.starts_with("W-") => days
                .iter()
                .position(|d| *d == &u[2..])
                .map(|k| TimeFrame::Weekly(k as u32))
                .ok_or_else(err),
            _ => Err(err()),
        }
    }

    /// The period label (ns) of a bar at `t`, given the first bar's time `t0`.
    pub fn label(&self, t: i64, t0: i64) -> i64 {
        match *self {
            TimeFrame::Fixed(step) => {
                let origin = t0.div_euclid(DAY_NS) * DAY_NS;
                origin + (t - origin).div_euclid(step) * step
            }
            TimeFrame::Weekly(anchor) => {
                let day = t.div_euclid(DAY_NS);
                // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
                let weekday = (day + 3).rem_euclid(7) as u32;
                let ahead = (anchor + 7 - weekday) % 7;
                (day + ahead as i64) * DAY_NS
            }
            TimeFrame::MonthEnd => {
                let (y, m, _) = civil_from_days(t.div_euclid(DAY_NS));
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                (days_from_civil(ny, nm, 1) - 1) * DAY_NS
            }
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Date `(year, month, day)` of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Output columns `PreviousHigh`, `PreviousLow` (float32 values, NaN without reference) and
/// `BrokenHigh`, `BrokenLow` (0/1).
#[derive(Clone, Debug, PartialEq)]
pub struct PreviousHighLow {
    pub previous_high: Vec<f64>,
    pub previous_low: Vec<f64>,
    pub broken_high: Vec<i32>,
    pub broken_low: Vec<i32>,
}

/// `ts_ns`: the bars' wall-clock times in nanoseconds, ascending.
pub fn previous_high_low(
    ts_ns: &[i64],
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    time_frame: TimeFrame,
) -> PreviousHighLow {
    let n = ts_ns.len();
    let mut out = PreviousHighLow {
        previous_high: vec![f64::NAN; n],
        previous_low: vec![f64::NAN; n],
        broken_high: vec![0; n],
        broken_low: vec![0; n],
    };
    if n == 0 {
        return out;
    }
    let t0 = ts_ns[0];
    // Resampled periods: (label, high, low), dropping periods with an all-NaN column.
    let mut periods: Vec<(i64, f64, f64)> = Vec::new();
    let mut i = 0;
    while i < n {
        let label = time_frame.label(ts_ns[i], t0);
        let (mut h, mut l) = (f64::NAN, f64::NAN);
        let (mut has_o, mut has_c) = (false, false);
        while i < n && time_frame.label(ts_ns[i], t0) == label {
            h = h.max(high[i]);
            l = l.min(low[i]);
            has_o |= !open[i].is_nan();
            has_c |= !close[i].is_nan();
            i += 1;
        }
        if has_o && has_c && !h.is_nan() && !l.is_nan() {
            periods.push((label, h, l));
        }
    }
    let mut k = 0usize;
    let mut group_k = usize::MAX;
    let (mut run_h, mut run_l) = (f64::NAN, f64::NAN);
    for i in 0..n {
        while k < periods.len() && periods[k].0 < ts_ns[i] {
            k += 1;
        }
        if k != group_k {
            group_k = k;
            run_h = f64::NAN;
            run_l = f64::NAN;
        }
        run_h = run_h.max(high[i]);
        run_l = run_l.min(low[i]);
        if k >= 2 {
            let (_, ph, pl) = periods[k - 2];
            let (ph, pl) = (f32r(ph), f32r(pl));
            out.previous_high[i] = ph;
            out.previous_low[i] = pl;
            out.broken_high[i] = (run_h > ph) as i32;
            out.broken_low[i] = (run_l < pl) as i32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trip() {
        for z in -800_000..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    #[test]
    fn labels_follow_pandas() {
        let day = |y, m, d| days_from_civil(y, m, d) * DAY_NS;
        let t0 = day(2022, 10, 10) + 3 * 60 * MIN_NS; // Monday 03:00
        let h4 = TimeFrame::parse("4h").unwrap();
        assert_eq!(
            h4.label(t0 + 62 * MIN_NS, t0),
            day(2022, 10, 10) + 4 * 60 * MIN_NS
        );
        let w = TimeFrame::parse("W").unwrap();
        // Monday 10 Oct .. Sunday 16 Oct 23:59 -> Sunday 16 Oct.
        assert_eq!(w.label(t0, t0), day(2022, 10, 16));
        assert_eq!(
            w.label(day(2022, 10, 16) + 5 * MIN_NS, t0),
            day(2022, 10, 16)
        );
        assert_eq!(w.label(day(2022, 10, 17), t0), day(2022, 10, 23));
        let me = TimeFrame::parse("ME").unwrap();
        assert_eq!(me.label(day(2024, 2, 10), t0), day(2024, 2, 29));
        assert_eq!(me.label(day(2023, 12, 31) + 1, t0), day(2023, 12, 31));
        assert!(TimeFrame::parse("1H").is_err());
        assert!(TimeFrame::parse("2W").is_err());
        assert_eq!(TimeFrame::parse("W-MON").unwrap(), TimeFrame::Weekly(0));
    }

    #[test]
    fn first_bar_of_a_period_looks_two_back() {
        // Hourly bars over three 4h periods: 0-3h, 4-7h, 8-11h.
        let ts: Vec<i64> = (0..12).map(|h| h * 60 * MIN_NS).collect();
        let high: Vec<f64> = (0..12).map(|h| 10.0 + h as f64).collect();
        let low: Vec<f64> = high.iter().map(|h| h - 1.0).collect();
        let r = previous_high_low(
            &ts,
            &high,
            &high,
            &low,
            &high,
            TimeFrame::parse("4h").unwrap(),
        );
        // Bars 0..=4 have fewer than 2 earlier labels; bar 5 (05:00) sees labels 0h and 4h.
        assert!(r.previous_high[4].is_nan());
        assert_eq!(r.previous_high[5], 13.0);
        // Bar 8 (08:00, first bar of period 3) still references period 1 (two back).
        assert_eq!(r.previous_high[8], 13.0);
        assert_eq!(r.previous_high[9], 17.0);
        assert_eq!((r.broken_high[5], r.broken_low[5]), (1, 0));
    }
}
