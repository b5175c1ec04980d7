//! Small statistics with the reference's conventions: left-to-right sums, `mean = sum / n`
//! (NaN for an empty slice), median of an even count = mean of the two middle values.

/// Left-to-right sum.
#[inline]
pub(crate) fn sum(xs: &[f64]) -> f64 {
    xs.iter().fold(0.0, |acc, &x| acc + x)
}

/// `sum / n`; NaN when empty (0/0), as a plain division gives.
#[inline]
pub(crate) fn mean(xs: &[f64]) -> f64 {
    sum(xs) / xs.len() as f64
}

/// Median; 0 when empty; even count → mean of the two middle values.
pub(crate) fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `sqrt(mean((x − center)²))`: population deviation around `center` (NaN when empty).
pub(crate) fn deviation_around(xs: &[f64], center: f64) -> f64 {
    let ss = xs.iter().fold(0.0, |acc, &x| {
        let d = x - center;
        acc + d * d
    });
    (ss / xs.len() as f64).sqrt()
}

/// Downside deviation of the reference: `sqrt(mean(x²))` over the negative values only;
/// `None` if there is no negative value.
pub(crate) fn downside_deviation(xs: &[f64]) -> Option<f64> {
    let (ss, n) = xs
        .iter()
        .filter(|&&x| x < 0.0)
        .fold((0.0, 0usize), |(acc, n), &x| (acc + x * x, n + 1));
    (n > 0).then(|| (ss / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn mean_and_deviations() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        assert!(mean(&[]).is_nan());
        // around 0: sqrt((9 + 16) / 2)
        assert_eq!(deviation_around(&[3.0, -4.0], 0.0), (12.5f64).sqrt());
        assert_eq!(
            downside_deviation(&[3.0, -4.0, -2.0]),
            Some((10.0f64).sqrt())
        );
        assert_eq!(downside_deviation(&[3.0, 0.0]), None);
    }
}
