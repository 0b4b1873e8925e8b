//! Admin → 事件推送: webhook subscriptions of API clients and their delivery log.

pub mod list;
