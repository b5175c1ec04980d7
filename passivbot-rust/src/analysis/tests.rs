//! Hand-computed cases of §12: every expected number is worked out from the definitions in the
//! comments next to it (not produced by running the code). `spec18_15_*` are the checks of §18
//! item 15.

use super::*;
use crate::types::OrderType::{self, *};

const DAY: usize = 1440;

/// A fill with the fields the metrics read; `pnl`, `fee_paid`, `price`, … set by the caller.
fn fl(index: usize, order_type: OrderType, psize: f64) -> Fill {
    Fill {
        index,
        timestamp_ms: 0,
        coin_idx: 0,
        pnl: 0.0,
        fee_paid: 0.0,
        usd_total_balance: 1000.0,
        btc_cash_wallet: 0.0,
        usd_cash_wallet: 1000.0,
        btc_price: 50_000.0,
        qty: 0.0,
        price: 0.0,
        psize,
        pprice: 100.0,
        order_type,
        wallet_exposure: 0.0,
        twe_long: 0.0,
        twe_short: 0.0,
        twe_net: 0.0,
    }
}

fn run(fills: &[Fill], equity: &[f64], k0: usize, starting_balance: f64, compat: bool) -> Analysis {
    analyze(&AnalysisInput {
        fills,
        equity,
        twe_net: &[],
        first_recorded_index: k0,
        starting_balance,
        compat_v7: compat,
    })
}

#[track_caller]
fn close(got: f64, want: f64) {
    let tol = 1e-12 * want.abs().max(got.abs());
    assert!((got - want).abs() <= tol, "got {got:e}, want {want:e}");
}

/// Two fills that do not matter for the equity metrics (analyze_basic needs > 1 fill).
fn two_fills() -> Vec<Fill> {
    vec![
        fl(10, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: 1.0,
            ..fl(20, CloseGridLong, 0.0)
        },
    ]
}

#[test]
fn keys_are_the_53_sorted_dict_keys_and_serde_uses_them() {
    assert_eq!(Analysis::KEYS.len(), 53);
    assert!(Analysis::KEYS.windows(2).all(|w| w[0] < w[1]));
    let json = serde_json::to_value(Analysis::defaults()).unwrap();
    let obj = json.as_object().unwrap();
    assert_eq!(obj.len(), 53);
    for (k, v) in Analysis::defaults().to_pairs() {
        assert_eq!(obj[k].as_f64(), Some(v));
        assert_eq!(Analysis::defaults().get(k), Some(v));
    }
}

/// Three days of minutes. Day 0: 100 with a dip to 90 at minute 500; day 1: 110 with a dip to
/// 100 at minute 1640; day 2: 99. So D = [100, 110, 99], Dmin = [90, 100, 99].
fn three_day_equity() -> Vec<f64> {
    let mut e = vec![100.0; DAY];
    e[500] = 90.0;
    e.extend(vec![110.0; DAY]);
    e[DAY + 200] = 100.0;
    e.extend(vec![99.0; DAY]);
    e
}

