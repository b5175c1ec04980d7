//! TWEL entry gate (§8.1, orchestrator version): caps the total exposure that one side's new
//! entries can add.
//!
//! If every entry of the side could fill without the side's total wallet exposure reaching TWEL,
//! the list passes unchanged. Otherwise entries are removed furthest-from-market first until the
//! rest fits, and the last removed (closest to market) entry is re-added with the largest
//! quantity that still fits (binary search, rounded down to the qty step), if that is not dust.

use std::cmp::Reverse;

use crate::math::{
    calc_min_entry_qty, calc_new_psize_pprice, calc_pprice_diff, calc_wallet_exposure, floor_exact,
    round_dn,
};
use crate::types::{ExchangeParams, Order, Pside};

const EPS_QTY: f64 = 1e-12;
const EPS_EXPOSURE: f64 = 1e-12;
const SEARCH_ITERATIONS: usize = 50;

/// A current position of the side (every coin with `size ≠ 0`, whatever its mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GatePosition {
    pub idx: usize,
    /// Signed size; only `|size|` is used.
    pub size: f64,
    pub price: f64,
    pub c_mult: f64,
}

/// One entry order of the side, in generation order (symbol ascending, then generation order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateEntry {
    /// Coin (symbol) index.
    pub idx: usize,
    pub order: Order,
    pub exchange: ExchangeParams,
    /// Long: bid; short: ask.
    pub market_price: f64,
}

/// `x > 0` (false for NaN).
#[inline]
pub(crate) fn is_pos(x: f64) -> bool {
    x > 0.0
}

/// Per symbol and rank (the n-th item of that symbol in a call), the last inputs and result of
/// a pure function. Every minute of a backtest the gate sees each symbol's entries again, mostly
/// unchanged; a result is reused only for bit-identical inputs (`K` holds their bits), so it is
/// the value the function would return.
#[derive(Debug)]
pub(super) struct RankMemo<K, V> {
    by_symbol: Vec<Vec<Option<(K, V)>>>,
}

impl<K, V> Default for RankMemo<K, V> {
    fn default() -> Self {
        RankMemo {
            by_symbol: Vec::new(),
        }
    }
}

/// `a == b` for short keys, element by element (array `==` calls `memcmp`, slow for 40 bytes).
fn same_bits<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    a.iter().zip(b).fold(true, |same, (x, y)| same & (x == y))
}

impl<const N: usize, V: Copy> RankMemo<[u64; N], V> {
    pub fn get_or(&mut self, idx: usize, rank: usize, key: [u64; N], f: impl FnOnce() -> V) -> V {
        if self.by_symbol.len() <= idx {
            self.by_symbol.resize_with(idx + 1, Vec::new);
        }
        let ranks = &mut self.by_symbol[idx];
        if ranks.len() <= rank {
            ranks.resize(rank + 1, None);
        }
        match ranks[rank] {
            Some((k, v)) if same_bits(&k, &key) => v,
            _ => {
                let v = f();
                ranks[rank] = Some((key, v));
                v
            }
        }
    }
}

/// `calc_min_entry_qty`'s inputs: price and exchange, as bits.
type MinQtyKey = [u64; 5];
/// `project_one`'s inputs: balance, c_mult, qty_step, price, qty, and the position before.
type StepKey = [u64; 7];
type StepValue = Option<(f64, (f64, f64))>;

/// Memos of one side's gate work, kept across calls (see [`RankMemo`], [`TrimMemo`]).
#[derive(Debug, Default)]
struct GateMemo {
    min_qty: RankMemo<MinQtyKey, f64>,
    steps: RankMemo<StepKey, StepValue>,
    /// Per symbol: entries seen so far in this call (the rank of the next one).
    ranks: Vec<usize>,
    trim: TrimMemo,
}

/// The last call that had to trim (projected exposure at or above the cap): what the removals
/// and the partial re-add read, and the quantities they kept. The removals read the candidates
/// (not their distances), the balance, the starting exposure and the cap, and follow the
/// removal order; the market prices enter only through the distances, that is through the
/// order, which is compared as computed. Same inputs and order: the same kept quantities.
#[derive(Debug, Default)]
struct TrimMemo {
    key: Option<(u64, u64, u64)>,
    candidates: Vec<Candidate>,
    order: Vec<usize>,
    /// Kept quantity per candidate, or `None` when nothing survived.
    included: Option<Vec<Option<f64>>>,
}

