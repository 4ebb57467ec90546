//! State of polled sources: validators for conditional GET, last success and error, counts.

use super::db::params;
use jiff::Timestamp;
use serde::Serialize;

use super::{Store, StoreError};

/// One source's state.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct SourceState {
    pub name: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub items_seen: i64,
    pub failures: i64,
    pub next_run: i64,
}

impl Store {
    pub fn source_state(&self, name: &str) -> Result<SourceState, StoreError> {
        let row = self.db.query_opt(
                "SELECT etag, last_modified, last_success, last_error, last_error_at, items_seen, failures, next_run FROM sources WHERE name = ?1",
            &params![name], |r| {
                Ok(SourceState {
                    name: name.to_owned(),
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                    last_success: r.get(2)?,
                    last_error: r.get(3)?,
                    last_error_at: r.get(4)?,
                    items_seen: r.get(5)?,
                    failures: r.get(6)?,
                    next_run: r.get(7)?,
                })
            })?;
        Ok(row.unwrap_or(SourceState { name: name.to_owned(), ..Default::default() }))
    }

    pub fn sources(&self) -> Result<Vec<SourceState>, StoreError> {
        let names: Vec<String> =
            self.db.query_map("SELECT name FROM sources ORDER BY name", &[], |r| r.get(0))?;
        names.iter().map(|n| self.source_state(n)).collect()
    }

    /// Make `name` due now: the daemon polls it within a second, whatever its schedule or
    /// backoff said.
    pub fn source_poll_now(&mut self, name: &str, now: Timestamp) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO sources (name, next_run) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET next_run = ?2",
            &params![name, now.as_second()],
        )?;
        Ok(())
    }

    /// Record a successful poll.
    pub fn source_ok(
        &mut self,
        name: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        items: i64,
        now: Timestamp,
        next: Timestamp,
    ) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO sources (name, etag, last_modified, last_success, items_seen, failures, next_run) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)
             ON CONFLICT (name) DO UPDATE SET etag = COALESCE(excluded.etag, sources.etag), last_modified = COALESCE(excluded.last_modified, sources.last_modified),
               last_success = excluded.last_success, items_seen = sources.items_seen + excluded.items_seen, failures = 0, next_run = excluded.next_run",
            &params![name, etag, last_modified, now.as_second(), items, next.as_second()],
        )?;
        Ok(())
    }

    /// Record a failed poll; returns the number of consecutive failures.
    pub fn source_failed(
        &mut self,
        name: &str,
        error: &str,
        now: Timestamp,
        next: Timestamp,
    ) -> Result<i64, StoreError> {
        self.db.execute(
            "INSERT INTO sources (name, last_error, last_error_at, failures, next_run) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,
               failures = sources.failures + 1, next_run = excluded.next_run",
            &params![name, crate::channels::ssrf::redact_urls(error), now.as_second(), next.as_second()],
        )?;
        Ok(self.source_state(name)?.failures)
    }

    /// Whether the linked document of a feed item (`key`: entry id and update time) was fetched.
    pub fn source_item_seen(&self, source: &str, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_opt(
                "SELECT 1 FROM source_items WHERE source = ?1 AND item_key = ?2",
                &params![source, key],
                |_| Ok(()),
            )?
            .is_some())
    }

    /// Remember that a feed item's linked document was fetched and processed.
    pub fn source_item_done(&mut self, source: &str, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO source_items (source, item_key, fetched_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            &params![source, key, now.as_second()],
        )?;
        Ok(())
    }

    /// Count a failed fetch of a feed item's linked document. At `give_up_after` failures the
    /// item is marked fetched (it will not be tried again) and this returns `true`.
    pub fn source_item_failed(
        &mut self,
        source: &str,
        key: &str,
        error: &str,
        give_up_after: u32,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let tx = self.db.begin()?;
        let failures: u32 = tx.query_row(
            "INSERT INTO source_item_failures (source, item_key, failures, last_error) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (source, item_key) DO UPDATE SET failures = source_item_failures.failures + 1, last_error = excluded.last_error
             RETURNING source_item_failures.failures",
            &params![source, key, error],
            |r| r.get(0),
        )?;
        let give_up = failures >= give_up_after;
        if give_up {
            tx.execute(
                "INSERT INTO source_items (source, item_key, fetched_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                &params![source, key, now.as_second()],
            )?;
        }
        tx.commit()?;
        Ok(give_up)
    }
}