#[test]
fn spec18_15_three_day_equity_metrics() {
    let e = three_day_equity();
    // Day buckets count from the first recorded minute: the absolute start does not matter.
    for (k0, compat) in [(0, true), (700, true), (0, false), (700, false)] {
        let a = run(&two_fills(), &e, k0, 1000.0, compat);
        // S = EMA span 3 (α = 0.5) of D: 100, 0.5·110 + 0.5·100 = 105, 0.5·99 + 0.5·105 = 102.
        assert_eq!(a.gain, 1.02);
        // N = len(D) = 3, not 2.
        let adg = 1.02f64.powf(1.0 / 3.0) - 1.0;
        assert_eq!(a.adg, adg);
        // r = [10/100, −11/110] = [0.1, −0.1] → median of two = 0.
        assert_eq!(a.mdg, 0.0);
        // rmin = [(100 − 90)/90, (99 − 100)/100] = [1/9, −0.01]; σ around adg (not the mean).
        let sigma = (((1.0 / 9.0 - adg).powi(2) + (-0.01 - adg).powi(2)) / 2.0).sqrt();
        close(a.sharpe_ratio, adg / sigma);
        // downside: the only negative rmin is −0.01 → sqrt(0.01²) = 0.01.
        close(a.sortino_ratio, adg / 0.01);
        // omega on r: 0.1 / |−0.1|.
        assert_eq!(a.omega_ratio, 1.0);
        // ES: n = floor(max(1, 0.02)) = 1 → |−0.01|.
        assert_eq!(a.expected_shortfall_1pct, 0.01);
        // Minute series: 90 vs peak 100 → 0.1; 100 vs 110 → 0.0909; 99 vs 110 → 0.1.
        assert_eq!(a.drawdown_worst, 0.1);
        // Dmin [90, 100, 99]: only 99 vs 100 → 0.01; n = max(1, floor(0.03)) = 1.
        assert_eq!(a.drawdown_worst_mean_1pct, 0.01);
        assert_eq!(a.calmar_ratio, adg / 0.1);
        assert_eq!(a.sterling_ratio, adg / 0.01);
        // (|110 − 100| + |99 − 110|) / |99 − 100| = 21.
        assert_eq!(a.equity_choppiness, 21.0);
        // |99 − 2·110 + 100| / ((100 + 110 + 99)/3) = 21 / 103.
        assert_eq!(a.equity_jerkiness, 21.0 / 103.0);
        // 3 equally spaced points: residuals e·[1, −2, 1] with e = (y0 − 2y1 + y2)/6, mean of
        // squares 6e²/3 = (y0 − 2y1 + y2)² / 18, y = ln D.
        let c = 100f64.ln() - 2.0 * 110f64.ln() + 99f64.ln();
        assert!((a.exponential_fit_error - c * c / 18.0).abs() < 1e-9 * c * c);
        // New highs (v ≥ peak) every minute except the dips: gaps 499→501 and 1639→1641 = 2
        // minutes. Day 2 (99 < 110) never recovers: 2879 → 4319 = 1440 minutes, which only the
        // fixed mode counts.
        let want = if compat { 2.0 / 60.0 } else { 24.0 };
        assert_eq!(a.peak_recovery_hours_equity, want);
    }
}

#[test]
fn spec18_15_one_day_run() {
    // 1440 minutes: 100, a dip to 95 at minute 100, last minute 101. D = [101], Dmin = [95].
    let mut e = vec![100.0; DAY];
    e[100] = 95.0;
    e[DAY - 1] = 101.0;
    for compat in [true, false] {
        let a = run(&two_fills(), &e, 0, 1000.0, compat);
        assert_eq!((a.gain, a.adg, a.mdg), (0.0, 0.0, 0.0)); // len(D) < 2
        assert_eq!(a.sortino_ratio, 0.0); // no negative daily-min return
        assert_eq!(a.omega_ratio, f64::INFINITY); // no negative return at all
        assert_eq!(a.expected_shortfall_1pct, 0.0); // no return to average
        assert_eq!(a.drawdown_worst, 0.05); // 95 vs 100 on the minute series
        assert_eq!(a.drawdown_worst_mean_1pct, 0.0); // one daily minimum, no drawdown
        assert_eq!((a.calmar_ratio, a.sterling_ratio), (0.0, 0.0));
        assert_eq!((a.equity_choppiness, a.equity_jerkiness), (0.0, 0.0));
        assert_eq!(a.exponential_fit_error, f64::INFINITY); // len < 2
                                                            // Reference: σ = sqrt(0/0) = NaN and NaN ≠ 0, so sharpe = 0/NaN = NaN; fixed: 0.
        if compat {
            assert!(a.sharpe_ratio.is_nan());
        } else {
            assert_eq!(a.sharpe_ratio, 0.0);
        }
        let json = serde_json::to_value(a).unwrap();
        assert!(json["omega_ratio"].is_null() && json["exponential_fit_error"].is_null());
        assert_eq!(json["sharpe_ratio"].is_null(), compat);
    }
}

#[test]
fn spec18_15_no_losing_day_gives_infinite_omega_as_null() {
    // D = [100, 101, 102], flat within each day: r = [0.01, 0.0099] ≥ 0.
    let e: Vec<f64> = (0..3 * DAY).map(|i| 100.0 + (i / DAY) as f64).collect();
    for compat in [true, false] {
        let a = run(&two_fills(), &e, 0, 1000.0, compat);
        assert_eq!(a.omega_ratio, f64::INFINITY);
        // Every subset has the same property, so the average is infinite too.
        assert_eq!(a.omega_ratio_w, f64::INFINITY);
        assert_eq!(a.drawdown_worst, 0.0);
        let json = serde_json::to_value(a).unwrap();
        assert!(json["omega_ratio"].is_null() && json["omega_ratio_w"].is_null());
    }
}

