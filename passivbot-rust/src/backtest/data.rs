//! Read-only view of the `(minutes, coins, 4)` candle array and each coin's valid range (§11.1–11.2).

/// Columns of the candle array.
pub const HIGH: usize = 0;
pub const LOW: usize = 1;
pub const CLOSE: usize = 2;
pub const VOLUME: usize = 3;

/// Candles of all coins, minute-major: `data[(k * n_coins + i) * 4 + column]`. Borrowed from the
/// caller (a NumPy array in Python) without copying.
#[derive(Clone, Copy)]
pub struct Hlcvs<'a> {
    data: &'a [f64],
    pub n_minutes: usize,
    pub n_coins: usize,
}

impl<'a> Hlcvs<'a> {
    pub fn new(data: &'a [f64], n_minutes: usize, n_coins: usize) -> Result<Self, String> {
        if n_coins == 0 {
            return Err("hlcvs has no coins (shape[1] == 0)".into());
        }
        if data.len() != n_minutes * n_coins * 4 {
            return Err(format!(
                "hlcvs has {} values; expected minutes*coins*4 = {}*{}*4",
                data.len(),
                n_minutes,
                n_coins
            ));
        }
        Ok(Hlcvs {
            data,
            n_minutes,
            n_coins,
        })
    }

    #[inline]
    pub fn get(&self, k: usize, coin: usize, column: usize) -> f64 {
        self.data[(k * self.n_coins + coin) * 4 + column]
    }

    #[inline]
    pub fn high(&self, k: usize, coin: usize) -> f64 {
        self.get(k, coin, HIGH)
    }

    #[inline]
    pub fn low(&self, k: usize, coin: usize) -> f64 {
        self.get(k, coin, LOW)
    }

    #[inline]
    pub fn close(&self, k: usize, coin: usize) -> f64 {
        self.get(k, coin, CLOSE)
    }

    #[inline]
    pub fn volume(&self, k: usize, coin: usize) -> f64 {
        self.get(k, coin, VOLUME)
    }
}

/// Where a coin has data and may trade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoinRange {
    pub first: usize,
    pub last: usize,
    /// First minute the coin may trade: `min(first + warmup, last)`.
    pub trade_start: usize,
    /// Data ends more than ~1 day before the end of the data set (§11.2).
    pub delisted: bool,
}

impl CoinRange {
    pub fn new(first: usize, last: usize, warmup_minutes: usize, n_minutes: usize) -> Self {
        let max_idx = n_minutes.saturating_sub(1);
        let first = first.min(max_idx);
        let last = last.min(max_idx).max(first);
        CoinRange {
            first,
            last,
            trade_start: (first + warmup_minutes).min(last),
            delisted: last + 1400 < n_minutes,
        }
    }

    #[inline]
    pub fn valid(&self, k: usize) -> bool {
        self.first <= k && k <= self.last
    }

    #[inline]
    pub fn tradeable(&self, k: usize) -> bool {
        self.valid(k) && k >= self.trade_start
    }

    #[inline]
    pub fn clamp(&self, k: usize) -> usize {
        k.clamp(self.first, self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clamped_and_trade_after_warmup() {
        let r = CoinRange::new(10, 500, 100, 200);
        assert_eq!((r.first, r.last, r.trade_start), (10, 199, 110));
        assert!(!r.tradeable(109) && r.tradeable(110) && !r.valid(200));
        assert!(!r.delisted);
        let r = CoinRange::new(0, 100, 10, 2000);
        assert!(r.delisted); // ends 1899 minutes before the end
    }

    #[test]
    fn layout_is_minute_major() {
        let data: Vec<f64> = (0..2 * 3 * 4).map(|v| v as f64).collect();
        let h = Hlcvs::new(&data, 2, 3).unwrap();
        assert_eq!(h.close(1, 2), ((3 + 2) * 4 + 2) as f64);
        assert!(Hlcvs::new(&data, 3, 3).is_err());
    }
}
