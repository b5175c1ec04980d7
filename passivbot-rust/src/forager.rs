//! Forager coin selection (§9): volume stage, then volatility stage.
//!
//! The volume stage keeps the most liquid candidates; the volatility stage drops the most
//! volatile ones and then takes the most volatile of the rest. Every ranking is a total order
//! (score descending, then coin index ascending), so the result does not depend on input order
//! or on the sort algorithm.

use std::cmp::Ordering;

/// Ranking inputs of one coin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForagerFeature {
    /// Coin (symbol) index; also the tie-breaker of every ranking.
    pub index: usize,
    /// Tradable, mode allows initial entries and the min-cost check passes.
    pub enabled: bool,
    /// 1m quote-volume EMA (higher = more liquid).
    pub volume_score: f64,
    /// 1m log-range EMA (higher = more volatile).
    pub volatility_score: f64,
}

/// `score` descending, then `index` ascending. NaN scores sort as the lowest values.
fn rank_desc(a_score: f64, a_index: usize, b_score: f64, b_index: usize) -> Ordering {
    let by_score = match (a_score.is_nan(), b_score.is_nan()) {
        (false, false) => b_score.partial_cmp(&a_score).unwrap_or(Ordering::Equal),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (true, true) => Ordering::Equal,
    };
    by_score.then(a_index.cmp(&b_index))
}

fn by_volume(a: &ForagerFeature, b: &ForagerFeature) -> Ordering {
    rank_desc(a.volume_score, a.index, b.volume_score, b.index)
}

fn by_volatility(a: &ForagerFeature, b: &ForagerFeature) -> Ordering {
    rank_desc(a.volatility_score, a.index, b.volatility_score, b.index)
}

fn clamp_pct(pct: f64) -> f64 {
    if pct.is_finite() {
        pct.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// How many of `n` candidates a stage keeps: `n·(1 − drop)` rounded half away from zero, at
/// least 1 and at least `max_positions`, at most `n`.
fn stage_keep(n: usize, drop_pct: f64, max_positions: usize) -> usize {
    let keep = ((n as f64) * (1.0 - drop_pct)).round() as usize;
    keep.max(1).max(max_positions).min(n)
}

/// Selects the coins for new positions (§9). Returns coin indices in ranking order
/// (volatility descending, index ascending), at most `max(1, max_positions)` of them.
/// With `require_forager == false` every enabled coin is returned, in input order.
pub fn select_coin_indices(
    features: &[ForagerFeature],
    max_positions: usize,
    volume_drop_pct: f64,
    volatility_drop_pct: f64,
    require_forager: bool,
) -> Vec<usize> {
    let mut selected = Vec::new();
    select_coin_indices_into(
        features,
        max_positions,
        volume_drop_pct,
        volatility_drop_pct,
        require_forager,
        &mut Vec::new(),
        &mut selected,
    );
    selected
}

/// [`select_coin_indices`] with caller-owned buffers (`candidates` is scratch, `selected` is
/// cleared and receives the result): the orchestrator ranks every minute of a backtest.
pub fn select_coin_indices_into(
    features: &[ForagerFeature],
    max_positions: usize,
    volume_drop_pct: f64,
    volatility_drop_pct: f64,
    require_forager: bool,
    candidates: &mut Vec<ForagerFeature>,
    selected: &mut Vec<usize>,
) {
    candidates.clear();
    candidates.extend(features.iter().filter(|f| f.enabled));
    selected.clear();
    if !require_forager || candidates.is_empty() {
        selected.extend(candidates.iter().map(|f| f.index));
        return;
    }
    let max_positions = max_positions.max(1);
    let volume_drop = clamp_pct(volume_drop_pct);
    let volatility_drop = clamp_pct(volatility_drop_pct);

    // Volume stage: keep the most liquid. Only the kept set matters (the next stage re-ranks),
    // and the ranking is a total order, so a partial selection keeps exactly the same coins.
    let keep = stage_keep(candidates.len(), volume_drop, max_positions);
    if keep < candidates.len() {
        candidates.select_nth_unstable_by(keep - 1, by_volume);
        candidates.truncate(keep);
    }

    // Volatility stage: drop the most volatile, then take the most volatile of the rest.
    let keep = stage_keep(candidates.len(), volatility_drop, max_positions);
    let drop_n = candidates.len() - keep;
    candidates.sort_by(by_volatility);
    selected.extend(
        candidates
            .iter()
            .skip(drop_n)
            .take(max_positions)
            .map(|f| f.index),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(volumes: &[f64], volatilities: &[f64]) -> Vec<ForagerFeature> {
        volumes
            .iter()
            .zip(volatilities)
            .enumerate()
            .map(
                |(index, (&volume_score, &volatility_score))| ForagerFeature {
                    index,
                    enabled: true,
                    volume_score,
                    volatility_score,
                },
            )
            .collect()
    }

    #[test]
    fn spec9_crate_test_volume_stage_keeps_most_liquid() {
        // 5 coins, drop 0.4 → keep round(3.0) = 3 most liquid: 4, 3, 1.
        // No volatility drop; top 2 by volatility: 4 (0.5), 3 (0.4).
        let s = [0.1, 0.3, 0.2, 0.4, 0.5];
        assert_eq!(
            select_coin_indices(&feats(&s, &s), 2, 0.4, 0.0, true),
            vec![4, 3]
        );
    }

    #[test]
    fn spec9_crate_test_volatility_stage_drops_most_volatile() {
        // 4 coins, volatility drop 0.5 → keep 2; drop the 2 most volatile (0, 1); rest = 2, 3.
        let vol = [0.9, 0.8, 0.7, 0.6];
        assert_eq!(
            select_coin_indices(&feats(&[1.0; 4], &vol), 2, 0.0, 0.5, true),
            vec![2, 3]
        );
    }

    #[test]
    fn spec9_crate_test_max_positions_floor_keeps_both() {
        // 2 coins, 0.9 drops: keep = round(0.2) = 0 → 1 → max(1, maxp 2) = 2, nothing dropped.
        assert_eq!(
            select_coin_indices(&feats(&[2.0, 1.0], &[0.1, 0.2]), 2, 0.9, 0.9, true),
            vec![1, 0]
        );
    }

    #[test]
    fn without_forager_returns_enabled_in_input_order() {
        let mut f = feats(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]);
        f[1].enabled = false;
        f.swap(0, 2);
        assert_eq!(select_coin_indices(&f, 1, 0.5, 0.5, false), vec![2, 0]);
    }

    #[test]
    fn ties_break_by_index_and_drop_pcts_are_clamped() {
        let f = feats(&[1.0; 4], &[0.5; 4]);
        // NaN drop → 0, drop > 1 → 1: keep max(round(0), 1, maxp 2) = 2; drop 2 → indices 2, 3.
        assert_eq!(select_coin_indices(&f, 2, f64::NAN, 1.5, true), vec![2, 3]);
        // max_positions 0 behaves as 1.
        assert_eq!(select_coin_indices(&f, 0, 0.0, 0.0, true), vec![0]);
        assert!(select_coin_indices(&[], 3, 0.0, 0.0, true).is_empty());
    }
}
