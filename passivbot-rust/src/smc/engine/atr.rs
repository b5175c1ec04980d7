//! Wilder's average true range, available from the first bar (mean of the true ranges seen while
//! fewer than `length` bars exist, then Wilder smoothing).

use super::Bar;

#[derive(Clone, Debug)]
pub struct Atr {
    length: usize,
    count: usize,
    value: f64,
}

impl Atr {
    pub fn new(length: usize) -> Atr {
        Atr {
            length: length.max(1),
            count: 0,
            value: f64::NAN,
        }
    }

    pub fn update(&mut self, bar: &Bar, prev: Option<&Bar>) -> f64 {
        let tr = match prev {
            Some(p) => (bar.high - bar.low)
                .max((bar.high - p.close).abs())
                .max((bar.low - p.close).abs()),
            None => bar.high - bar.low,
        };
        self.count += 1;
        if self.count == 1 {
            self.value = tr;
        } else if self.count <= self.length {
            self.value += (tr - self.value) / self.count as f64;
        } else {
            let n = self.length as f64;
            self.value = (self.value * (n - 1.0) + tr) / n;
        }
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }
}