#[test]
fn spec18_15_no_profitable_fill_gives_infinite_loss_profit_ratio_as_null() {
    let fills = vec![
        Fill {
            fee_paid: -0.5,
            ..fl(10, EntryInitialNormalLong, 1.0)
        },
        Fill {
            pnl: -3.0,
            ..fl(20, CloseGridLong, 0.0)
        },
    ];
    let a = run(&fills, &vec![1000.0; 2 * DAY], 0, 1000.0, true);
    // Σ|losses| = 3, Σ profits = 0 (fees are ignored) → +inf.
    assert_eq!(a.loss_profit_ratio, f64::INFINITY);
    assert_eq!(a.loss_profit_ratio_w, f64::INFINITY);
    assert!(serde_json::to_value(a).unwrap()["loss_profit_ratio"].is_null());
}

#[test]
fn at_most_one_fill_gives_the_defaults() {
    let e = vec![100.0; 3 * DAY];
    let twe = vec![0.25; 3 * DAY];
    for fills in [vec![], vec![fl(10, EntryInitialNormalLong, 1.0)]] {
        for compat in [true, false] {
            let a = analyze(&AnalysisInput {
                fills: &fills,
                equity: &e,
                twe_net: &twe,
                first_recorded_index: 0,
                starting_balance: 1000.0,
                compat_v7: compat,
            });
            let d = Analysis::defaults();
            // Every non-`_w` metric of analyze_basic is its default.
            for (k, v) in a.to_pairs() {
                if !k.ends_with("_w") && !k.starts_with("total_wallet_exposure") {
                    assert_eq!(v, d.get(k).unwrap(), "{k}");
                }
            }
            // Subset 1 starts at round(4320 − 4320/2) = 2160 > 10: no fill → stop. Only the full
            // analysis is computed; the reference still divides by 10.
            let w = if compat { 0.1 } else { 1.0 };
            assert_eq!(a.loss_profit_ratio_w, w);
            assert_eq!(a.equity_choppiness_w, w);
            assert_eq!(a.equity_jerkiness_w, w);
            assert_eq!(a.exponential_fit_error_w, w);
            assert_eq!(
                (a.adg_w, a.omega_ratio_w, a.positions_held_per_day_w),
                (0.0, 0.0, 0.0)
            );
            // Exposure metrics come from the TWE series whatever the fill count.
            assert_eq!(a.total_wallet_exposure_max, 0.25);
            assert_eq!(a.total_wallet_exposure_mean, 0.25);
            assert_eq!(a.total_wallet_exposure_median, 0.25);
        }
    }
}

/// Six fills over three days, recording from minute 0, equity flat at 1000.
///   10  coin 0 long entry  1 @ 100, fee −0.125 → balance 999.875
///   70  coin 0 long close −1 @ 110, pnl 10, fee −0.125 → 1009.75, flat
///   1500 coin 0 long entry 2 @ 100, fee −0.25 → 1009.5
///   1620 coin 0 long close −1 @ 90, pnl −10, fee −0.125 → 999.375, still 1 long (open at the end)
///   1630 coin 1 short entry −1 @ 50, fee −0.125 → 999.25
///   2000 coin 1 short close 1 @ 40, pnl 10, fee −0.125 → 1009.125, flat
fn six_fills() -> Vec<Fill> {
    let f = |index, order_type, coin_idx, qty, price, pnl, fee_paid, balance, psize| Fill {
        coin_idx,
        qty,
        price,
        pnl,
        fee_paid,
        usd_total_balance: balance,
        ..fl(index, order_type, psize)
    };
    vec![
        f(
            10,
            EntryInitialNormalLong,
            0,
            1.0,
            100.0,
            0.0,
            -0.125,
            999.875,
            1.0,
        ),
        f(
            70,
            CloseGridLong,
            0,
            -1.0,
            110.0,
            10.0,
            -0.125,
            1009.75,
            0.0,
        ),
        f(
            1500,
            EntryInitialNormalLong,
            0,
            2.0,
            100.0,
            0.0,
            -0.25,
            1009.5,
            2.0,
        ),
        f(
            1620,
            CloseGridLong,
            0,
            -1.0,
            90.0,
            -10.0,
            -0.125,
            999.375,
            1.0,
        ),
        f(
            1630,
            EntryInitialNormalShort,
            1,
            -1.0,
            50.0,
            0.0,
            -0.125,
            999.25,
            -1.0,
        ),
        f(
            2000,
            CloseGridShort,
            1,
            1.0,
            40.0,
            10.0,
            -0.125,
            1009.125,
            0.0,
        ),
    ]
}