impl TrimMemo {
    fn key(balance: f64, twe0: f64, cap: f64) -> (u64, u64, u64) {
        (balance.to_bits(), twe0.to_bits(), cap.to_bits())
    }

    fn lookup(
        &self,
        key: (u64, u64, u64),
        candidates: &[Candidate],
        order: &[(RemovalKey, usize)],
    ) -> Option<Option<&[Option<f64>]>> {
        let same = self.key == Some(key)
            && self.candidates.len() == candidates.len()
            && self
                .candidates
                .iter()
                .zip(candidates)
                .all(|(a, b)| a.same_except_distance(b))
            && self.order.iter().copied().eq(order.iter().map(|&(_, i)| i));
        same.then_some(self.included.as_deref())
    }

    fn store(
        &mut self,
        key: (u64, u64, u64),
        candidates: &[Candidate],
        order: &[(RemovalKey, usize)],
        included: Option<&[Option<f64>]>,
    ) {
        self.key = Some(key);
        self.candidates.clear();
        self.candidates.extend_from_slice(candidates);
        self.order.clear();
        self.order.extend(order.iter().map(|&(_, i)| i));
        match (&mut self.included, included) {
            (Some(v), Some(q)) => {
                v.clear();
                v.extend_from_slice(q);
            }
            (slot, q) => *slot = q.map(<[Option<f64>]>::to_vec),
        }
    }
}

/// An entry that can be trimmed: `entry` is its position in the input list, `qty` its
/// unsigned quantity, `slot` a dense index of its symbol and `start` the symbol's current
/// (|size|, price) — `(0, entry price)` without a position.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub entry: usize,
    pub idx: usize,
    pub price: f64,
    pub qty: f64,
    pub distance: f64,
    pub qty_step: f64,
    pub c_mult: f64,
    pub slot: usize,
    pub start: (f64, f64),
    /// `calc_min_entry_qty` at the entry's price, computed once.
    pub min_qty: f64,
}

impl Candidate {
    /// Every field but `distance`, by bits.
    fn same_except_distance(&self, o: &Candidate) -> bool {
        let b = f64::to_bits;
        self.entry == o.entry
            && self.idx == o.idx
            && self.slot == o.slot
            && b(self.price) == b(o.price)
            && b(self.qty) == b(o.qty)
            && b(self.qty_step) == b(o.qty_step)
            && b(self.c_mult) == b(o.c_mult)
            && b(self.start.0) == b(o.start.0)
            && b(self.start.1) == b(o.start.1)
            && b(self.min_qty) == b(o.min_qty)
    }
}

/// Builds the candidates of the given entries (in input order) with their symbol slots and
/// starting positions; `distance` is filled in by `distance_of`.
pub(super) fn make_candidates(
    positions: &[GatePosition],
    entries: &[GateEntry],
    keep: impl Fn(&GateEntry, f64) -> bool,
    distance_of: impl Fn(&GateEntry) -> f64,
) -> (Vec<Candidate>, usize) {
    let mut out = Vec::new();
    let n_slots = make_candidates_into(
        positions,
        entries,
        keep,
        distance_of,
        &mut Vec::new(),
        &mut GateMemo::default(),
        &mut out,
    );
    (out, n_slots)
}

/// [`make_candidates`] into reused buffers (`slots` is scratch); returns the number of slots.
fn make_candidates_into(
    positions: &[GatePosition],
    entries: &[GateEntry],
    keep: impl Fn(&GateEntry, f64) -> bool,
    distance_of: impl Fn(&GateEntry) -> f64,
    slots: &mut Vec<usize>,
    memo: &mut GateMemo,
    out: &mut Vec<Candidate>,
) -> usize {
    // Symbols in order of first appearance; a slot is a position in this list (few symbols:
    // a linear search beats a map).
    slots.clear();
    out.clear();
    memo.start_ranks(entries.iter().map(|e| e.idx));
    for (entry, e) in entries.iter().enumerate() {
        let (price, ex) = (e.order.price, &e.exchange);
        let key = [price, ex.qty_step, ex.min_qty, ex.min_cost, ex.c_mult].map(f64::to_bits);
        let rank = memo.next_rank(e.idx);
        let min_qty = memo
            .min_qty
            .get_or(e.idx, rank, key, || calc_min_entry_qty(price, ex));
        if !keep(e, min_qty) {
            continue;
        }
        let slot = match slots.iter().position(|&idx| idx == e.idx) {
            Some(slot) => slot,
            None => {
                slots.push(e.idx);
                slots.len() - 1
            }
        };
        let start = match positions.iter().find(|p| p.idx == e.idx) {
            Some(p) => (p.size.abs(), p.price),
            None => (0.0, e.order.price),
        };
        out.push(Candidate {
            entry,
            idx: e.idx,
            price: e.order.price,
            qty: e.order.qty.abs(),
            distance: distance_of(e),
            qty_step: e.exchange.qty_step,
            c_mult: e.exchange.c_mult,
            slot,
            start,
            min_qty,
        });
    }
    slots.len()
}

