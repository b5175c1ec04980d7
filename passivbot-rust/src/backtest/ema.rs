//! EMA state of the backtest (§5): per coin, close EMAs of both sides, quote-volume and 1m
//! log-range EMAs for the forager, and the hourly log-range EMA used for entry volatility.

/// Recursive EMA kept as numerator/denominator, as the reference does (seeded with den = 1).
#[derive(Debug, Clone, Copy)]
pub struct Ema {
    alpha: f64,
    num: f64,
    den: f64,
}

impl Ema {
    pub fn new(span: f64, seed: f64) -> Self {
        Ema {
            alpha: 2.0 / (span + 1.0),
            num: seed,
            den: 1.0,
        }
    }

    /// Non-finite inputs and non-positive alphas leave the value unchanged.
    #[inline]
    pub fn update(&mut self, x: f64) {
        if !x.is_finite() || self.alpha <= 0.0 {
            return;
        }
        let keep = 1.0 - self.alpha;
        self.num = self.alpha * x + keep * self.num;
        self.den = self.alpha + keep * self.den;
    }

    #[inline]
    pub fn value(&self) -> f64 {
        self.num / self.den
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

/// Quote volume of a candle: base volume times the typical price.
#[inline]
pub fn quote_volume(high: f64, low: f64, close: f64, volume: f64) -> f64 {
    volume * ((high + low + close) / 3.0)
}

/// Seed of the close EMAs from a coin's first candle (0 when the close is not finite).
#[inline]
pub fn close_seed(close: f64) -> f64 {
    if close.is_finite() {
        close
    } else {
        0.0
    }
}

/// Seed of the quote-volume EMA from a coin's first candle: volume (floored at 0) times the
/// typical price, or times `max(close, 1)` when high/low are unusable.
#[inline]
pub fn quote_volume_seed(high: f64, low: f64, close: f64, volume: f64) -> f64 {
    let typical = if high.is_finite() && low.is_finite() && close > 0.0 {
        (high + low + close) / 3.0
    } else {
        close.max(1.0)
    };
    volume.max(0.0) * typical
}

/// `ln(high / low)`, 0 when either is not positive.
#[inline]
pub fn log_range(high: f64, low: f64) -> f64 {
    if high > 0.0 && low > 0.0 {
        (high / low).ln()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // §18.5: plain EMA seeded at the first value, alpha = 2/(span+1).
    #[test]
    fn spec18_05_ema_matches_closed_form() {
        let mut e = Ema::new(3.0, 10.0); // alpha 0.5
        e.update(20.0); // 15
        e.update(20.0); // 17.5
        e.update(f64::NAN); // ignored
        e.update(10.0); // 13.75
        assert_eq!(e.value(), 13.75);
    }

    #[test]
    fn log_range_guards_non_positive_prices() {
        assert_eq!(log_range(0.0, 1.0), 0.0);
        assert!((log_range(101.0, 100.0) - (1.01f64).ln()).abs() < 1e-15);
    }
}