#[test]
fn fill_metrics_by_hand() {
    let fills = six_fills();
    let e = vec![1000.0; 3 * DAY];
    for compat in [true, false] {
        let a = run(&fills, &e, 0, 1000.0, compat);
        // Σ|pnl ≤ 0| = 10, Σ pnl > 0 = 20.
        assert_eq!(a.loss_profit_ratio, 0.5);
        // Day 0: (−0.125 + 9.875) / 1009.75; day 1: (−0.25 − 10.125 − 0.125 + 9.875) / 1009.125.
        let (d0, d1) = (9.75 / 1009.75, -0.625 / 1009.125);
        let mean = (d0 + d1) / 2.0;
        assert_eq!(a.adg_pnl, mean);
        assert_eq!(a.mdg_pnl, mean); // median of two
        close(a.sharpe_ratio_pnl, mean / ((d0 - d1).abs() / 2.0)); // population std of two
        close(a.sortino_ratio_pnl, mean / d1.abs());
        // Volume: day 0: 100/999.875 + 110/1009.75; day 1: 200/1009.5 + 90/999.375 + 50/999.25
        // + 40/1009.125; mean over the two days with fills.
        let v0 = 100.0 / 999.875 + 110.0 / 1009.75;
        let v1 = 200.0 / 1009.5 + 90.0 / 999.375 + 50.0 / 999.25 + 40.0 / 1009.125;
        close(a.volume_pct_per_day_avg, (v0 + v1) / 2.0);
        // Episodes: coin 0 long 10→70 (60 min, gaps 0, 60); coin 0 long from 1500 (gaps 0, 120),
        // open; coin 1 short 1630→2000 (370 min, gap 370). The open one runs to the last fill
        // (2000: 500 min, final gap 380) in the reference, to the last minute (4319: 2819 min,
        // final gap 2699) in fixed mode.
        assert_eq!(a.positions_held_per_day, 1.0); // 3 episodes / 3 days
        let (open, last_gap) = if compat {
            (500.0, 380.0)
        } else {
            (2819.0, 2699.0)
        };
        assert_eq!(a.position_held_hours_max, open / 60.0);
        assert_eq!(
            a.position_held_hours_mean,
            (60.0 + 370.0 + open) / (3.0 * 60.0)
        );
        assert_eq!(a.position_held_hours_median, 370.0 / 60.0);
        assert_eq!(a.position_unchanged_hours_max, last_gap / 60.0);
        // Cumulative net PnL: 0 until 9, −0.125 at 10, 9.75 at 70 (new high after 9 → 61 min),
        // never back above 9.75 after minute 1499 (9.5, −0.625, −0.75, 9.125). Fixed counts the
        // open stretch 1499 → 4319 = 2820 min = 47 h.
        assert_eq!(
            a.peak_recovery_hours_pnl,
            if compat { 61.0 / 60.0 } else { 47.0 }
        );
        // Equity 1000 vs the balance in force: before the first fill the first fill's balance
        // 999.875 (reference) or the starting balance 1000 (fixed, x = 0 for minutes 0..9).
        //   [0, 10) ref: +0.125/999.875   [10, 70): +0.125/999.875   [70, 1500): −9.75/1009.75
        //   [1500, 1620): −9.5/1009.5     [1620, 1630): +0.625/999.375
        //   [1630, 2000): +0.75/999.25    [2000, 4320): −9.125/1009.125
        let (p1, p2, p3) = (0.125 / 999.875, 0.625 / 999.375, 0.75 / 999.25);
        let (n1, n2, n3) = (9.75 / 1009.75, 9.5 / 1009.5, 9.125 / 1009.125);
        let m1 = if compat { 70.0 } else { 60.0 };
        assert_eq!(a.equity_balance_diff_pos_max, p3);
        close(
            a.equity_balance_diff_pos_mean,
            (m1 * p1 + 10.0 * p2 + 370.0 * p3) / (m1 + 380.0),
        );
        assert_eq!(a.equity_balance_diff_neg_max, n1);
        close(
            a.equity_balance_diff_neg_mean,
            (1430.0 * n1 + 120.0 * n2 + 2320.0 * n3) / 3870.0,
        );
        // Flat equity: gain 1, adg 0, no drawdown; no negative day → omega +inf.
        assert_eq!((a.gain, a.adg, a.drawdown_worst), (1.0, 0.0, 0.0));
        assert_eq!(a.omega_ratio, f64::INFINITY);
        assert_eq!(a.equity_choppiness, f64::INFINITY); // zero net change
    }
}

