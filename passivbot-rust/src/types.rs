//! Core data types shared by the order logic, the orchestrator and the backtester.
//!
//! Names follow passivbot v7 (`pside`, `psize`/`pprice`, WEL/TWEL); quantities are signed:
//! long entries and short closes buy (`qty > 0`), long closes and short entries sell (`qty < 0`).

use serde::{Deserialize, Serialize};

/// Position side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pside {
    Long = 0,
    Short = 1,
}

impl Pside {
    pub const BOTH: [Pside; 2] = [Pside::Long, Pside::Short];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Pside::Long => "long",
            Pside::Short => "short",
        }
    }

    /// +1 for long, -1 for short: the sign of an entry quantity.
    pub fn sign(self) -> f64 {
        match self {
            Pside::Long => 1.0,
            Pside::Short => -1.0,
        }
    }
}

/// Per-coin market filters (Binance names: tickSize, stepSize, minQty, minNotional, contractSize).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeParams {
    pub qty_step: f64,
    pub price_step: f64,
    pub min_qty: f64,
    pub min_cost: f64,
    pub c_mult: f64,
}

/// A position: `size > 0` long, `size < 0` short, `price` = average entry price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub size: f64,
    pub price: f64,
}

/// Best bid/ask. In the backtester both equal the current close.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderBook {
    pub bid: f64,
    pub ask: f64,
}

/// Min/max of the three close EMAs of one side.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EmaBands {
    pub upper: f64,
    pub lower: f64,
}

/// Market state handed to the per-position entry and close functions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StateParams {
    pub balance: f64,
    pub order_book: OrderBook,
    pub ema_bands: EmaBands,
    pub entry_volatility_logrange_ema_1h: f64,
}

/// Price extremes since the position was last changed (§4 of the core spec).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailingBundle {
    pub min_since_open: f64,
    pub max_since_min: f64,
    pub max_since_open: f64,
    pub min_since_max: f64,
}

impl Default for TrailingBundle {
    fn default() -> Self {
        TrailingBundle {
            min_since_open: f64::MAX,
            max_since_min: 0.0,
            max_since_open: 0.0,
            min_since_max: f64::MAX,
        }
    }
}

/// Every order the bot can emit. The numeric ids are part of the compatibility surface: they are
/// tie-breakers in several sorts and appear in the Python API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u16)]
pub enum OrderType {
    EntryInitialNormalLong = 0,
    EntryInitialPartialLong = 1,
    EntryTrailingNormalLong = 2,
    EntryTrailingCroppedLong = 3,
    EntryGridNormalLong = 4,
    EntryGridCroppedLong = 5,
    EntryGridInflatedLong = 6,
    CloseGridLong = 7,
    CloseTrailingLong = 8,
    CloseUnstuckLong = 9,
    CloseAutoReduceTwelLong = 10,
    EntryInitialNormalShort = 11,
    EntryInitialPartialShort = 12,
    EntryTrailingNormalShort = 13,
    EntryTrailingCroppedShort = 14,
    EntryGridNormalShort = 15,
    EntryGridCroppedShort = 16,
    EntryGridInflatedShort = 17,
    CloseGridShort = 18,
    CloseTrailingShort = 19,
    CloseUnstuckShort = 20,
    CloseAutoReduceTwelShort = 21,
    ClosePanicLong = 22,
    ClosePanicShort = 23,
    CloseAutoReduceWelLong = 24,
    CloseAutoReduceWelShort = 25,
    #[default]
    Empty = 65535,
}