impl GateMemo {
    /// Ranks restart at 0 for the symbols of a new call.
    fn start_ranks(&mut self, symbols: impl Iterator<Item = usize> + Clone) {
        let n = symbols.clone().max().map_or(0, |m| m + 1);
        if self.ranks.len() < n {
            self.ranks.resize(n, 0);
        }
        for idx in symbols {
            self.ranks[idx] = 0;
        }
    }

    fn next_rank(&mut self, idx: usize) -> usize {
        let rank = self.ranks[idx];
        self.ranks[idx] += 1;
        rank
    }
}

/// Sum of the wallet exposures of the valid positions (finite size, finite positive price).
pub(super) fn current_twe(balance: f64, positions: &[GatePosition]) -> f64 {
    positions
        .iter()
        .filter(|p| p.price.is_finite() && p.price > 0.0 && p.size.is_finite())
        .map(|p| calc_wallet_exposure(p.c_mult, balance, p.size.abs(), p.price))
        .sum()
}

/// Projects the side's total wallet exposure if a selection of candidates filled in order:
/// each fill is folded into its symbol's projected position (`calc_new_psize_pprice`).
pub(super) struct Projector {
    balance: f64,
    twe0: f64,
    /// Per symbol slot: projected (|size|, price) so far in the current projection.
    scratch: Vec<Option<(f64, f64)>>,
}

impl Projector {
    pub fn new(balance: f64, twe0: f64, n_slots: usize) -> Self {
        Projector {
            balance,
            twe0,
            scratch: vec![None; n_slots],
        }
    }

    /// Exposure if every candidate with `Some(qty)` in `qtys` fills (ascending candidate order),
    /// followed by `extra = (candidate, qty)` appended at the end.
    pub fn twe(
        &mut self,
        cands: &[Candidate],
        qtys: &[Option<f64>],
        extra: Option<(usize, f64)>,
    ) -> f64 {
        self.scratch.fill(None);
        let mut twe = self.twe0;
        let selection = cands
            .iter()
            .zip(qtys)
            .filter_map(|(c, q)| q.map(|q| (c, q)))
            .chain(extra.map(|(i, q)| (&cands[i], q)));
        for (c, q) in selection {
            let q = q.max(0.0);
            if q <= EPS_QTY {
                continue;
            }
            let (s, p) = self.scratch[c.slot].unwrap_or(c.start);
            let old = calc_wallet_exposure(c.c_mult, self.balance, s, p);
            let old = if old.is_finite() { old } else { 0.0 };
            let (s_new, p_new) = calc_new_psize_pprice(s, p, q, c.price, c.qty_step);
            let new = if s_new.abs() <= EPS_QTY || !is_pos(p_new) {
                0.0
            } else {
                calc_wallet_exposure(c.c_mult, self.balance, s_new.abs(), p_new)
            };
            twe += new - old;
            self.scratch[c.slot] = Some((s_new.abs(), p_new));
        }
        twe
    }
}

/// One candidate folded into its symbol's projected position: the exposure change it adds and
/// the position after it. `None` when the quantity is dust (the candidate adds nothing).
fn project_one(
    balance: f64,
    c: &Candidate,
    q: f64,
    before: (f64, f64),
) -> Option<(f64, (f64, f64))> {
    let q = q.max(0.0);
    if q <= EPS_QTY {
        return None;
    }
    let (s, p) = before;
    let old = calc_wallet_exposure(c.c_mult, balance, s, p);
    let old = if old.is_finite() { old } else { 0.0 };
    let (s_new, p_new) = calc_new_psize_pprice(s, p, q, c.price, c.qty_step);
    let new = if s_new.abs() <= EPS_QTY || !is_pos(p_new) {
        0.0
    } else {
        calc_wallet_exposure(c.c_mult, balance, s_new.abs(), p_new)
    };
    Some((new - old, (s_new.abs(), p_new)))
}

