//! Trailing price bundle maintenance (core spec §4).
//!
//! The bundle tracks the lowest low since the position was opened and the highest high after
//! that low (for trailing entries of longs / closes of shorts), and symmetrically the highest
//! high since open and the lowest low after it. A new extreme resets the opposite tracker to the
//! candle's **close**, not to its high/low.

use crate::types::TrailingBundle;

impl TrailingBundle {
    /// Folds one candle into the bundle. A candle with any non-finite value is ignored entirely.
    pub fn update(&mut self, high: f64, low: f64, close: f64) {
        if !(high.is_finite() && low.is_finite() && close.is_finite()) {
            return;
        }
        if low < self.min_since_open {
            self.min_since_open = low;
            self.max_since_min = close;
        } else {
            self.max_since_min = self.max_since_min.max(high);
        }
        if high > self.max_since_open {
            self.max_since_open = high;
            self.min_since_max = close;
        } else {
            self.min_since_max = self.min_since_max.min(low);
        }
    }

    /// The reset value (same as `Default`).
    pub fn reset(&mut self) {
        *self = TrailingBundle::default();
    }
}

/// Folds a series of candles into `bundle`, in order. The slices must have equal lengths; extra
/// elements of a longer slice are ignored (the Python binding rejects unequal lengths).
pub fn update_trailing_bundle(
    bundle: &mut TrailingBundle,
    highs: &[f64],
    lows: &[f64],
    closes: &[f64],
) {
    for ((&h, &l), &c) in highs.iter().zip(lows).zip(closes) {
        bundle.update(h, l, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec18_10_trailing_bundle_four_candle_vector() {
        // Worked by hand from the default bundle (MAX, 0, 0, MAX):
        // c1 H11 L9 C10: low 9 < MAX → mso 9, msm 10; high 11 > 0 → mxo 11, mnm 10
        // c2 H12 L10 C11: 10 !< 9 → msm max(10,12)=12; 12 > 11 → mxo 12, mnm 11
        // c3 H9 L7.5 C8: 7.5 < 9 → mso 7.5, msm 8; 9 !> 12 → mnm min(11,7.5)=7.5
        // c4 H15 L13 C14: 13 !< 7.5 → msm max(8,15)=15; 15 > 12 → mxo 15, mnm 14
        let mut b = TrailingBundle::default();
        update_trailing_bundle(
            &mut b,
            &[11.0, 12.0, 9.0, 15.0],
            &[9.0, 10.0, 7.5, 13.0],
            &[10.0, 11.0, 8.0, 14.0],
        );
        assert_eq!(
            (
                b.min_since_open,
                b.max_since_min,
                b.max_since_open,
                b.min_since_max
            ),
            (7.5, 15.0, 15.0, 14.0)
        );
    }

    #[test]
    fn spec18_10_trailing_bundle_new_extremes_reset_opposite_tracker_to_close() {
        let mut b = TrailingBundle {
            min_since_open: 10.0,
            max_since_min: 13.0,
            max_since_open: 14.0,
            min_since_max: 11.0,
        };
        // New low 9 (close 9.5): max_since_min becomes the close 9.5, not the high 12.
        // High 12 is not a new max: min_since_max = min(11, 9) = 9.
        b.update(12.0, 9.0, 9.5);
        assert_eq!(
            b,
            TrailingBundle {
                min_since_open: 9.0,
                max_since_min: 9.5,
                max_since_open: 14.0,
                min_since_max: 9.0
            }
        );
        // New high 16 (close 15): min_since_max becomes the close 15, not the low 10.
        // Low 10 is not a new min: max_since_min = max(9.5, 16) = 16.
        b.update(16.0, 10.0, 15.0);
        assert_eq!(
            b,
            TrailingBundle {
                min_since_open: 9.0,
                max_since_min: 16.0,
                max_since_open: 16.0,
                min_since_max: 15.0
            }
        );
    }

    #[test]
    fn spec18_10_trailing_bundle_ignores_non_finite_candles() {
        let mut b = TrailingBundle::default();
        b.update(f64::NAN, 1.0, 1.0);
        b.update(2.0, f64::NEG_INFINITY, 1.0);
        b.update(2.0, 1.0, f64::INFINITY);
        assert_eq!(b, TrailingBundle::default());
        b.update(2.0, 1.0, 1.5);
        assert_eq!(
            b,
            TrailingBundle {
                min_since_open: 1.0,
                max_since_min: 1.5,
                max_since_open: 2.0,
                min_since_max: 1.5
            }
        );
        b.reset();
        assert_eq!(b, TrailingBundle::default());
    }
}
