//! Per-minute indicators of every coin: EMAs (close, volume, log range, hourly volatility),
//! trailing bundles and the SMC gates.

use super::*;

/// EMAs of one coin. Index 0 = long, 1 = short.
#[derive(Debug, Clone)]
pub(super) struct CoinEmas {
    pub(super) close: [[Ema; 3]; 2],
    pub(super) volume: [Ema; 2],
    pub(super) log_range: [Ema; 2],
    pub(super) volatility_1h: [Ema; 2],
    /// Which EMAs the orchestrator reads, and which of those are updated (compat mode freezes
    /// some): see [`CoinEmas::plan_updates`].
    pub(super) read: EmaUpdates,
    pub(super) update: EmaUpdates,
    /// High/low of the last completed hour, kept until a newer hour has candles.
    pub(super) hour_bucket: Option<(f64, f64)>,
    pub(super) hour_bucket_fresh: bool,
}

/// Per side: the close EMAs, the volume EMA, the log-range EMA.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EmaUpdates {
    pub(super) close: [bool; 2],
    pub(super) volume: [bool; 2],
    pub(super) log_range: [bool; 2],
}

impl CoinEmas {
    /// Updates only the EMAs the orchestrator reads: the entries the slots of a traded side
    /// point at (the orchestrator reads nothing of a side without TWEL or positions). A side
    /// may read the other side's entry when their spans coincide (first match), so this goes
    /// by the resolved slots, not by side (when both sides' spans are equal, only the long
    /// side's EMAs are kept). Compat mode's frozen EMAs (`needs_*` false) stay frozen. The
    /// input lists follow `build_input_skeleton`: `m1.close` holds the long
    /// side's three spans then the short side's, `m1.volume` and `m1.log_range` long, short.
    pub(super) fn plan_updates(
        &mut self,
        slots: &EmaSlots,
        side_live: [bool; 2],
        needs_volume: [bool; 2],
        needs_log_range: [bool; 2],
    ) {
        let mut read = EmaUpdates::default();
        for s in (0..2).filter(|&s| side_live[s]) {
            for slot in slots.close[s].into_iter().flatten() {
                read.close[slot / 3] = true;
            }
            if let Some(slot) = slots.volume[s] {
                read.volume[slot] = true;
            }
            if let Some(slot) = slots.log_range[s] {
                read.log_range[slot] = true;
            }
        }
        self.update = EmaUpdates {
            close: read.close,
            volume: [0, 1].map(|s| read.volume[s] && needs_volume[s]),
            log_range: [0, 1].map(|s| read.log_range[s] && needs_log_range[s]),
        };
        self.read = read;
    }
}

