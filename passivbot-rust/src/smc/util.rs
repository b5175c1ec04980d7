//! Small numeric helpers shared by the compat layer and the causal engine.

/// The value as the reference library stores it in a float32 column, widened back to f64.
/// Comparisons against such stored levels must use this value, not the f64 price.
#[inline]
pub fn f32r(x: f64) -> f64 {
    x as f32 as f64
}

/// Python's `round(x, 1)`: the double nearest to the correctly rounded one-decimal value
/// (ties to even on the exact binary value).
pub fn round1(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let t = x * 10.0;
    let frac = t - t.floor();
    if (frac - 0.5).abs() > 1e-6 && t.abs() < 1e15 {
        // Far from a tie: the scaled product's tiny error cannot move the nearest integer.
        return t.round() / 10.0;
    }
    format!("{x:.1}").parse().unwrap_or(x)
}

/// Offline "first index at or after `s` whose value crosses `x`" queries.
///
/// For each query `(s, x)` returns the smallest `j >= s` with `a[j] > x` (`strict`) or
/// `a[j] >= x`, or `a.len()` if there is none. O((n + q) log n) with O(n) memory: a
/// right-to-left sweep keeps the indices that are a running maximum seen from `s`.
/// For "first j with a[j] < x" pass the negated series and `-x`.
pub fn first_crossing_up(a: &[f64], queries: &[(usize, f64)], strict: bool) -> Vec<usize> {
    let n = a.len();
    let mut out = vec![n; queries.len()];
    let mut order: Vec<usize> = (0..queries.len()).filter(|&q| queries[q].0 < n).collect();
    order.sort_unstable_by(|&p, &q| queries[q].0.cmp(&queries[p].0));
    // stack[0] is the deepest (largest value, furthest right); the top is the nearest index.
    let mut stack: Vec<usize> = Vec::new();
    let mut next = n;
    for q in order {
        let (s, x) = queries[q];
        while next > s {
            next -= 1;
            let v = a[next];
            // An index whose value does not exceed a nearer one can never be the first hit.
            // NaN never crosses: it is pushed only to be skipped by the search below.
            while let Some(&top) = stack.last() {
                if a[top] <= v || a[top].is_nan() {
                    stack.pop();
                } else {
                    break;
                }
            }
            if !v.is_nan() {
                stack.push(next);
            }
        }
        // Values strictly increase towards the bottom of the stack.
        let hits = stack.partition_point(|&j| if strict { a[j] > x } else { a[j] >= x });
        if hits > 0 {
            out[q] = stack[hits - 1];
        }
    }
    out
}

/// Same as [`first_crossing_up`] for "first `j >= s` with `a[j] < x`" (`strict`) or `<= x`.
pub fn first_crossing_down(a: &[f64], queries: &[(usize, f64)], strict: bool) -> Vec<usize> {
    let neg: Vec<f64> = a.iter().map(|v| -v).collect();
    let q: Vec<(usize, f64)> = queries.iter().map(|&(s, x)| (s, -x)).collect();
    first_crossing_up(&neg, &q, strict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(a: &[f64], s: usize, x: f64, strict: bool) -> usize {
        (s..a.len())
            .find(|&j| if strict { a[j] > x } else { a[j] >= x })
            .unwrap_or(a.len())
    }

    #[test]
    fn crossing_matches_brute_force() {
        let a = [
            3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 9.0, 1.0,
        ];
        let mut queries = Vec::new();
        for s in 0..=a.len() {
            for x in [0.0, 1.0, 2.5, 3.0, 5.0, 6.0, 9.0, 10.0] {
                queries.push((s, x));
            }
        }
        for strict in [true, false] {
            let up = first_crossing_up(&a, &queries, strict);
            let dn = first_crossing_down(&a, &queries, strict);
            for (k, &(s, x)) in queries.iter().enumerate() {
                assert_eq!(
                    up[k],
                    brute(&a, s, x, strict),
                    "up s={s} x={x} strict={strict}"
                );
                let neg: Vec<f64> = a.iter().map(|v| -v).collect();
                assert_eq!(dn[k], brute(&neg, s, -x, strict), "down s={s} x={x}");
            }
        }
    }

    #[test]
    fn round1_is_half_even_on_the_binary_value() {
        assert_eq!(round1(0.25), 0.2);
        assert_eq!(round1(0.35), 0.3); // 0.35 is stored slightly below 0.35
        assert_eq!(round1(26.94), 26.9);
        assert_eq!(round1(-563.25), -563.2);
        assert_eq!(round1(1831.66), 1831.7);
        assert_eq!(round1(2.5e-7), 0.0);
    }
}
