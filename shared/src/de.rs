//! What JSON Schema says of a value and serde's derives do not enforce by themselves:
//! - whole numbers sent as `162` or `162.0` (JSON Schema's `integer` admits both, so a client that
//!   writes every number as a float is not refused): `#[serde(deserialize_with = "crate::de::int")]`
//!   (or `opt` for an `Option`, with `default`); fractional or out-of-range numbers are refused;
//! - objects are objects: a derived struct also accepts a JSON array of its fields in order, which
//!   the schema (`type: object`) does not; `deserialize_with = "crate::de::object"` refuses it.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

fn to<T: TryFrom<i64>, E: Error>(n: serde_json::Number) -> Result<T, E> {
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_991.0)
                .map(|f| f as i64)
        })
        .and_then(|i| T::try_from(i).ok())
        .ok_or_else(|| E::custom("expected a whole number in range"))
}

pub fn int<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
    to(serde_json::Number::deserialize(d)?)
}

pub fn opt<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        Some(n) => to(n).map(Some),
        None => Ok(None),
    }
}

/// [`int`] for a [`crate::Patch`] field (with `default`): absent keeps, `null` clears, a whole
/// number sets.
pub fn patch_int<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
    d: D,
) -> Result<crate::Patch<T>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        Some(n) => to(n).map(crate::Patch::Value),
        None => Ok(crate::Patch::Null),
    }
}

/// A struct that must come as a JSON object (not as an array of its fields).
pub fn object<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<T, D::Error> {
    let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
    serde_json::from_value(serde_json::Value::Object(map)).map_err(D::Error::custom)
}

/// [`object`] for an optional field (with `default`).
pub fn opt_object<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    match Option::<serde_json::Map<String, serde_json::Value>>::deserialize(d)? {
        Some(map) => serde_json::from_value(serde_json::Value::Object(map))
            .map(Some)
            .map_err(D::Error::custom),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct S {
        #[serde(deserialize_with = "super::int")]
        a: u32,
        #[serde(default, deserialize_with = "super::opt")]
        b: Option<u8>,
    }

    #[test]
    fn floats_with_no_fraction_are_whole_numbers() {
        let s: S = serde_json::from_str(r#"{"a": 2276.0, "b": 50}"#).unwrap();
        assert_eq!((s.a, s.b), (2276, Some(50)));
        assert!(serde_json::from_str::<S>(r#"{"a": 1.5}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"a": -1}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"a": 1, "b": 300}"#).is_err());
        let s: S = serde_json::from_str(r#"{"a": 1}"#).unwrap();
        assert_eq!(s.b, None);
    }

    #[derive(Deserialize)]
    struct Outer {
        #[serde(deserialize_with = "super::object")]
        inner: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        #[serde(default)]
        x: Option<u8>,
    }

    #[test]
    fn objects_must_be_objects() {
        assert!(serde_json::from_str::<Outer>(r#"{"inner": [null]}"#).is_err());
        let o: Outer = serde_json::from_str(r#"{"inner": {"x": 3}}"#).unwrap();
        assert_eq!(o.inner.x, Some(3));
    }
}
