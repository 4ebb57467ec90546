//! The store: SQLite (embedded default) or PostgreSQL (several instances), behind one
//! interface. Nothing outside this module writes SQL.
//!
//! Opened under the state directory (created on first start), WAL journal,
//! `synchronous=FULL` (everything written here is acknowledged or queued for delivery; the
//! outbox's own bookkeeping statements relax it to `NORMAL` and restore it),
//! foreign keys on, versioned migrations. Leases and "claim the next row" are written as
//! single statements so a PostgreSQL implementation can map them to `FOR UPDATE SKIP LOCKED`.

pub mod accountability;
mod advisories;
mod concerned;
pub(crate) mod db;
mod digests;
mod exposure;
mod inbox;
mod listing;
mod migrate;
mod outbox;
mod people;
pub mod reviews;
mod rows;
mod schema;
mod sources;
pub mod testdb;
pub mod users;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use advisories::{AdvisoryState, Committed, StoredAlert};
pub use db::Engine;
pub use exposure::{ActiveTrigger, Exposed, StandingRisk};
pub use inbox::InboxItem;
pub use listing::{AdvisoryDetail, AdvisorySummary, AdvisoryVersion, PassedOver, StoredDetection};
pub use outbox::{Claimed, DeliveryRow, Lane, Record};
pub use people::{ImportReport, NewSubscription, NewTraveller, NewTrip};
pub use sources::SourceState;

use db::{Db, params};

/// Store errors: the message says what failed; `Invalid` is the caller's input.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {message}")]
    Open { path: String, message: String },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database: {message} (in: {statement})")]
    Postgres { message: String, code: Option<String>, statement: String },
    #[error("database: {0}")]
    Column(String),
    #[error("database: the query returned no row")]
    NoRow,
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
}

impl StoreError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        StoreError::Invalid(msg.into())
    }

    /// A uniqueness or other constraint refused the write (either engine).
    pub(crate) fn is_constraint(&self) -> bool {
        match self {
            StoreError::Sql(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::ConstraintViolation
            }
            StoreError::Postgres { code: Some(c), .. } => c.starts_with("23"),
            _ => false,
        }
    }
}

/// The store: SQLite in the state directory, or a shared PostgreSQL database.
pub struct Store {
    db: Db,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// File name of the database inside the state directory.
pub const DB_FILE: &str = "tripwatch.db";

/// The advisory lock key under which one instance migrates a PostgreSQL schema.
const MIGRATION_LOCK: i64 = 0x7472_6970_7761_7463; // "tripwatc"

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

    /// Open the store a `[store] url` names (`postgres://…`), or SQLite in `state_dir`.
    pub fn open_configured(state_dir: &Path, url: Option<&str>) -> Result<Store, StoreError> {
        match url {
            Some(u) => Self::connect(u),
            None => Self::open(state_dir),
        }
    }

    /// Connect to PostgreSQL (`postgres://user@host:port/db`, or key=value form) and bring
    /// its schema up to date; several instances may do this at once.
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        let conn = db::pg::Conn::connect(url)?;
        let mut store = Store {
            db: Db::Postgres(Box::new(std::cell::RefCell::new(conn))),
            path: PathBuf::from(db::pg::redact(url)),
        };
        store.migrate_pg()?;
        Ok(store)
    }

    /// An in-memory store (tests and previews of an empty store).
    pub fn memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(128);
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )?;
        let mut store = Store { db: Db::Sqlite(conn), path };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let Db::Sqlite(conn) = &mut self.db else { return self.migrate_pg() };
        let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = schema::MIGRATIONS.len() as i64;
        if current > known {
            return Err(newer(current, known));
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The same migrations in PostgreSQL's types, applied under an advisory lock so that
    /// instances starting together migrate once; the version lives in `schema_version`.
    fn migrate_pg(&mut self) -> Result<(), StoreError> {
        self.db.execute("SELECT pg_advisory_lock(?1)", &params![MIGRATION_LOCK])?;
        let result = (|| {
            self.db.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
            let current: i64 = self
                .db
                .query_opt("SELECT version FROM schema_version", &params![], |r| r.get(0))?
                .unwrap_or(0);
            let known = schema::MIGRATIONS.len() as i64;
            if current > known {
                return Err(newer(current, known));
            }
            for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
                let tx = self.db.begin()?;
                tx.batch(&schema::for_postgres(i + 1, sql))?;
                tx.execute("DELETE FROM schema_version", &params![])?;
                tx.execute("INSERT INTO schema_version (version) VALUES (?1)", &params![(i + 1) as i64])?;
                tx.commit()?;
            }
            Ok(())
        })();
        let unlocked = self.db.execute("SELECT pg_advisory_unlock(?1)", &params![MIGRATION_LOCK]);
        result.and(unlocked.map(|_| ()))
    }

    /// The schema version in use.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        match &self.db {
            Db::Sqlite(c) => Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?),
            Db::Postgres(_) => {
                self.db.query_row("SELECT version FROM schema_version", &params![], |r| r.get(0))
            }
        }
    }

    /// The SQLite file, or the PostgreSQL URL without its password.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    /// How long one PostgreSQL statement may take before the connection is given up and
    /// reopened on the next call (SQLite: no effect).
    pub fn set_deadline(&mut self, d: std::time::Duration) {
        if let Db::Postgres(c) = &self.db {
            c.borrow_mut().set_deadline(d);
        }
    }

    /// For the delivery workers' connection: on PostgreSQL, commit without waiting for the
    /// server's disk (`synchronous_commit = off`), as SQLite's outbox statements run with
    /// `synchronous=NORMAL`. A server crash can forget the last few "sent" marks — a resend,
    /// at least once — or a digest or escalation just created, which then happens again on
    /// the next pass: what a transaction did is kept whole or not at all. Alerts themselves
    /// are committed by the pipeline's connection, durably.
    pub fn relax_durability(&mut self) -> Result<(), StoreError> {
        if let Db::Postgres(c) = &self.db {
            c.borrow_mut().set_session("SET synchronous_commit = off")?;
        }
        Ok(())
    }

    /// A cheap round trip, for readiness checks.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.db.query_row("SELECT 1", &params![], |r| r.get::<i64>(0)).map(|_| ())
    }
}

fn newer(current: i64, known: i64) -> StoreError {
    StoreError::invalid(format!(
        "database schema version {current} is newer than this tripwatch ({known}); upgrade tripwatch"
    ))
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
