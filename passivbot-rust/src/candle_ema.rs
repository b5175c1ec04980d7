//! EMAs over 1m candle series for the live bot, with the backtester's exact rule
//! (`backtest::ema`): seeded from the first candle as the engine seeds a coin, alpha = 2/(span+1),
//! then updated with every candle from the first one on; a candle with a non-finite high, low or
//! close (or a non-finite metric value) leaves the EMA unchanged.
//!
//! The live bot and the backtester therefore agree bit for bit when they start from the same
//! first candle (a coin whose data starts inside the backtest's data set).

use crate::backtest::ema::{close_seed, log_range, quote_volume, quote_volume_seed, Ema};

/// What an EMA is taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandleMetric {
    Close,
    /// Base volume.
    Volume,
    /// Base volume times the typical price `(high + low + close) / 3`.
    QuoteVolume,
    /// `ln(high / low)`.
    LogRange,
}

impl CandleMetric {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "close" => Ok(CandleMetric::Close),
            "volume" => Ok(CandleMetric::Volume),
            "quote_volume" | "qv" => Ok(CandleMetric::QuoteVolume),
            "log_range" | "lr" => Ok(CandleMetric::LogRange),
            _ => Err(format!(
                "unknown EMA metric {name:?}; expected close, volume, quote_volume or log_range"
            )),
        }
    }

    /// The metric of one candle (NaN when high, low or close is not finite, so the EMA skips it).
    #[inline]
    pub fn value(self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        if !(high.is_finite() && low.is_finite() && close.is_finite()) {
            return f64::NAN;
        }
        match self {
            CandleMetric::Close => close,
            CandleMetric::Volume => volume,
            CandleMetric::QuoteVolume => quote_volume(high, low, close, volume),
            CandleMetric::LogRange => log_range(high, low),
        }
    }

    /// The engine's seed for this metric from a coin's first candle.
    pub fn seed(self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        match self {
            CandleMetric::Close => close_seed(close),
            CandleMetric::Volume => volume.max(0.0),
            CandleMetric::QuoteVolume => quote_volume_seed(high, low, close, volume),
            CandleMetric::LogRange => 0.0,
        }
    }
}

/// EMA after each value: `Ema::new(span, seed)` then one update per value.
pub fn ema_series(values: &[f64], span: f64, seed: f64) -> Vec<f64> {
    let mut ema = Ema::new(span, seed);
    values
        .iter()
        .map(|&x| {
            ema.update(x);
            ema.value()
        })
        .collect()
}

/// The last value of `ema_series` (the seed when `values` is empty).
pub fn ema_last(values: &[f64], span: f64, seed: f64) -> f64 {
    let mut ema = Ema::new(span, seed);
    for &x in values {
        ema.update(x);
    }
    ema.value()
}

/// Candle columns of equal length.
pub struct CandleColumns<'a> {
    pub high: &'a [f64],
    pub low: &'a [f64],
    pub close: &'a [f64],
    pub volume: &'a [f64],
}

impl CandleColumns<'_> {
    fn check(&self) -> Result<usize, String> {
        let n = self.close.len();
        if self.high.len() != n || self.low.len() != n || self.volume.len() != n {
            return Err(format!(
                "candle columns differ in length: high {}, low {}, close {}, volume {}",
                self.high.len(),
                self.low.len(),
                n,
                self.volume.len()
            ));
        }
        Ok(n)
    }

    fn metric_values(&self, metric: CandleMetric) -> Vec<f64> {
        (0..self.close.len())
            .map(|k| metric.value(self.high[k], self.low[k], self.close[k], self.volume[k]))
            .collect()
    }

    fn seed(&self, metric: CandleMetric) -> f64 {
        metric.seed(self.high[0], self.low[0], self.close[0], self.volume[0])
    }
}

/// EMA of `metric` after each candle, seeded from the first candle. Empty input → empty output.
pub fn candle_ema_series(
    candles: &CandleColumns,
    metric: CandleMetric,
    span: f64,
) -> Result<Vec<f64>, String> {
    if candles.check()? == 0 {
        return Ok(Vec::new());
    }
    Ok(ema_series(
        &candles.metric_values(metric),
        span,
        candles.seed(metric),
    ))
}

/// EMA of `metric` after the last candle (NaN for no candles).
pub fn candle_ema_last(
    candles: &CandleColumns,
    metric: CandleMetric,
    span: f64,
) -> Result<f64, String> {
    if candles.check()? == 0 {
        return Ok(f64::NAN);
    }
    Ok(ema_last(
        &candles.metric_values(metric),
        span,
        candles.seed(metric),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_matches_the_recursive_rule_and_skips_non_finite() {
        // span 3 → alpha 0.5
        let s = ema_series(&[20.0, 20.0, f64::NAN, 10.0], 3.0, 10.0);
        assert_eq!(s, vec![15.0, 17.5, 17.5, 13.75]);
        assert_eq!(ema_last(&[20.0, 20.0, f64::NAN, 10.0], 3.0, 10.0), 13.75);
        assert_eq!(ema_last(&[], 3.0, 7.0), 7.0);
    }

    #[test]
    fn candle_emas_use_the_engine_seeds() {
        let (h, l, c, v) = ([2.0, 4.0], [1.0, 2.0], [1.5, 3.0], [10.0, 20.0]);
        let cols = CandleColumns {
            high: &h,
            low: &l,
            close: &c,
            volume: &v,
        };
        // close: seed 1.5, updates 1.5 then 3.0 with alpha 0.5
        let mut e = Ema::new(3.0, 1.5);
        e.update(1.5);
        e.update(3.0);
        assert_eq!(
            candle_ema_last(&cols, CandleMetric::Close, 3.0).unwrap(),
            e.value()
        );
        // log range: seed 0
        let lr = candle_ema_series(&cols, CandleMetric::LogRange, 3.0).unwrap();
        let mut e = Ema::new(3.0, 0.0);
        e.update(2f64.ln());
        assert_eq!(lr[0], e.value());
        // quote volume: seed volume × typical price
        let qv = candle_ema_series(&cols, CandleMetric::QuoteVolume, 1.0).unwrap();
        assert_eq!(qv[1], 20.0 * 3.0);
        let seed = CandleMetric::QuoteVolume.seed(2.0, 1.0, 1.5, 10.0);
        assert_eq!(seed, 10.0 * 1.5);
    }

    #[test]
    fn candle_with_nan_close_is_skipped_for_every_metric() {
        let (h, l, c, v) = ([2.0, 2.0], [1.0, 1.0], [1.5, f64::NAN], [10.0, 20.0]);
        let cols = CandleColumns {
            high: &h,
            low: &l,
            close: &c,
            volume: &v,
        };
        let s = candle_ema_series(&cols, CandleMetric::Volume, 3.0).unwrap();
        assert_eq!(s[0], s[1]);
    }

    #[test]
    fn mismatched_lengths_and_unknown_metrics_are_errors() {
        let cols = CandleColumns {
            high: &[1.0],
            low: &[],
            close: &[1.0],
            volume: &[1.0],
        };
        assert!(candle_ema_last(&cols, CandleMetric::Close, 3.0).is_err());
        assert!(CandleMetric::parse("vwap").is_err());
        assert_eq!(
            CandleMetric::parse("log_range").unwrap(),
            CandleMetric::LogRange
        );
    }
}