#[test]
fn spec18_15_index_mix_compat_vs_fixed() {
    // Recording starts at absolute minute 720; one day of equity flat at 1000.
    //   abs 1000 (rel 280): entry 1 @ 100, fee −1 → 999
    //   abs 1500 (rel 780): close −1 @ 110, pnl 11, fee −1 → 1009
    let fills = vec![
        Fill {
            qty: 1.0,
            price: 100.0,
            fee_paid: -1.0,
            usd_total_balance: 999.0,
            ..fl(1000, EntryInitialNormalLong, 1.0)
        },
        Fill {
            qty: -1.0,
            price: 110.0,
            pnl: 11.0,
            fee_paid: -1.0,
            usd_total_balance: 1009.0,
            ..fl(1500, CloseGridLong, 0.0)
        },
    ];
    let e = vec![1000.0; DAY];
    let compat = run(&fills, &e, 720, 1000.0, true);
    let fixed = run(&fills, &e, 720, 1000.0, false);

    // adg_pnl days: reference floor(abs/1440) = 0 and 1; fixed floor(rel/1440) = 0 for both.
    let (d0, d1) = (-1.0 / 999.0, 10.0 / 1009.0);
    assert_eq!(compat.adg_pnl, (d0 + d1) / 2.0);
    assert_eq!(compat.sortino_ratio_pnl, compat.adg_pnl / (1.0f64 / 999.0));
    assert_eq!(fixed.adg_pnl, 9.0 / 1009.0);
    assert_eq!(fixed.sharpe_ratio_pnl, 0.0); // one day: std 0
    assert_eq!(fixed.sortino_ratio_pnl, 0.0); // no negative day
    assert_eq!(
        compat.volume_pct_per_day_avg,
        (100.0 / 999.0 + 110.0 / 1009.0) / 2.0
    );
    assert_eq!(fixed.volume_pct_per_day_avg, 100.0 / 999.0 + 110.0 / 1009.0);

    // peak_recovery_hours_pnl over 1440 slots: the reference puts −1 at slot 1000 and drops the
    // close (1500 ≥ 1440): highs up to 999 then none, open drawdown not counted → gaps of 1 min.
    // Fixed: −1 at 280, +10 at 780 → highs 0..279 then 780..1439 → 501 min.
    assert_eq!(compat.peak_recovery_hours_pnl, 1.0 / 60.0);
    assert_eq!(fixed.peak_recovery_hours_pnl, 501.0 / 60.0);

    // Equity/balance: reference b = 999 (first fill's balance) everywhere, since the close at
    // abs 1500 never satisfies index ≤ i < 1440 → x = 1/999 on all minutes. Fixed: 0 for
    // [0, 280), 1/999 for [280, 780), −9/1009 for [780, 1440).
    assert_eq!(compat.equity_balance_diff_pos_max, 1.0 / 999.0);
    close(compat.equity_balance_diff_pos_mean, 1.0 / 999.0);
    assert_eq!(
        (
            compat.equity_balance_diff_neg_max,
            compat.equity_balance_diff_neg_mean
        ),
        (0.0, 0.0)
    );
    assert_eq!(fixed.equity_balance_diff_pos_max, 1.0 / 999.0);
    close(fixed.equity_balance_diff_pos_mean, 1.0 / 999.0);
    assert_eq!(fixed.equity_balance_diff_neg_max, 9.0 / 1009.0);
    close(fixed.equity_balance_diff_neg_mean, 9.0 / 1009.0);

    // Durations use fill indices only: 500 min in both.
    assert_eq!(compat.position_held_hours_max, 500.0 / 60.0);
    assert_eq!(fixed.position_held_hours_max, 500.0 / 60.0);
}

#[test]
fn fixed_mode_clamps_fills_before_recording_to_the_first_minute() {
    // Recording from abs 100; a fill at abs 40 lands on minute 0, one at abs 160 on minute 60.
    let fills = vec![
        Fill {
            fee_paid: -1.0,
            usd_total_balance: 999.0,
            ..fl(40, EntryInitialNormalLong, 1.0)
        },
        Fill {
            pnl: 5.0,
            fee_paid: -1.0,
            usd_total_balance: 1003.0,
            ..fl(160, CloseGridLong, 0.0)
        },
    ];
    let a = run(&fills, &vec![999.0; DAY], 100, 1000.0, false);
    // b = 999 from minute 0 (clamped), 1003 from minute 60: x = 0 on [0, 60), then −4/1003.
    // (Dropping the early fill instead would give x = −1/1000 on [0, 60) and a lower mean.)
    assert_eq!(a.equity_balance_diff_pos_max, 0.0);
    assert_eq!(a.equity_balance_diff_neg_max, 4.0 / 1003.0);
    close(a.equity_balance_diff_neg_mean, 4.0 / 1003.0);
    // Both fills count in the day-0 PnL: (−1 + 4) / 1003.
    assert_eq!(a.adg_pnl, 3.0 / 1003.0);
}

