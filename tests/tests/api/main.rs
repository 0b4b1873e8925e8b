//! End-to-end API stories. Each test starts its own server and database.

mod auth;
mod authz;
mod bench;
mod concurrency;
mod customers;
mod errors;
mod matrix;
mod operations;
mod org;
mod security;
mod surface;
