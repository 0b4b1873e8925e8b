//! `Patch<T>`: one field of a partial update (a PATCH body), which has three states where
//! `Option` has two — absent (leave it), `null` (clear it) and a value (set it).
//!
//! One field, two attribute lines, whatever the module (`inline`, because utoipa names a
//! referenced generic by its arguments' schema names, and `Patch<Uuid>` and `Patch<String>` would
//! both become `Patch_String`; a `Patch<Uuid>` says `value_type = Option<Uuid>` instead, which
//! keeps the `uuid` format):
//!
//! ```
//! use kaidan_shared::patch::Patch;
//! #[derive(serde::Deserialize, serde::Serialize, Default)]
//! struct NoteUpdate {
//!     #[serde(default, skip_serializing_if = "Patch::is_absent")]
//!     notes: Patch<String>,
//! }
//! let u: NoteUpdate = serde_json::from_str(r#"{"notes": null}"#).unwrap();
//! assert_eq!(u.notes, Patch::Null);
//! ```
//!
//! In the OpenAPI spec a `Patch<T>` field is T's schema made nullable and not required.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// The field was not in the body: keep the stored value.
    #[default]
    Absent,
    /// The field was `null`: clear the stored value.
    Null,
    /// The field has a value: store it.
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The new value, when the field sets one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(v),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(f(v)),
        }
    }

    /// `None` when absent, else the new state of the optional field.
    pub fn into_change(self) -> Option<Option<T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }

    /// Writes the change into an optional field, through `f` (trimming, say).
    pub fn apply_with<U>(self, target: &mut Option<U>, f: impl FnOnce(T) -> Option<U>) {
        match self {
            Patch::Absent => {}
            Patch::Null => *target = None,
            Patch::Value(v) => *target = f(v),
        }
    }

    /// The field's state after the change, given its current state.
    pub fn or_current<'a>(&'a self, current: Option<&'a T>) -> Option<&'a T> {
        match self {
            Patch::Absent => current,
            Patch::Null => None,
            Patch::Value(v) => Some(v),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets, `None` clears (a form's empty input clears the field).
    fn from(o: Option<T>) -> Self {
        o.map_or(Patch::Null, Patch::Value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        // Reached only when the key is present (absent keys take `Default`).
        Option::<T>::deserialize(de).map(Into::into)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Value(v) => v.serialize(s),
            // Absent is skipped by `skip_serializing_if`; if it is not, null is the safe reading
            // only for Null, so say so in debug builds.
            Patch::Absent | Patch::Null => {
                debug_assert!(!self.is_absent(), "Patch::Absent needs skip_serializing_if");
                s.serialize_none()
            }
        }
    }
}

/// The schema of `T`, nullable: `type: [string, "null"]` for a plain type, `oneOf: [null, $ref]`
/// for a named one (as utoipa writes `Option<T>`).
#[cfg(feature = "openapi")]
impl<T: utoipa::__dev::ComposeSchema> utoipa::__dev::ComposeSchema for Patch<T> {
    fn compose(
        generics: Vec<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{Schema, SchemaType, Type};
        use utoipa::openapi::RefOr;
        let inner = generics
            .first()
            .cloned()
            .unwrap_or_else(|| T::compose(Vec::new()));
        match inner {
            RefOr::T(Schema::Object(mut o)) => {
                o.schema_type = match o.schema_type {
                    SchemaType::Type(t) => SchemaType::Array(vec![t, Type::Null]),
                    SchemaType::Array(mut ts) => {
                        if !ts.contains(&Type::Null) {
                            ts.push(Type::Null);
                        }
                        SchemaType::Array(ts)
                    }
                    SchemaType::AnyValue => SchemaType::AnyValue,
                };
                RefOr::T(Schema::Object(o))
            }
            other => <Option<T> as utoipa::__dev::ComposeSchema>::compose(vec![other]),
        }
    }
}

#[cfg(feature = "openapi")]
impl<T: utoipa::ToSchema + utoipa::__dev::ComposeSchema> utoipa::ToSchema for Patch<T> {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        T::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Deserialize, Serialize, PartialEq)]
    struct U {
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        a: Patch<String>,
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        b: Patch<i64>,
    }

    #[test]
    fn three_states_round_trip() {
        let u: U = serde_json::from_str(r#"{"a": null, "b": 3}"#).unwrap();
        assert_eq!(u.a, Patch::Null);
        assert_eq!(u.b, Patch::Value(3));
        assert_eq!(serde_json::to_string(&u).unwrap(), r#"{"a":null,"b":3}"#);
        let empty: U = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, U::default());
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
    }

    #[test]
    fn applies_to_an_optional_field() {
        let mut f = Some("old".to_owned());
        Patch::<String>::Absent.apply_with(&mut f, Some);
        assert_eq!(f.as_deref(), Some("old"));
        Patch::Value(" x ".to_owned()).apply_with(&mut f, |v| Some(v.trim().to_owned()));
        assert_eq!(f.as_deref(), Some("x"));
        Patch::<String>::Null.apply_with(&mut f, Some);
        assert_eq!(f, None);
    }

    #[test]
    fn wrong_type_is_refused() {
        assert!(serde_json::from_str::<U>(r#"{"b": "three"}"#).is_err());
    }
}