impl OrderType {
    pub const ALL: [OrderType; 27] = [
        OrderType::EntryInitialNormalLong,
        OrderType::EntryInitialPartialLong,
        OrderType::EntryTrailingNormalLong,
        OrderType::EntryTrailingCroppedLong,
        OrderType::EntryGridNormalLong,
        OrderType::EntryGridCroppedLong,
        OrderType::EntryGridInflatedLong,
        OrderType::CloseGridLong,
        OrderType::CloseTrailingLong,
        OrderType::CloseUnstuckLong,
        OrderType::CloseAutoReduceTwelLong,
        OrderType::EntryInitialNormalShort,
        OrderType::EntryInitialPartialShort,
        OrderType::EntryTrailingNormalShort,
        OrderType::EntryTrailingCroppedShort,
        OrderType::EntryGridNormalShort,
        OrderType::EntryGridCroppedShort,
        OrderType::EntryGridInflatedShort,
        OrderType::CloseGridShort,
        OrderType::CloseTrailingShort,
        OrderType::CloseUnstuckShort,
        OrderType::CloseAutoReduceTwelShort,
        OrderType::ClosePanicLong,
        OrderType::ClosePanicShort,
        OrderType::CloseAutoReduceWelLong,
        OrderType::CloseAutoReduceWelShort,
        OrderType::Empty,
    ];

    pub fn id(self) -> u16 {
        self as u16
    }

    pub fn from_id(id: u16) -> Option<OrderType> {
        OrderType::ALL.iter().copied().find(|t| t.id() == id)
    }

    pub fn as_snake(self) -> &'static str {
        use OrderType::*;
        match self {
            EntryInitialNormalLong => "entry_initial_normal_long",
            EntryInitialPartialLong => "entry_initial_partial_long",
            EntryTrailingNormalLong => "entry_trailing_normal_long",
            EntryTrailingCroppedLong => "entry_trailing_cropped_long",
            EntryGridNormalLong => "entry_grid_normal_long",
            EntryGridCroppedLong => "entry_grid_cropped_long",
            EntryGridInflatedLong => "entry_grid_inflated_long",
            CloseGridLong => "close_grid_long",
            CloseTrailingLong => "close_trailing_long",
            CloseUnstuckLong => "close_unstuck_long",
            CloseAutoReduceTwelLong => "close_auto_reduce_twel_long",
            EntryInitialNormalShort => "entry_initial_normal_short",
            EntryInitialPartialShort => "entry_initial_partial_short",
            EntryTrailingNormalShort => "entry_trailing_normal_short",
            EntryTrailingCroppedShort => "entry_trailing_cropped_short",
            EntryGridNormalShort => "entry_grid_normal_short",
            EntryGridCroppedShort => "entry_grid_cropped_short",
            EntryGridInflatedShort => "entry_grid_inflated_short",
            CloseGridShort => "close_grid_short",
            CloseTrailingShort => "close_trailing_short",
            CloseUnstuckShort => "close_unstuck_short",
            CloseAutoReduceTwelShort => "close_auto_reduce_twel_short",
            ClosePanicLong => "close_panic_long",
            ClosePanicShort => "close_panic_short",
            CloseAutoReduceWelLong => "close_auto_reduce_wel_long",
            CloseAutoReduceWelShort => "close_auto_reduce_wel_short",
            Empty => "empty",
        }
    }

    pub fn from_snake(name: &str) -> Option<OrderType> {
        OrderType::ALL
            .iter()
            .copied()
            .find(|t| t.as_snake() == name)
    }

    /// Closes are reduce-only and go to the close list.
    pub fn is_close(self) -> bool {
        matches!(self.id(), 7..=10 | 18..=25)
    }

    pub fn is_entry(self) -> bool {
        matches!(self.id(), 0..=6 | 11..=17)
    }

    /// Side used by the analysis (ids 0–10, 22, 24 are long).
    pub fn is_long(self) -> bool {
        matches!(self.id(), 0..=10 | 22 | 24)
    }

    pub fn is_trailing_entry(self) -> bool {
        use OrderType::*;
        matches!(
            self,
            EntryTrailingNormalLong
                | EntryTrailingCroppedLong
                | EntryTrailingNormalShort
                | EntryTrailingCroppedShort
        )
    }

    pub fn is_initial_entry(self) -> bool {
        use OrderType::*;
        matches!(
            self,
            EntryInitialNormalLong
                | EntryInitialPartialLong
                | EntryInitialNormalShort
                | EntryInitialPartialShort
        )
    }
}

