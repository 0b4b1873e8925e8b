//! Kaidan's server: the JSON API, the OpenAPI spec, and the web app's host.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod extract;
pub mod fs_private;
pub mod hosting;
pub mod images;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbound;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tools;