/// `v` becomes `n` copies of `value`, keeping its allocation.
fn refill<T: Clone>(v: &mut Vec<T>, n: usize, value: T) {
    v.clear();
    v.resize(n, value);
}

/// The same projection as [`Projector`], kept up to date as candidates are removed.
///
/// Removing a candidate changes only the steps of later candidates of the same symbol; the
/// others' exposure changes are kept. The total is refolded from `twe0` in candidate order
/// with the same additions, so it is bit-identical to a full [`Projector::twe`]; the expensive
/// part (sizes, prices and exposures) is recomputed only for the affected symbol.
#[derive(Debug, Default)]
struct IncrementalProjection {
    balance: f64,
    twe0: f64,
    /// Per candidate: exposure change and position after it, `None` if removed or dust.
    steps: Vec<Option<(f64, (f64, f64))>>,
    /// Per candidate: quantity kept (`None` = removed).
    included: Vec<Option<f64>>,
    /// Per candidate: the previous / next candidate of the same symbol.
    prev_in_slot: Vec<Option<usize>>,
    next_in_slot: Vec<Option<usize>>,
    /// Per slot: its first and last candidates.
    first_in_slot: Vec<Option<usize>>,
    last_in_slot: Vec<Option<usize>>,
    /// Per candidate: the running total after it (`twe0` plus the steps so far).
    folded: Vec<f64>,
}

impl IncrementalProjection {
    #[cfg(test)]
    fn new(balance: f64, twe0: f64, cands: &[Candidate], n_slots: usize) -> Self {
        let mut proj = IncrementalProjection::default();
        proj.reset(balance, twe0, cands, n_slots, &mut RankMemo::default());
        proj
    }

    /// Starts a projection of every candidate (buffers reused); the steps come through `memo`.
    fn reset(
        &mut self,
        balance: f64,
        twe0: f64,
        cands: &[Candidate],
        n_slots: usize,
        memo: &mut RankMemo<StepKey, StepValue>,
    ) {
        let n = cands.len();
        self.balance = balance;
        self.twe0 = twe0;
        refill(&mut self.steps, n, None);
        self.included.clear();
        self.included.extend(cands.iter().map(|c| Some(c.qty)));
        refill(&mut self.prev_in_slot, n, None);
        refill(&mut self.next_in_slot, n, None);
        refill(&mut self.last_in_slot, n_slots, None);
        refill(&mut self.first_in_slot, n_slots, None);
        refill(&mut self.folded, n, twe0);
        for (j, c) in cands.iter().enumerate() {
            match self.last_in_slot[c.slot] {
                Some(prev) => {
                    self.prev_in_slot[j] = Some(prev);
                    self.next_in_slot[prev] = Some(j);
                }
                None => self.first_in_slot[c.slot] = Some(j),
            }
            self.last_in_slot[c.slot] = Some(j);
        }
        for slot in 0..n_slots {
            if let Some(first) = self.first_in_slot[slot] {
                self.project_slot(cands, first, memo);
            }
        }
        self.refold_from(0);
    }

    /// The steps of every candidate of a slot, all included, from its `first` candidate:
    /// [`Self::reproject_from`] with each `project_one` through `memo`.
    fn project_slot(
        &mut self,
        cands: &[Candidate],
        first: usize,
        memo: &mut RankMemo<StepKey, StepValue>,
    ) {
        let mut state = None;
        let mut next = Some(first);
        let mut rank = 0;
        while let Some(j) = next {
            let c = &cands[j];
            let before = state.unwrap_or(c.start);
            let q = c.qty;
            let key = [
                self.balance,
                c.c_mult,
                c.qty_step,
                c.price,
                q,
                before.0,
                before.1,
            ]
            .map(f64::to_bits);
            let balance = self.balance;
            self.steps[j] = memo.get_or(c.idx, rank, key, || project_one(balance, c, q, before));
            if let Some((_, after)) = self.steps[j] {
                state = Some(after);
            }
            rank += 1;
            next = self.next_in_slot[j];
        }
    }

    /// Projected position after candidate `j` or its closest contributing predecessor of the
    /// same symbol; `None` if none contributed (the next one then starts from its own `start`).
    fn state_through(&self, mut j: Option<usize>) -> Option<(f64, f64)> {
        while let Some(k) = j {
            if let Some((_, after)) = self.steps[k] {
                return Some(after);
            }
            j = self.prev_in_slot[k];
        }
        None
    }

