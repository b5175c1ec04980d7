//! Liquidity pools and their sweeps.
//!
//! Pools: equal highs/lows (two liquidity-scale pivots of the same type within
//! `eq_tolerance_atr` × ATR of each other, the later one confirming the pool; level = the more
//! extreme of the two), previous day/week high/low and kill-zone session highs/lows. A pivot
//! whose level is later traded through by more than the tolerance stops being a candidate.
//!
//! Taking a pool at bar j (high pool: `h[j] > level + sweep_min_atr × ATR`): `Sweep` if the bar
//! closes back on the original side (`close <= level`), else `Run`. Either way the pool is gone.

use serde::{Deserialize, Serialize};

use super::pivots::PivotState;
use super::{Ctx, Event, EventKind, Scale};

/// A live liquidity pool; `dir` +1 = resting above highs (buy-side), -1 = below lows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolState {
    pub id: u32,
    pub dir: i8,
    pub scale: Scale,
    /// Kill-zone index for session pools.
    pub session: Option<u8>,
    pub level: f64,
    /// First member pivot / the bar that made the period's or session's extreme.
    pub anchor: usize,
    pub known: usize,
    /// Pivots in an equal-highs/lows pool (1 for period and session pools).
    pub members: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Pools {
    pub active: Vec<PoolState>,
    cand_high: Vec<PivotState>,
    cand_low: Vec<PivotState>,
    pub last_sweep_high: Option<Event>,
    pub last_sweep_low: Option<Event>,
}

const MAX_CANDIDATES: usize = 50;

fn emit(ctx: &mut Ctx, kind: EventKind, pool: &PoolState) {
    let (top, bottom) = if kind == EventKind::Sweep || kind == EventKind::Run {
        (ctx.bar.high, ctx.bar.low)
    } else {
        (pool.level, pool.level)
    };
    ctx.emit(
        kind,
        pool.dir,
        pool.scale,
        pool.id,
        pool.session.map_or(super::NO_ID, |s| s as u32),
        pool.anchor,
        pool.level,
        top,
        bottom,
        0.0,
    );
}

impl Pools {
    fn push(&mut self, ctx: &mut Ctx, pool: PoolState, max_active: usize) {
        emit(ctx, EventKind::PoolCreated, &pool);
        self.active.push(pool);
        if self.active.len() > max_active {
            let old = self.active.remove(0);
            emit(ctx, EventKind::PoolExpired, &old);
        }
    }

    /// A previous-period or session pool; it replaces the live one of the same kind.
    #[allow(clippy::too_many_arguments)]
    pub fn add_fixed(
        &mut self,
        ctx: &mut Ctx,
        scale: Scale,
        session: Option<u8>,
        dir: i8,
        level: f64,
        anchor: usize,
        max_active: usize,
    ) {
        if let Some(k) = self
            .active
            .iter()
            .position(|p| p.scale == scale && p.session == session && p.dir == dir)
        {
            let old = self.active.remove(k);
            emit(ctx, EventKind::PoolExpired, &old);
        }
        let pool = PoolState {
            id: ctx.new_id(),
            dir,
            scale,
            session,
            level,
            anchor,
            known: ctx.i,
            members: 1,
        };
        self.push(ctx, pool, max_active);
    }

    /// Sweeps and runs of the live pools by the current bar.
    pub fn check_sweeps(&mut self, ctx: &mut Ctx, min_atr: f64) {
        let bar = ctx.bar;
        let eps = min_atr * ctx.atr;
        let mut active = std::mem::take(&mut self.active);
        active.retain_mut(|pool| {
            let taken = if pool.dir == 1 {
                bar.high > pool.level + eps
            } else {
                bar.low < pool.level - eps
            };
            if !taken {
                return true;
            }
            let beyond = if pool.dir == 1 {
                bar.close > pool.level
            } else {
                bar.close < pool.level
            };
            let kind = if beyond {
                EventKind::Run
            } else {
                EventKind::Sweep
            };
            emit(ctx, kind, pool);
            if kind == EventKind::Sweep {
                let ev = *ctx.events.last().expect("just emitted");
                if pool.dir == 1 {
                    self.last_sweep_high = Some(ev);
                } else {
                    self.last_sweep_low = Some(ev);
                }
            }
            false
        });
        self.active = active;
    }

    /// Drop candidate pivots the current bar trades through by more than the tolerance.
    pub fn on_bar_candidates(&mut self, ctx: &Ctx, tol_atr: f64) {
        let bar = ctx.bar;
        let tol = tol_atr * ctx.atr;
        self.cand_high.retain(|p| bar.high <= p.level + tol);
        self.cand_low.retain(|p| bar.low >= p.level - tol);
    }

    /// A new liquidity-scale pivot: join a live equal pool, pair with a candidate, or wait.
    pub fn on_pivot(&mut self, ctx: &mut Ctx, piv: PivotState, tol_atr: f64, max_active: usize) {
        let tol = tol_atr * ctx.atr;
        let near = |level: f64| (level - piv.level).abs() <= tol;
        if let Some(pool) = self
            .active
            .iter_mut()
            .find(|p| p.scale == Scale::Liquidity && p.dir == piv.dir && near(p.level))
        {
            pool.members += 1;
            return;
        }
        let cands = if piv.dir == 1 {
            &mut self.cand_high
        } else {
            &mut self.cand_low
        };
        if let Some(k) = cands.iter().rposition(|c| near(c.level)) {
            let other = cands.remove(k);
            let level = if piv.dir == 1 {
                other.level.max(piv.level)
            } else {
                other.level.min(piv.level)
            };
            let pool = PoolState {
                id: ctx.new_id(),
                dir: piv.dir,
                scale: Scale::Liquidity,
                session: None,
                level,
                anchor: other.bar,
                known: ctx.i,
                members: 2,
            };
            self.push(ctx, pool, max_active);
            return;
        }
        cands.push(piv);
        if cands.len() > MAX_CANDIDATES {
            cands.remove(0);
        }
    }
}
