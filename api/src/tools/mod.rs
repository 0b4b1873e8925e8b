//! Tools beside the server: the bare no-op server the benchmarks measure their ceiling with.

pub mod noop_server;