/// Recording from abs 1440, two days (2880 minutes) of flat equity. Fills (abs → rel):
///   A 1500→60 entry, B 1600→160 close +10, C 3000→1560 entry, D 3100→1660 close −5,
///   E 4200→2760 entry, F 4300→2860 close +5.
/// Subset starts round(2880 − 2880/(1+i)): 1440, 1920, 2160, 2304, 2400, 2469, 2520, 2560, 2592,
/// i.e. slice lengths 1440, 960, 720, 576, 480, 411, 360, 320, 288.
#[test]
fn spec18_15_w_subsets_index_quirk_compat_vs_fixed() {
    let fills = vec![
        fl(1500, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: 10.0,
            ..fl(1600, CloseGridLong, 0.0)
        },
        fl(3000, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: -5.0,
            ..fl(3100, CloseGridLong, 0.0)
        },
        fl(4200, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: 5.0,
            ..fl(4300, CloseGridLong, 0.0)
        },
    ];
    let e = vec![1000.0; 2 * DAY];
    let compat = run(&fills, &e, DAY, 1000.0, true);
    let fixed = run(&fills, &e, DAY, 1000.0, false);
    let later_lens = [960.0, 720.0, 576.0, 480.0, 411.0, 360.0, 320.0, 288.0];
    let per_day = |episodes: f64, len: f64| episodes / (len / 1440.0);

    // Reference: fills with abs index ≥ start. Subset 1 (start 1440) keeps all six fills,
    // subsets 2–9 keep C..F. Fixed: rel ≥ start: subset 1 keeps C..F, subsets 2–9 keep E, F.
    // loss_profit_ratio: A..F 5/15, C..F 5/5, E..F 0/5.
    let want_compat = [vec![5.0 / 15.0, 5.0 / 15.0], vec![1.0; 8]].concat();
    let want_fixed = [vec![5.0 / 15.0, 1.0], vec![0.0; 8]].concat();
    assert_eq!(compat.loss_profit_ratio_w, stats::sum(&want_compat) / 10.0);
    assert_eq!(fixed.loss_profit_ratio_w, stats::sum(&want_fixed) / 10.0);

    // positions_held_per_day: episodes / (slice length / 1440).
    let mut want_compat = vec![per_day(3.0, 2880.0), per_day(3.0, 1440.0)];
    want_compat.extend(later_lens.iter().map(|&l| per_day(2.0, l)));
    let mut want_fixed = vec![per_day(3.0, 2880.0), per_day(2.0, 1440.0)];
    want_fixed.extend(later_lens.iter().map(|&l| per_day(1.0, l)));
    assert_eq!(
        compat.positions_held_per_day_w,
        stats::sum(&want_compat) / 10.0
    );
    assert_eq!(
        fixed.positions_held_per_day_w,
        stats::sum(&want_fixed) / 10.0
    );
    assert!((compat.positions_held_per_day_w - 5.6507).abs() < 1e-3);
    assert!((fixed.positions_held_per_day_w - 2.9504).abs() < 1e-3);
}

#[test]
fn spec18_15_w_divides_by_10_in_compat_and_by_the_count_when_fixed() {
    // Three days of flat equity, fills only in the first 100 minutes: subset 1 starts at 2160
    // and has no fill, so only the full analysis is computed.
    let fills = vec![
        fl(10, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: 2.0,
            ..fl(50, CloseGridLong, 0.0)
        },
        fl(60, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: -1.0,
            ..fl(100, CloseGridLong, 0.0)
        },
    ];
    let e = vec![1000.0; 3 * DAY];
    let compat = run(&fills, &e, 0, 1000.0, true);
    let fixed = run(&fills, &e, 0, 1000.0, false);
    assert_eq!(compat.loss_profit_ratio, 0.5);
    assert_eq!(compat.loss_profit_ratio_w, 0.05);
    assert_eq!(fixed.loss_profit_ratio_w, 0.5);
    // 2 episodes / 3 days.
    assert_eq!(compat.positions_held_per_day_w, 2.0 / 3.0 / 10.0);
    assert_eq!(fixed.positions_held_per_day_w, 2.0 / 3.0);
}

