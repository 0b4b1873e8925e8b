//! End-to-end API stories. Each test starts its own server and database.
#![recursion_limit = "256"]

mod api_client;
mod approval;
mod auth;
mod authz;
mod bench;
mod concurrency;
mod contact;
mod customer;
mod document;
mod errors;
mod field;
mod follow_up;
mod jobs;
mod layout;
mod lead;
mod matrix;
mod notification;
mod operations;
mod opportunity;
mod option_list;
mod org;
mod payment;
mod photo;
mod pool;
mod product;
mod quote;
mod rate_limit;
mod security;
mod surface;
mod visit;
mod webhook;
