//! The store: SQLite, behind one interface. Nothing outside this module writes SQL.
//!
//! Opened under the state directory (created on first start), WAL journal,
//! `synchronous=FULL` (everything written here is acknowledged or queued for delivery; the
//! outbox's own bookkeeping statements relax it to `NORMAL` and restore it),
//! foreign keys on, versioned migrations. Leases and "claim the next row" are written as
//! single statements so a PostgreSQL implementation can map them to `FOR UPDATE SKIP LOCKED`.

pub mod accountability;
mod advisories;
mod concerned;
mod digests;
mod exposure;
mod listing;
mod outbox;
mod people;
pub mod reviews;
mod rows;
mod schema;
mod sources;
pub mod users;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use advisories::{AdvisoryState, Committed, StoredAlert};
pub use exposure::{ActiveTrigger, Exposed, StandingRisk};
pub use listing::{AdvisoryDetail, AdvisorySummary, AdvisoryVersion, PassedOver, StoredDetection};
pub use outbox::{Claimed, DeliveryRow};
pub use people::{ImportReport, NewSubscription, NewTraveller, NewTrip};
pub use sources::SourceState;

/// Store errors: the message says what failed; `Invalid` is the caller's input.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {message}")]
    Open { path: String, message: String },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
}

impl StoreError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        StoreError::Invalid(msg.into())
    }
}

/// The embedded SQLite store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// File name of the database inside the state directory.
pub const DB_FILE: &str = "tripwatch.db";

impl Store {
    /// Open (creating if needed) the store in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Store, StoreError> {
        let open_err =
            |m: String| StoreError::Open { path: state_dir.join(DB_FILE).display().to_string(), message: m };
        std::fs::create_dir_all(state_dir)
            .map_err(|e| open_err(format!("cannot create state directory: {e}")))?;
        let path = state_dir.join(DB_FILE);
        let conn = Connection::open(&path).map_err(|e| open_err(e.to_string()))?;
        Self::init(conn, path)
    }

    /// An in-memory store (tests and previews of an empty store).
    pub fn memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;",
        )?;
        let mut store = Store { conn, path };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let current: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = schema::MIGRATIONS.len() as i64;
        if current > known {
            return Err(StoreError::invalid(format!(
                "database schema version {current} is newer than this tripwatch ({known}); upgrade tripwatch"
            )));
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version in use.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests;

/// Run blocking store work from async code without parking a runtime thread: on the
/// multi-threaded runtime the thread hands its other tasks to another worker first.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
