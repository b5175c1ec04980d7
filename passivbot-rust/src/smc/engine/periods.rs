//! Previous UTC day and ISO week (Monday 00:00 UTC) high/low, from completed periods only: the
//! first bar of a new period publishes the period just completed (no off-by-one).

use super::{Bar, Scale};

const DAY_MS: i64 = 86_400_000;

#[derive(Clone, Copy, Debug)]
struct Agg {
    key: i64,
    high: f64,
    low: f64,
    high_bar: usize,
    low_bar: usize,
}

impl Agg {
    fn new(key: i64, bar: &Bar, i: usize) -> Agg {
        Agg {
            key,
            high: bar.high,
            low: bar.low,
            high_bar: i,
            low_bar: i,
        }
    }

    fn add(&mut self, bar: &Bar, i: usize) {
        if bar.high >= self.high {
            self.high = bar.high;
            self.high_bar = i;
        }
        if bar.low <= self.low {
            self.low = bar.low;
            self.low_bar = i;
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Periods {
    day: Option<Agg>,
    week: Option<Agg>,
    prev_day: Option<Agg>,
    prev_week: Option<Agg>,
}

/// (scale, dir, level, anchor bar) of a new pool.
pub type NewPool = (Scale, i8, f64, usize);

fn roll(
    cur: &mut Option<Agg>,
    prev: &mut Option<Agg>,
    key: i64,
    bar: &Bar,
    i: usize,
    scale: Scale,
    out: &mut Vec<NewPool>,
) {
    match cur {
        Some(a) if a.key == key => a.add(bar, i),
        _ => {
            if let Some(done) = cur.take() {
                out.push((scale, 1, done.high, done.high_bar));
                out.push((scale, -1, done.low, done.low_bar));
                *prev = Some(done);
            }
            *cur = Some(Agg::new(key, bar, i));
        }
    }
}

impl Periods {
    pub fn on_bar(&mut self, bar: &Bar, i: usize) -> Vec<NewPool> {
        let mut out = Vec::new();
        let day = bar.ts.div_euclid(DAY_MS);
        // 1970-01-01 was a Thursday: shifting by 3 days puts week boundaries on Mondays.
        let week = (day + 3).div_euclid(7);
        roll(
            &mut self.day,
            &mut self.prev_day,
            day,
            bar,
            i,
            Scale::Day,
            &mut out,
        );
        roll(
            &mut self.week,
            &mut self.prev_week,
            week,
            bar,
            i,
            Scale::Week,
            &mut out,
        );
        out
    }

    /// (previous day high, low, previous week high, low); NaN before the first completed period.
    pub fn previous(&self) -> (f64, f64, f64, f64) {
        let hl = |a: &Option<Agg>| a.map_or((f64::NAN, f64::NAN), |a| (a.high, a.low));
        let (dh, dl) = hl(&self.prev_day);
        let (wh, wl) = hl(&self.prev_week);
        (dh, dl, wh, wl)
    }
}
