//! Candle sanity checks before a run: inside each coin's valid range every candle must be
//! finite with `low ≤ close ≤ high` and a non-negative volume. Errors name the coin and the
//! UTC minute so the user can find the bad row in their data.

use super::data::{CoinRange, Hlcvs};

/// `YYYY-MM-DDTHH:MMZ` for a millisecond UTC timestamp (proleptic Gregorian calendar).
pub fn format_utc_minute(ts_ms: i64) -> String {
    let minutes = ts_ms.div_euclid(60_000);
    let days = minutes.div_euclid(1440);
    let minute_of_day = minutes.rem_euclid(1440);
    // days since 1970-01-01 → civil date (H. Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}Z",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

pub fn check_candles(
    data: &Hlcvs,
    ranges: &[CoinRange],
    columns: &[usize],
    names: &[String],
    first_timestamp_ms: i64,
) -> Result<(), String> {
    for (i, range) in ranges.iter().enumerate() {
        let col = columns[i];
        for k in range.first..=range.last {
            let (h, l, c, v) = (
                data.high(k, col),
                data.low(k, col),
                data.close(k, col),
                data.volume(k, col),
            );
            let problem = if !(h.is_finite() && l.is_finite() && c.is_finite() && v.is_finite()) {
                Some("non-finite value")
            } else if h < l {
                Some("high < low")
            } else if c < l || c > h {
                Some("close outside [low, high]")
            } else if v < 0.0 {
                Some("negative volume")
            } else {
                None
            };
            if let Some(problem) = problem {
                let name = names.get(i).cloned().unwrap_or_else(|| format!("coin {i}"));
                let when = format_utc_minute(first_timestamp_ms + 60_000 * k as i64);
                return Err(format!(
                    "hlcvs: {name} at {when} (minute {k}): {problem} (high={h}, low={l}, close={c}, volume={v}); \
                     candles inside a coin's valid range must be finite with low <= close <= high"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc_minute(0), "1970-01-01T00:00Z");
        assert_eq!(format_utc_minute(1_746_814_680_000), "2025-05-09T18:18Z");
        assert_eq!(format_utc_minute(951_782_400_000), "2000-02-29T00:00Z");
    }

    #[test]
    fn bad_candle_is_named() {
        // one coin, 3 minutes; minute 1 has high < low
        let data = vec![
            10.0, 9.0, 9.5, 1.0, //
            9.0, 10.0, 9.5, 1.0, //
            10.0, 9.0, 9.5, 1.0,
        ];
        let h = Hlcvs::new(&data, 3, 1).unwrap();
        let ranges = [CoinRange::new(0, 2, 0, 3)];
        let err = check_candles(&h, &ranges, &[0], &["BTC".into()], 0).unwrap_err();
        assert!(
            err.starts_with("hlcvs: BTC at 1970-01-01T00:01Z (minute 1): high < low"),
            "{err}"
        );
        // NaN outside the valid range is fine
        let ranges = [CoinRange::new(2, 2, 0, 3)];
        assert!(check_candles(&h, &ranges, &[0], &["BTC".into()], 0).is_ok());
    }
}
