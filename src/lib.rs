//! tripwatch: a travel-security alerting daemon.
//!
//! Pipeline: `sources` → [`advisory::Advisory`] → `detect` → [`detect::Detection`]s → route →
//! outbox → channels. See `ARCHITECTURE.md` for the code map and invariants.

pub mod advisory;
pub mod api;
pub mod app;
pub mod channels;
pub mod config;
pub mod detect;
pub mod outbox;
pub mod route;
pub mod sources;
pub mod store;
