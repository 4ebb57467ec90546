//! The clock every part of tripwatch reads: `--as-of` when a command replays a moment,
//! else `TRIPWATCH_NOW` (reproducible runs and tests), else the system clock.

use anyhow::Context as _;

/// Environment variable naming a crash-test failpoint (builds with the `failpoints` feature
/// only): `before_commit`, `abort_after_send:N`.
pub const FAILPOINT_ENV: &str = "TRIPWATCH_FAILPOINT";

/// Environment variable that fixes the clock (RFC 3339), for reproducible runs and tests.
pub const NOW_ENV: &str = "TRIPWATCH_NOW";

static AS_OF: std::sync::OnceLock<jiff::Timestamp> = std::sync::OnceLock::new();

/// Replay as of a moment (`--as-of`): every clock read in this process returns it. For
/// exercises and for running old advisories against the trips of their time.
pub fn set_as_of(t: jiff::Timestamp) {
    let _ = AS_OF.set(t);
}

/// The moment `--as-of` fixed, if any.
pub fn as_of() -> Option<jiff::Timestamp> {
    AS_OF.get().copied()
}

/// Parse an `--as-of` value: an RFC 3339 timestamp, or a date (then midday UTC).
pub fn parse_as_of(s: &str) -> anyhow::Result<jiff::Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let d: jiff::civil::Date =
        s.parse().with_context(|| format!("--as-of {s:?}: use a date (2022-01-06) or an RFC 3339 time"))?;
    Ok(d.at(12, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
}

/// The current time: `--as-of` if given, else the time fixed by `TRIPWATCH_NOW`, else the clock.
pub fn now() -> anyhow::Result<jiff::Timestamp> {
    if let Some(t) = as_of() {
        return Ok(t);
    }
    match std::env::var(NOW_ENV) {
        Ok(s) => s.parse().with_context(|| format!("{NOW_ENV}={s:?} is not an RFC 3339 timestamp")),
        Err(_) => Ok(jiff::Timestamp::now()),
    }
}
