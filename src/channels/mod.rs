//! Channels: email (SMTP or files) and webhooks. A channel takes a rendered alert and an
//! address and answers delivered, or failed transiently (retry, maybe after a delay), or failed
//! permanently. Channels never read the store: the outbox hands them everything.

pub mod email;
pub mod links;
pub mod payload;
pub mod render;
pub mod ssrf;
pub mod webhook;

use std::time::Duration;

/// Why a delivery failed, and whether it is worth retrying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("transient: {message}")]
    Transient { message: String, retry_after: Option<Duration> },
    #[error("permanent: {message}")]
    Permanent { message: String },
    /// The endpoint says it is gone for good (HTTP 410): disable it.
    #[error("gone: {message}")]
    Gone { message: String },
}

impl DeliveryError {
    pub fn transient(message: impl Into<String>) -> Self {
        DeliveryError::Transient { message: message.into(), retry_after: None }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError::Permanent { message: message.into() }
    }
}
