//! Background work of `kaidan serve`.

pub mod cleanup;
