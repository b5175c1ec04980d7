//! The fill rule shared by the backtester and the exchange simulator (core spec §11.4): a limit
//! order resting during a candle fills completely, at its own price, iff the candle trades
//! strictly through it.

/// Buy (`qty > 0`) fills iff `low < price`; sell (`qty < 0`) iff `high > price`.
#[inline]
pub fn order_fills(qty: f64, price: f64, high: f64, low: f64) -> bool {
    (qty > 0.0 && low < price) || (qty < 0.0 && high > price)
}

#[cfg(test)]
mod tests {
    use super::*;

    // §18.2: touching the price is not enough; one tick through fills.
    #[test]
    fn spec18_02_strict_inequality() {
        assert!(!order_fills(1.0, 100.0, 101.0, 100.0));
        assert!(order_fills(1.0, 100.0, 101.0, 99.99));
        assert!(!order_fills(-1.0, 100.0, 100.0, 99.0));
        assert!(order_fills(-1.0, 100.0, 100.01, 99.0));
        assert!(!order_fills(0.0, 100.0, 200.0, 1.0));
    }
}