#[test]
fn spec18_15_btc_analysis_is_a_copy_only_in_compat_without_collateral() {
    // USD: pnl +10 and −10 → loss/profit 1. BTC: +10/50000 = 0.0002 and −10/25000 = −0.0004
    // → 2.
    let fills = vec![
        fl(10, EntryInitialNormalLong, 1.0),
        Fill {
            pnl: 10.0,
            ..fl(20, CloseGridLong, 0.0)
        },
        Fill {
            btc_price: 25_000.0,
            ..fl(30, EntryInitialNormalLong, 1.0)
        },
        Fill {
            pnl: -10.0,
            btc_price: 25_000.0,
            ..fl(40, CloseGridLong, 0.0)
        },
    ];
    let eu = vec![1000.0; 2 * DAY];
    let eb = vec![0.02; 2 * DAY];
    let go = |collateral, compat| {
        analyze_usd_btc(&fills, &eu, &eb, &[], 0, 1000.0, 0.02, collateral, compat)
    };

    let (usd, btc) = go(false, true);
    assert_eq!(usd.loss_profit_ratio, 1.0);
    let bits = |a: &Analysis| {
        a.to_pairs()
            .iter()
            .map(|(_, v)| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&usd), bits(&btc));

    for (collateral, compat) in [(true, true), (false, false), (true, false)] {
        let (usd, btc) = go(collateral, compat);
        assert_eq!(usd.loss_profit_ratio, 1.0);
        assert_eq!(btc.loss_profit_ratio, 2.0);
    }
}

#[test]
fn btc_conversion_divides_money_fields_by_the_fill_btc_price() {
    let f = Fill {
        pnl: 10.0,
        fee_paid: -1.0,
        price: 100.0,
        qty: 2.0,
        ..fl(5, CloseGridLong, 0.0)
    };
    let c = fills_in_btc(&[
        f,
        Fill {
            btc_price: 0.0,
            ..f
        },
    ]);
    assert_eq!(
        (
            c[0].pnl,
            c[0].fee_paid,
            c[0].price,
            c[0].pprice,
            c[0].usd_total_balance
        ),
        (
            10.0 / 50_000.0,
            -1.0 / 50_000.0,
            100.0 / 50_000.0,
            100.0 / 50_000.0,
            1000.0 / 50_000.0
        )
    );
    assert_eq!(c[0].qty, 2.0);
    assert_eq!(
        c[1],
        Fill {
            btc_price: 0.0,
            ..f
        }
    ); // price ≤ 0 → divided by 1
}