    /// Projected position of `slot` after all its kept candidates.
    fn slot_state_after_all(&self, slot: usize) -> Option<(f64, f64)> {
        self.state_through(self.last_in_slot[slot])
    }

    /// Recomputes the steps of candidate `from` and the later candidates of its symbol.
    fn reproject_from(&mut self, cands: &[Candidate], from: usize) {
        let mut state = self.state_through(self.prev_in_slot[from]);
        let mut next = Some(from);
        while let Some(j) = next {
            let c = &cands[j];
            let before = state.unwrap_or(c.start);
            self.steps[j] = self.included[j].and_then(|q| project_one(self.balance, c, q, before));
            if let Some((_, after)) = self.steps[j] {
                state = Some(after);
            }
            next = self.next_in_slot[j];
        }
    }

    /// Total exposure of the kept candidates: `twe0` plus each step, in candidate order.
    fn twe(&self) -> f64 {
        self.folded.last().copied().unwrap_or(self.twe0)
    }

    /// Refolds the running total from candidate `from` on: the additions before it are
    /// unchanged, so their partial sum is reused and the sequence of additions is the same.
    fn refold_from(&mut self, from: usize) {
        let mut twe = if from == 0 {
            self.twe0
        } else {
            self.folded[from - 1]
        };
        for j in from..self.steps.len() {
            if let Some((delta, _)) = self.steps[j] {
                twe += delta;
            }
            self.folded[j] = twe;
        }
    }

    fn remove(&mut self, cands: &[Candidate], i: usize) {
        self.included[i] = None;
        self.reproject_from(cands, i);
        self.refold_from(i);
    }

    /// Exposure if candidate `i` (removed) were appended after all kept ones with quantity `q`;
    /// `twe` is [`Self::twe`], `state` the position of `i`'s symbol after the kept ones.
    fn twe_with_extra(
        &self,
        cands: &[Candidate],
        twe: f64,
        state: Option<(f64, f64)>,
        i: usize,
        q: f64,
    ) -> f64 {
        match project_one(self.balance, &cands[i], q, state.unwrap_or(cands[i].start)) {
            Some((delta, _)) => twe + delta,
            None => twe,
        }
    }
}

/// `lo` and `hi` round down to the same multiple of `step`. Used to end the binary search
/// early, exactly: every later `lo` stays within `[lo, hi]` (a midpoint never leaves it) and
/// `round_dn` is monotone, so the rounded result of the full 50 iterations is already known.
fn same_step_cell(lo: f64, hi: f64, step: f64) -> bool {
    floor_exact(lo / step) == floor_exact(hi / step)
}