/// The side-specific variants of each order kind, so side-generic code can name them once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    EntryInitialNormal,
    EntryInitialPartial,
    EntryTrailingNormal,
    EntryTrailingCropped,
    EntryGridNormal,
    EntryGridCropped,
    EntryGridInflated,
    CloseGrid,
    CloseTrailing,
    CloseUnstuck,
    CloseAutoReduceTwel,
    ClosePanic,
    CloseAutoReduceWel,
}

impl OrderKind {
    pub fn for_side(self, pside: Pside) -> OrderType {
        use OrderKind as K;
        use OrderType as T;
        match (self, pside) {
            (K::EntryInitialNormal, Pside::Long) => T::EntryInitialNormalLong,
            (K::EntryInitialPartial, Pside::Long) => T::EntryInitialPartialLong,
            (K::EntryTrailingNormal, Pside::Long) => T::EntryTrailingNormalLong,
            (K::EntryTrailingCropped, Pside::Long) => T::EntryTrailingCroppedLong,
            (K::EntryGridNormal, Pside::Long) => T::EntryGridNormalLong,
            (K::EntryGridCropped, Pside::Long) => T::EntryGridCroppedLong,
            (K::EntryGridInflated, Pside::Long) => T::EntryGridInflatedLong,
            (K::CloseGrid, Pside::Long) => T::CloseGridLong,
            (K::CloseTrailing, Pside::Long) => T::CloseTrailingLong,
            (K::CloseUnstuck, Pside::Long) => T::CloseUnstuckLong,
            (K::CloseAutoReduceTwel, Pside::Long) => T::CloseAutoReduceTwelLong,
            (K::ClosePanic, Pside::Long) => T::ClosePanicLong,
            (K::CloseAutoReduceWel, Pside::Long) => T::CloseAutoReduceWelLong,
            (K::EntryInitialNormal, Pside::Short) => T::EntryInitialNormalShort,
            (K::EntryInitialPartial, Pside::Short) => T::EntryInitialPartialShort,
            (K::EntryTrailingNormal, Pside::Short) => T::EntryTrailingNormalShort,
            (K::EntryTrailingCropped, Pside::Short) => T::EntryTrailingCroppedShort,
            (K::EntryGridNormal, Pside::Short) => T::EntryGridNormalShort,
            (K::EntryGridCropped, Pside::Short) => T::EntryGridCroppedShort,
            (K::EntryGridInflated, Pside::Short) => T::EntryGridInflatedShort,
            (K::CloseGrid, Pside::Short) => T::CloseGridShort,
            (K::CloseTrailing, Pside::Short) => T::CloseTrailingShort,
            (K::CloseUnstuck, Pside::Short) => T::CloseUnstuckShort,
            (K::CloseAutoReduceTwel, Pside::Short) => T::CloseAutoReduceTwelShort,
            (K::ClosePanic, Pside::Short) => T::ClosePanicShort,
            (K::CloseAutoReduceWel, Pside::Short) => T::CloseAutoReduceWelShort,
        }
    }
}

/// One order: signed quantity, limit price, type.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Order {
    pub qty: f64,
    pub price: f64,
    pub order_type: OrderType,
}

impl Order {
    pub fn new(qty: f64, price: f64, order_type: OrderType) -> Self {
        Order {
            qty,
            price,
            order_type,
        }
    }

    /// The "no order" value of the reference: `{0, 0, Empty}`.
    pub fn empty() -> Self {
        Order::default()
    }
}

