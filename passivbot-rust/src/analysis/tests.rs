//! Hand-computed cases of §12 (numbers worked out from the definitions, not by running the code).

use super::*;

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
