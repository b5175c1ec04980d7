//! TWEL enforcer (§8.2): trims existing positions when total exposure exceeds the limit.