/// Per-coin, per-side strategy parameters: the 38 fields of passivbot v7.7's `BotParams`.
/// Field order follows the reference's JSON/serde order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotParams {
    pub close_grid_markup_end: f64,
    pub close_grid_markup_start: f64,
    pub close_grid_qty_pct: f64,
    pub close_trailing_retracement_pct: f64,
    pub close_trailing_grid_ratio: f64,
    pub close_trailing_qty_pct: f64,
    pub close_trailing_threshold_pct: f64,
    pub entry_grid_double_down_factor: f64,
    pub entry_grid_spacing_volatility_weight: f64,
    pub entry_grid_spacing_we_weight: f64,
    pub entry_grid_spacing_pct: f64,
    pub entry_volatility_ema_span_hours: f64,
    pub entry_initial_ema_dist: f64,
    pub entry_initial_qty_pct: f64,
    pub entry_trailing_double_down_factor: f64,
    pub entry_trailing_retracement_pct: f64,
    pub entry_trailing_retracement_we_weight: f64,
    pub entry_trailing_retracement_volatility_weight: f64,
    pub entry_trailing_grid_ratio: f64,
    pub entry_trailing_threshold_pct: f64,
    pub entry_trailing_threshold_we_weight: f64,
    pub entry_trailing_threshold_volatility_weight: f64,
    pub filter_volatility_ema_span: f64,
    pub filter_volatility_drop_pct: f64,
    pub filter_volume_ema_span: f64,
    pub filter_volume_drop_pct: f64,
    pub ema_span_0: f64,
    pub ema_span_1: f64,
    pub n_positions: usize,
    pub total_wallet_exposure_limit: f64,
    pub wallet_exposure_limit: f64,
    pub risk_wel_enforcer_threshold: f64,
    pub risk_twel_enforcer_threshold: f64,
    pub risk_we_excess_allowance_pct: f64,
    pub unstuck_close_pct: f64,
    pub unstuck_ema_dist: f64,
    pub unstuck_loss_allowance_pct: f64,
    pub unstuck_threshold: f64,
}

impl BotParams {
    /// Names and values of every float field, in declaration order (for validation messages).
    pub fn float_fields(&self) -> [(&'static str, f64); 37] {
        [
            ("close_grid_markup_end", self.close_grid_markup_end),
            ("close_grid_markup_start", self.close_grid_markup_start),
            ("close_grid_qty_pct", self.close_grid_qty_pct),
            (
                "close_trailing_retracement_pct",
                self.close_trailing_retracement_pct,
            ),
            ("close_trailing_grid_ratio", self.close_trailing_grid_ratio),
            ("close_trailing_qty_pct", self.close_trailing_qty_pct),
            (
                "close_trailing_threshold_pct",
                self.close_trailing_threshold_pct,
            ),
            (
                "entry_grid_double_down_factor",
                self.entry_grid_double_down_factor,
            ),
            (
                "entry_grid_spacing_volatility_weight",
                self.entry_grid_spacing_volatility_weight,
            ),
            (
                "entry_grid_spacing_we_weight",
                self.entry_grid_spacing_we_weight,
            ),
            ("entry_grid_spacing_pct", self.entry_grid_spacing_pct),
            (
                "entry_volatility_ema_span_hours",
                self.entry_volatility_ema_span_hours,
            ),
            ("entry_initial_ema_dist", self.entry_initial_ema_dist),
            ("entry_initial_qty_pct", self.entry_initial_qty_pct),
            (
                "entry_trailing_double_down_factor",
                self.entry_trailing_double_down_factor,
            ),
            (
                "entry_trailing_retracement_pct",
                self.entry_trailing_retracement_pct,
            ),
            (
                "entry_trailing_retracement_we_weight",
                self.entry_trailing_retracement_we_weight,
            ),
            (
                "entry_trailing_retracement_volatility_weight",
                self.entry_trailing_retracement_volatility_weight,
            ),
            ("entry_trailing_grid_ratio", self.entry_trailing_grid_ratio),
            (
                "entry_trailing_threshold_pct",
                self.entry_trailing_threshold_pct,
            ),
            (
                "entry_trailing_threshold_we_weight",
                self.entry_trailing_threshold_we_weight,
            ),
            (
                "entry_trailing_threshold_volatility_weight",
                self.entry_trailing_threshold_volatility_weight,
            ),
            (
                "filter_volatility_ema_span",
                self.filter_volatility_ema_span,
            ),
            (
                "filter_volatility_drop_pct",
                self.filter_volatility_drop_pct,
            ),
            ("filter_volume_ema_span", self.filter_volume_ema_span),
            ("filter_volume_drop_pct", self.filter_volume_drop_pct),
            ("ema_span_0", self.ema_span_0),
            ("ema_span_1", self.ema_span_1),
            (
                "total_wallet_exposure_limit",
                self.total_wallet_exposure_limit,
            ),
            ("wallet_exposure_limit", self.wallet_exposure_limit),
            (
                "risk_wel_enforcer_threshold",
                self.risk_wel_enforcer_threshold,
            ),
            (
                "risk_twel_enforcer_threshold",
                self.risk_twel_enforcer_threshold,
            ),
            (
                "risk_we_excess_allowance_pct",
                self.risk_we_excess_allowance_pct,
            ),
            ("unstuck_close_pct", self.unstuck_close_pct),
            ("unstuck_ema_dist", self.unstuck_ema_dist),
            (
                "unstuck_loss_allowance_pct",
                self.unstuck_loss_allowance_pct,
            ),
            ("unstuck_threshold", self.unstuck_threshold),
        ]
    }

    /// Name of the first non-finite float field, if any.
    pub fn first_non_finite(&self) -> Option<&'static str> {
        self.float_fields()
            .into_iter()
            .find(|(_, v)| !v.is_finite())
            .map(|(k, _)| k)
    }
}