/// `f64::total_cmp` as an integer key: the standard library's own transformation of the bits,
/// so comparing keys orders exactly as `total_cmp` does.
fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Removal order (furthest from the market first, then symbol, order type id, price, quantity,
/// input position) as one tuple of integers, cheap to compare. It ends on the input position,
/// so it is a total order and any sort gives the same sequence.
type RemovalKey = (Reverse<i64>, usize, u16, i64, i64, usize);

fn removal_key(c: &Candidate, entries: &[GateEntry]) -> RemovalKey {
    (
        Reverse(total_order_key(c.distance)),
        c.idx,
        entries[c.entry].order.order_type.id(),
        total_order_key(c.price),
        total_order_key(c.qty),
        c.entry,
    )
}

/// Buffers of [`gate_entries_by_twel_into`], reused across calls.
#[derive(Debug, Default)]
pub struct GateScratch {
    slots: Vec<usize>,
    candidates: Vec<Candidate>,
    projection: IncrementalProjection,
    order: Vec<(RemovalKey, usize)>,
    /// Per side (the orchestrator gates both sides through one scratch).
    memo: [GateMemo; 2],
}

impl GateScratch {
    pub(crate) fn forget_memos(&mut self) {
        self.memo = Default::default();
    }
}

/// Removes candidates in `order` until the projected exposure is below `cap`, then re-adds the
/// last one removed with the largest quantity that still fits (binary search, rounded down to
/// its qty step), if that is not dust. The kept quantities are in `proj.included`; false when
/// even removing everything leaves the exposure at or above the cap (nothing survives).
fn trim_to_cap(
    proj: &mut IncrementalProjection,
    candidates: &[Candidate],
    order: &[(RemovalKey, usize)],
    mut twe: f64,
    cap: f64,
) -> bool {
    let mut last_removed = None;
    for &(_, i) in order {
        if twe < cap {
            break;
        }
        proj.remove(candidates, i);
        last_removed = Some(i);
        twe = proj.twe();
    }
    if twe >= cap {
        return false;
    }
    if let Some(last) = last_removed {
        let c = candidates[last];
        // The probe is appended after every kept candidate: only its own step varies.
        let state = proj.slot_state_after_all(c.slot);
        let (mut lo, mut hi) = (0.0_f64, c.qty);
        for _ in 0..SEARCH_ITERATIONS {
            if same_step_cell(lo, hi, c.qty_step) {
                break;
            }
            let mid = (lo + hi) / 2.0;
            if proj.twe_with_extra(candidates, twe, state, last, mid) >= cap {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let q_final = round_dn(lo, c.qty_step);
        if q_final > EPS_QTY && q_final + EPS_QTY >= c.min_qty {
            proj.included[last] = Some(q_final);
        }
    }
    true
}

/// Gates one side's entries by TWEL (§8.1). Returns the surviving entries in input order, with
/// possibly one of them reduced; `(idx, order)` with the quantity signed by side.
pub fn gate_entries_by_twel(
    pside: Pside,
    balance: f64,
    total_wallet_exposure_limit: f64,
    positions: &[GatePosition],
    entries: &[GateEntry],
) -> Vec<(usize, Order)> {
    let mut out = Vec::new();
    gate_entries_by_twel_into(
        pside,
        balance,
        total_wallet_exposure_limit,
        positions,
        entries,
        &mut GateScratch::default(),
        &mut out,
    );
    out
}

/// [`gate_entries_by_twel`] into `out` (cleared first), with reused buffers: the orchestrator
/// gates both sides every minute of a backtest.
pub fn gate_entries_by_twel_into(
    pside: Pside,
    balance: f64,
    total_wallet_exposure_limit: f64,
    positions: &[GatePosition],
    entries: &[GateEntry],
    scratch: &mut GateScratch,
    out: &mut Vec<(usize, Order)>,
) {
    out.clear();
    let twel = total_wallet_exposure_limit.max(0.0);
    if !is_pos(balance) || !is_pos(twel) || entries.is_empty() {
        return;
    }
    let cap = twel - EPS_EXPOSURE;
    let twe0 = current_twe(balance, positions);
    if twe0 >= cap {
        return;
    }
    let keep = |e: &GateEntry, min_qty: f64| {
        let (price, qty) = (e.order.price, e.order.qty.abs());
        if !(price.is_finite() && is_pos(price)) || qty.is_nan() || qty <= EPS_QTY {
            return false;
        }
        !(min_qty > EPS_QTY && qty + EPS_QTY < min_qty) && is_pos(e.market_price)
    };
    let distance = |e: &GateEntry| calc_pprice_diff(pside, e.market_price, e.order.price);
    let GateScratch {
        slots,
        candidates,
        projection: proj,
        order,
        memo,
    } = scratch;
    let memo = &mut memo[pside.index()];
    let n_slots = make_candidates_into(positions, entries, keep, distance, slots, memo, candidates);
    if candidates.is_empty() {
        return;
    }
    proj.reset(balance, twe0, candidates, n_slots, &mut memo.steps);
    let twe = proj.twe();
    if twe < cap {
        out.extend(entries.iter().map(|e| (e.idx, e.order)));
        return;
    }
    order.clear();
    order.extend(
        candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (removal_key(c, entries), i)),
    );
    order.sort_unstable();
    let key = TrimMemo::key(balance, twe0, cap);
    match memo.trim.lookup(key, candidates, order) {
        Some(None) => return,
        Some(Some(included)) => proj.included.copy_from_slice(included),
        None => {
            let any = trim_to_cap(proj, candidates, order, twe, cap);
            let included = any.then_some(proj.included.as_slice());
            memo.trim.store(key, candidates, order, included);
            if !any {
                return;
            }
        }
    }
    // Candidates are in entry order: the survivors come out in input order.
    out.extend(candidates.iter().zip(&proj.included).filter_map(|(c, q)| {
        let q = (*q)?;
        let e = &entries[c.entry];
        (q + EPS_QTY >= c.min_qty).then(|| {
            (
                e.idx,
                Order::new(pside.sign() * q, e.order.price, e.order.order_type),
            )
        })
    }));
}

#[cfg(test)]
#[path = "twel_gate_tests.rs"]
mod tests;
