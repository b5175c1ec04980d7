//! `sessions(ohlc, session, start_time, end_time, time_zone)`: session activity and running
//! high/low. The caller supplies each bar's clock time as minutes after midnight (in UTC after
//! the library's time-zone conversion, done by the Python wrapper).
//!
//! Active iff `start <= t <= end` when start < end, else (wrapping midnight, or start == end)
//! iff `t >= start or t <= end`. Active bars carry the running high/low of their contiguous
//! active stretch (float32 values); inactive bars 0.

use crate::smc::util::f32r;

/// The library's built-in sessions, fixed UTC clock times (no DST).
pub const SESSIONS: [(&str, &str, &str); 8] = [
    ("Sydney", "21:00", "06:00"),
    ("Tokyo", "00:00", "09:00"),
    ("London", "07:00", "16:00"),
    ("New York", "13:00", "22:00"),
    ("Asian kill zone", "00:00", "04:00"),
    ("London open kill zone", "06:00", "09:00"),
    ("New York kill zone", "11:00", "14:00"),
    ("london close kill zone", "14:00", "16:00"),
];

/// "H:MM" / "HH:MM" (as `strptime("%H:%M")` accepts it) to minutes after midnight.
pub fn parse_hhmm(s: &str) -> Result<u32, String> {
    let bad = || format!("time {s:?} is not HH:MM");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let ok = |p: &str| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit());
    if !ok(h) || !ok(m) {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Start and end minute of a named session, or of "Custom" with the given times.
pub fn session_window(
    session: &str,
    start_time: &str,
    end_time: &str,
) -> Result<(u32, u32), String> {
    if session == "Custom" {
        if start_time.is_empty() || end_time.is_empty() {
            return Err("Custom session requires a start and end time".into());
        }
        return Ok((parse_hhmm(start_time)?, parse_hhmm(end_time)?));
    }
    let (_, s, e) = SESSIONS
        .iter()
        .find(|(name, _, _)| *name == session)
        .ok_or_else(|| {
            let names: Vec<&str> = SESSIONS.iter().map(|s| s.0).chain(["Custom"]).collect();
            format!("unknown session {session:?}; expected one of {names:?}")
        })?;
    Ok((parse_hhmm(s)?, parse_hhmm(e)?))
}

#[inline]
pub fn in_window(t: u32, start: u32, end: u32) -> bool {
    if start < end {
        start <= t && t <= end
    } else {
        t >= start || t <= end
    }
}

/// Output columns `Active` (0/1), `High`, `Low` (float32 values, 0 when inactive).
#[derive(Clone, Debug, PartialEq)]
pub struct Sessions {
    pub active: Vec<i32>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
}

pub fn sessions(
    minute_of_day: &[u32],
    high: &[f64],
    low: &[f64],
    start: u32,
    end: u32,
) -> Sessions {
    let n = high.len();
    let mut out = Sessions {
        active: vec![0; n],
        high: vec![0.0; n],
        low: vec![0.0; n],
    };
    let (mut ph, mut pl) = (0.0f64, 0.0f64);
    for i in 0..n {
        if in_window(minute_of_day[i], start, end) {
            out.active[i] = 1;
            ph = f32r(high[i].max(ph));
            pl = f32r(low[i].min(if pl != 0.0 { pl } else { f64::INFINITY }));
        } else {
            ph = 0.0;
            pl = 0.0;
        }
        out.high[i] = ph;
        out.low[i] = pl;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_running_extremes() {
        assert_eq!(session_window("London", "", "").unwrap(), (420, 960));
        assert_eq!(
            session_window("Custom", "6:00", "9:30").unwrap(),
            (360, 570)
        );
        assert!(session_window("Custom", "", "9:00").is_err());
        assert!(session_window("Paris", "", "").is_err());
        assert!(in_window(960, 420, 960)); // end inclusive
        assert!(in_window(30, 1260, 360) && !in_window(400, 1260, 360));
        let minutes = [400, 420, 435, 450, 970, 420];
        let high = [5.0, 2.0, 3.0, 2.5, 9.0, 1.0];
        let low = [4.0, 1.0, 0.5, 2.0, 8.0, 0.9];
        let r = sessions(&minutes, &high, &low, 420, 960);
        assert_eq!(r.active, vec![0, 1, 1, 1, 0, 1]);
        assert_eq!(r.high, vec![0.0, 2.0, 3.0, 3.0, 0.0, 1.0]);
        assert_eq!(r.low, vec![0.0, 1.0, 0.5, 0.5, 0.0, 0.9f32 as f64]);
    }
}