impl Engine<'_> {
    /// Feeds minute k (closed) to each coin's SMC gate. The candle array has no opens: a minute's
    /// open is taken as the previous minute's close (continuous 1m data; at most a tick apart).
    pub(super) fn update_smc(&mut self, k: usize) -> Result<(), String> {
        let Some(smc) = self.smc.as_mut() else {
            return Ok(());
        };
        let ts = self.params.first_timestamp_ms + MINUTE_MS * k as i64;
        for (i, gate) in smc.coins.iter_mut().enumerate() {
            let range = self.ranges[i];
            if !range.valid(k) {
                continue;
            }
            let col = self.columns[i];
            let close = self.data.close(k, col);
            let open = if k > range.first {
                self.data.close(k - 1, col)
            } else {
                close
            };
            let bar = Bar {
                ts,
                open,
                high: self.data.high(k, col),
                low: self.data.low(k, col),
                close,
                volume: self.data.volume(k, col),
            };
            gate.push_minute(bar)
                .map_err(|e| format!("SMC gate, coin {i}, minute {k}: {e}"))?;
        }
        Ok(())
    }

    /// True when the SMC gate forbids `pside` to open a position on coin `i` at `close`.
    pub(super) fn smc_blocks(&self, i: usize, pside: Pside, close: f64) -> bool {
        self.smc
            .as_ref()
            .is_some_and(|smc| !smc.coins[i].allows(pside, close, &smc.rules))
    }

    pub(super) fn update_emas(&mut self, k: usize) {
        self.update_hourly_volatility(k);
        for i in 0..self.n_coins {
            if !self.ranges[i].valid(k) {
                continue;
            }
            let col = self.columns[i];
            let (h, l, c, v) = (
                self.data.high(k, col),
                self.data.low(k, col),
                self.data.close(k, col),
                self.data.volume(k, col),
            );
            if !(c.is_finite() && h.is_finite() && l.is_finite()) {
                continue;
            }
            let emas = &mut self.emas[i];
            let update = emas.update;
            for s in (0..2).filter(|&s| update.close[s]) {
                for e in emas.close[s].iter_mut() {
                    e.update(c);
                }
            }
            if update.volume != [false, false] {
                let qv = quote_volume(h, l, c, v);
                for s in (0..2).filter(|&s| update.volume[s]) {
                    emas.volume[s].update(qv);
                }
            }
            if update.log_range != [false, false] {
                let lr = log_range(h, l);
                for s in (0..2).filter(|&s| update.log_range[s]) {
                    emas.log_range[s].update(lr);
                }
            }
        }
    }

    /// At the first minute of a new hour, fold the previous hour's range into the 1h EMA (§5.5).
    pub(super) fn update_hourly_volatility(&mut self, k: usize) {
        let ts = self.ts(k);
        let hour = ts.div_euclid(HOUR_MS) * HOUR_MS;
        if hour <= self.last_hour_boundary {
            return;
        }
        let first_ts = self.params.first_timestamp_ms;
        let window_start = first_ts.max(self.last_hour_boundary);
        for emas in self.emas.iter_mut() {
            emas.hour_bucket_fresh = false;
        }
        if ts > window_start + MINUTE_MS {
            let start_idx = ((window_start - first_ts) / MINUTE_MS) as usize;
            for i in 0..self.n_coins {
                let range = self.ranges[i];
                let lo_k = start_idx.max(range.first);
                let hi_k = (k - 1).min(range.last);
                let col = self.columns[i];
                let mut high = f64::NEG_INFINITY;
                let mut low = f64::INFINITY;
                let mut seen = false;
                let mut kk = lo_k;
                while kk <= hi_k {
                    let (h, l) = (self.data.high(kk, col), self.data.low(kk, col));
                    if h.is_finite() && l.is_finite() {
                        high = high.max(h);
                        low = low.min(l);
                        seen = true;
                    }
                    kk += 1;
                }
                if seen {
                    self.emas[i].hour_bucket = Some((high, low));
                    self.emas[i].hour_bucket_fresh = true;
                }
            }
        }
        self.last_hour_boundary = hour;
        if !self.needs_volatility_1h {
            return;
        }
        let compat = self.params.compat_v7;
        for emas in self.emas.iter_mut() {
            // The reference reuses a stale bucket when the coin had no candle in the last hour.
            if !compat && !emas.hour_bucket_fresh {
                continue;
            }
            if let Some((high, low)) = emas.hour_bucket {
                if high.is_finite() && low.is_finite() && high > 0.0 && low > 0.0 {
                    let x = (high / low).ln();
                    for e in emas.volatility_1h.iter_mut() {
                        if e.alpha() > 0.0 {
                            e.update(x);
                        }
                    }
                }
            }
        }
    }

    pub(super) fn update_trailing_bundles(&mut self, k: usize) {
        for i in 0..self.n_coins {
            if !self.ranges[i].valid(k) {
                continue;
            }
            let col = self.columns[i];
            for s in 0..2 {
                if self.positions[i][s].size == 0.0 || !self.trailing_enabled[i][s] {
                    continue;
                }
                if self.filled_this_minute[i][s] {
                    self.trailing[i][s] = TrailingBundle::default();
                } else {
                    self.trailing[i][s].update(
                        self.data.high(k, col),
                        self.data.low(k, col),
                        self.data.close(k, col),
                    );
                }
            }
        }
    }
}

/// Per side, the position of its 1h volatility EMA in the skeleton's `h1.log_range`: the sides
/// with a positive span, in side order (as `build_input_skeleton` lists them).
pub(super) fn volatility_slots(b: &BotParamsPair) -> [Option<usize>; 2] {
    let mut next = 0;
    [
        b.long.entry_volatility_ema_span_hours,
        b.short.entry_volatility_ema_span_hours,
    ]
    .map(|span| {
        (span > 0.0).then(|| {
            next += 1;
            next - 1
        })
    })
}
