//! Sources: turning bytes from outside into [`Advisory`] values.
//!
//! This part: local files in the text advisory format, JSON advisories, and HTML
//! bodies made plain. Failure policy: every rejection is a [`ParseError`] that says why;
//! nothing here panics on any input.

pub mod cap;
pub mod dates;
pub mod decode;
pub mod feed;
pub mod html;
pub mod json;
pub mod poll;
pub mod text;

use std::io::Read;
use std::path::Path;

use crate::advisory::Advisory;

/// Source name of advisories read from local files that do not declare one.
pub const LOCAL_SOURCE: &str = "local";

/// Default cap on one advisory's size.
/// Longest a parse of one received document may take before the caller gives up on it.
pub const PARSE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// Run a parser on a blocking thread with [`PARSE_DEADLINE`], so a large or hostile document
/// never holds the async threads that answer the API and feed the watchdog. Parsers are linear
/// with depth and size caps, so the deadline is a backstop.
pub async fn off_runtime<T: Send + 'static, E: Send + 'static>(
    bytes: Vec<u8>,
    parse: impl FnOnce(Vec<u8>) -> Result<T, E> + Send + 'static,
) -> Result<Result<T, E>, Stalled> {
    match tokio::time::timeout(PARSE_DEADLINE, tokio::task::spawn_blocking(move || parse(bytes))).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(Stalled::Failed(e.to_string())),
        Err(_) => Err(Stalled::Deadline(PARSE_DEADLINE.as_secs())),
    }
}

/// A parse that never gave an answer: its thread failed, or it passed [`PARSE_DEADLINE`].
#[derive(Debug, thiserror::Error)]
pub enum Stalled {
    #[error("parser failed: {0}")]
    Failed(String),
    #[error("parsing took longer than {0} s")]
    Deadline(u64),
}

pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("empty advisory (no text)")]
    Empty,
    #[error("binary content, not an advisory (NUL or control bytes)")]
    Binary,
    #[error("too large: {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("invalid JSON advisory: {0}")]
    Json(String),
    #[error("unknown country {0:?} (use an ISO 3166-1 alpha-2 code or an English name)")]
    UnknownCountry(String),
    #[error("invalid CAP alert: {0}")]
    Cap(String),
    #[error("invalid feed: {0}")]
    Feed(String),
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
}

/// Read one advisory file (text format, or JSON when it starts with `{`), at most `limit` bytes.
pub fn read_file(path: &Path, limit: u64) -> Result<Advisory, ParseError> {
    // Not the path: the same advisory dropped twice under two names is one advisory.
    parse_bytes(&read_limited(path, limit)?, LOCAL_SOURCE)
}

/// Read a file that may hold several advisories: an RSS or Atom feed gives one per item,
/// anything else exactly one (as [`read_file`]).
pub fn read_all(path: &Path, limit: u64) -> Result<Vec<Advisory>, ParseError> {
    parse_all(&read_limited(path, limit)?, LOCAL_SOURCE)
}

/// [`parse_bytes`], except that an RSS or Atom feed gives one advisory per item. A feed
/// without a single item with text is an error, so nothing is accepted silently.
pub fn parse_all(bytes: &[u8], source: &str) -> Result<Vec<Advisory>, ParseError> {
    if feed::looks_like_feed(bytes) {
        let items = feed::parse(bytes, source)?;
        if items.is_empty() {
            return Err(ParseError::Feed("the feed has no item with a title or text".into()));
        }
        Ok(items)
    } else {
        parse_bytes(bytes, source).map(|a| vec![a])
    }
}

/// The bytes of a file, refused when larger than `limit`.
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ParseError> {
    let io = |e: std::io::Error| ParseError::Io { path: path.display().to_string(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(ParseError::TooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Read one byte past the limit so a file that grows while being read is still refused.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ParseError::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// Parse advisory bytes whose format is sniffed: JSON objects start with `{`, CAP alerts carry
/// the CAP namespace, anything else is the text format.
pub fn parse_bytes(bytes: &[u8], source: &str) -> Result<Advisory, ParseError> {
    let trimmed = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = trimmed.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        json::parse(trimmed, source)
    } else if cap::looks_like_cap(trimmed) {
        cap::parse(trimmed).map(|(adv, _)| adv)
    } else {
        text::parse(bytes, source)
    }
}