#[test]
fn exposure_metrics_use_finite_series_values_then_fills() {
    // finite values 0.5, 0.1, 0.3, 0.2 → max 0.5, mean 1.1/4, median (0.2 + 0.3)/2.
    let (max, mean, median) = exposure_metrics(&[0.5, f64::NAN, 0.1, 0.3, 0.2], &[]);
    assert_eq!((max, median), (0.5, 0.25));
    assert_eq!(mean, (0.5 + 0.1 + 0.3 + 0.2) / 4.0);
    let fills = [
        Fill {
            twe_net: 0.4,
            ..fl(1, EntryInitialNormalLong, 1.0)
        },
        fl(2, CloseGridLong, 0.0),
    ];
    assert_eq!(exposure_metrics(&[], &fills), (0.4, 0.2, 0.2));
    assert_eq!(exposure_metrics(&[], &[]), (0.0, 0.0, 0.0));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Positive equity, hourly steps of whole cents over 1–4 days (expanded to minutes).
    fn equity() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(100u32..1_000_000, 24..96).prop_map(|hours| {
            hours
                .iter()
                .flat_map(|&h| std::iter::repeat_n(h as f64 / 100.0, 60))
                .collect()
        })
    }

    /// 2–12 fills at sorted minutes in `k0 .. k0 + len`, random PnL/fees/balances/positions.
    fn fills(len: usize, k0: usize) -> impl Strategy<Value = Vec<Fill>> {
        prop::collection::vec(
            (
                0..len,
                -5000i32..5000,
                0u32..1000,
                500u32..2000,
                0u8..3,
                0usize..2,
                1u32..1000,
            ),
            2..12,
        )
        .prop_map(move |mut raw| {
            raw.sort_by_key(|r| r.0);
            raw.into_iter()
                .map(|(i, pnl, fee, bal, pos, coin, price)| Fill {
                    coin_idx: coin,
                    pnl: pnl as f64 / 100.0,
                    fee_paid: -(fee as f64) / 1000.0,
                    usd_total_balance: bal as f64,
                    qty: 1.0,
                    price: price as f64,
                    psize: pos as f64,
                    ..fl(
                        k0 + i,
                        if pos > 0 {
                            EntryGridNormalLong
                        } else {
                            CloseGridLong
                        },
                        pos as f64,
                    )
                })
                .collect()
        })
    }

    fn case() -> impl Strategy<Value = (Vec<f64>, Vec<Fill>, usize, bool)> {
        (equity(), 0usize..3000, any::<bool>()).prop_flat_map(|(e, k0, compat)| {
            let len = e.len();
            (Just(e), fills(len, k0), Just(k0), Just(compat))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn drawdowns_are_fractions_for_positive_equity((e, f, k0, compat) in case()) {
            let a = run(&f, &e, k0, 1000.0, compat);
            prop_assert!((0.0..=1.0).contains(&a.drawdown_worst));
            prop_assert!((0.0..=1.0).contains(&a.drawdown_worst_mean_1pct));
            prop_assert!(a.drawdown_worst_mean_1pct <= a.drawdown_worst);
        }

        #[test]
        fn constant_equity_has_unit_gain_and_no_drawdown((e, f, k0, compat) in case()) {
            let flat = vec![e[0]; e.len()];
            let a = run(&f, &flat, k0, 1000.0, compat);
            prop_assert_eq!(a.gain, if flat.len() > 1440 { 1.0 } else { 0.0 });
            prop_assert_eq!(a.adg, 0.0);
            prop_assert_eq!(a.mdg, 0.0);
            prop_assert_eq!(a.drawdown_worst, 0.0);
            prop_assert_eq!(a.drawdown_worst_mean_1pct, 0.0);
            prop_assert_eq!(a.peak_recovery_hours_equity, 1.0 / 60.0);
        }

        /// Multiplying equity and every money field by a power of two is exact in binary floating
        /// point, so every ratio metric must be bit-identical (the exponential fit error shifts
        /// ln D by a constant, absorbed by the intercept up to rounding).
        #[test]
        fn scaling_money_leaves_ratio_metrics_unchanged(
            (e, f, k0, compat) in case(),
            shift in -8i32..8,
        ) {
            let c = 2f64.powi(shift);
            let e2: Vec<f64> = e.iter().map(|v| v * c).collect();
            let f2: Vec<Fill> = f
                .iter()
                .map(|x| Fill {
                    pnl: x.pnl * c,
                    fee_paid: x.fee_paid * c,
                    usd_total_balance: x.usd_total_balance * c,
                    price: x.price * c,
                    pprice: x.pprice * c,
                    ..*x
                })
                .collect();
            let a = run(&f, &e, k0, 1000.0, compat);
            let b = run(&f2, &e2, k0, 1000.0 * c, compat);
            for ((k, x), (_, y)) in a.to_pairs().into_iter().zip(b.to_pairs()) {
                if k.starts_with("exponential_fit_error") {
                    prop_assert!(x == y || (x - y).abs() <= 1e-9 * x.abs() + 1e-15, "{}: {} vs {}", k, x, y);
                } else {
                    prop_assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()), "{}: {} vs {}", k, x, y);
                }
            }
        }

        /// Fixed mode ignores where the timeline sits in absolute time.
        #[test]
        fn fixed_mode_is_invariant_to_the_recording_offset((e, f, k0, _c) in case(), extra in 1usize..5000) {
            let shifted: Vec<Fill> = f.iter().map(|x| Fill { index: x.index + extra, ..*x }).collect();
            let a = run(&f, &e, k0, 1000.0, false);
            let b = run(&shifted, &e, k0 + extra, 1000.0, false);
            prop_assert_eq!(
                a.to_pairs().iter().map(|p| p.1.to_bits()).collect::<Vec<_>>(),
                b.to_pairs().iter().map(|p| p.1.to_bits()).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn side_pnl_ratios_split_fills_by_side() {
    use super::side_pnl_ratios;
    // long: +10, −4, +6 → 4/16 = 0.25; short: −3 only → no profit → None; total 9, long 12.
    let pnl = [10.0, -3.0, -4.0, 6.0];
    let is_long = [true, false, true, true];
    let r = side_pnl_ratios(&pnl, &is_long);
    assert_eq!(r.loss_profit_ratio_long, Some(0.25));
    assert_eq!(r.loss_profit_ratio_short, None);
    assert_eq!(r.pnl_ratio_long_short, Some(12.0 / 9.0));
    // A side without fills has ratio 1; PnL summing to 0 has no long share.
    let r = side_pnl_ratios(&[5.0, -5.0], &[true, true]);
    assert_eq!(r.loss_profit_ratio_short, Some(1.0));
    assert_eq!(r.loss_profit_ratio_long, Some(1.0));
    assert_eq!(r.pnl_ratio_long_short, None);
}
