//! Admin → 开放平台: the systems that call the API with client credentials.

pub mod list;