/// Long and short parameters of one coin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotParamsPair {
    pub long: BotParams,
    pub short: BotParams,
}

impl BotParamsPair {
    pub fn side(&self, pside: Pside) -> &BotParams {
        match pside {
            Pside::Long => &self.long,
            Pside::Short => &self.short,
        }
    }
}

/// One fill of the backtest, in processing order (the 18 columns of the reference's fills array).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fill {
    /// Absolute minute index `k` of the fill.
    pub index: usize,
    pub timestamp_ms: i64,
    pub coin_idx: usize,
    /// Realised PnL (0 for entries).
    pub pnl: f64,
    /// Negative = cost.
    pub fee_paid: f64,
    pub usd_total_balance: f64,
    pub btc_cash_wallet: f64,
    pub usd_cash_wallet: f64,
    pub btc_price: f64,
    /// Signed fill quantity.
    pub qty: f64,
    pub price: f64,
    /// Position size and price after the fill.
    pub psize: f64,
    pub pprice: f64,
    pub order_type: OrderType,
    /// This position's wallet exposure after the fill, signed (short negative).
    pub wallet_exposure: f64,
    pub twe_long: f64,
    /// ≤ 0.
    pub twe_short: f64,
    pub twe_net: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_type_ids_round_trip() {
        for t in OrderType::ALL {
            assert_eq!(OrderType::from_id(t.id()), Some(t));
            assert_eq!(OrderType::from_snake(t.as_snake()), Some(t));
        }
        assert_eq!(OrderType::from_id(26), None);
        assert_eq!(OrderType::from_snake("close_grid"), None);
    }

    #[test]
    fn order_type_classes() {
        assert!(OrderType::CloseAutoReduceWelShort.is_close());
        assert!(!OrderType::CloseAutoReduceWelShort.is_long());
        assert!(OrderType::ClosePanicLong.is_long());
        assert!(OrderType::EntryGridInflatedShort.is_entry());
        assert!(!OrderType::Empty.is_close() && !OrderType::Empty.is_entry());
        let closes = OrderType::ALL.iter().filter(|t| t.is_close()).count();
        let entries = OrderType::ALL.iter().filter(|t| t.is_entry()).count();
        assert_eq!((closes, entries), (12, 14));
    }

    #[test]
    fn kind_maps_to_matching_side() {
        for pside in Pside::BOTH {
            let t = OrderKind::CloseAutoReduceWel.for_side(pside);
            assert_eq!(t.is_long(), pside == Pside::Long);
        }
    }

    #[test]
    fn default_trailing_bundle_is_the_reset_value() {
        let tb = TrailingBundle::default();
        assert_eq!(tb.min_since_open, f64::MAX);
        assert_eq!(tb.max_since_open, 0.0);
    }
}
