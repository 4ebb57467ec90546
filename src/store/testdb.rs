//! Throwaway databases for tests: SQLite in a temporary directory, or a fresh schema in the
//! PostgreSQL that `TRIPWATCH_TEST_PG` names (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped again when the handle goes. Used by the store's own tests and the integration
//! tests, so every store behaviour is checked on both engines.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use super::{Store, StoreError};

/// The PostgreSQL server tests use unless `TRIPWATCH_TEST_PG` names another.
pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Set (as `.ci/run` does) to fail, not skip, the PostgreSQL tests when no server answers.
pub const REQUIRE_PG_ENV: &str = "TRIPWATCH_REQUIRE_PG";

/// One test's database.
pub enum TestDb {
    Sqlite { dir: PathBuf },
    Postgres { admin: String, schema: String, url: String },
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A fresh SQLite state directory.
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!(
            "tripwatch-test-{}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        TestDb::Sqlite { dir }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (with a loud line on stderr)
    /// when none is reachable. Under `CI` (or with `TRIPWATCH_REQUIRE_PG` set) an unreachable
    /// server fails the test instead: CI machines have one, and a skip would hide a broken
    /// backend.
    pub fn postgres() -> Option<TestDb> {
        let admin = std::env::var("TRIPWATCH_TEST_PG").unwrap_or_else(|_| DEFAULT_TEST_PG.to_owned());
        let schema = format!(
            "tw_test_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond() % 1_000_000
        );
        let mut client = match super::db::pg::Conn::connect(&admin) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var_os("CI").is_some() || std::env::var_os(REQUIRE_PG_ENV).is_some() {
                    panic!("PostgreSQL tests: cannot reach {admin} (CI / {REQUIRE_PG_ENV} require it): {e}");
                }
                eprintln!(
                    "SKIPPED (PostgreSQL): cannot reach {admin}: {e}. Point TRIPWATCH_TEST_PG=postgres://… at a server to run the PostgreSQL half of the tests."
                );
                return None;
            }
        };
        client.batch(&format!("CREATE SCHEMA {schema}")).expect("create test schema");
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-c%20search_path%3D{schema}");
        Some(TestDb::Postgres { admin, schema, url })
    }

    /// Open (or reopen) the store on this database.
    pub fn open(&self) -> Result<Store, StoreError> {
        match self {
            TestDb::Sqlite { dir } => Store::open(&dir.join("state")),
            TestDb::Postgres { url, .. } => Store::connect(url),
        }
    }

    /// The `[store] url` for a daemon on this database (`None`: SQLite in its state dir).
    pub fn url(&self) -> Option<&str> {
        match self {
            TestDb::Sqlite { .. } => None,
            TestDb::Postgres { url, .. } => Some(url),
        }
    }

    /// The SQLite state directory (`None` on PostgreSQL).
    pub fn state_dir(&self) -> Option<PathBuf> {
        match self {
            TestDb::Sqlite { dir } => Some(dir.join("state")),
            TestDb::Postgres { .. } => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            TestDb::Sqlite { .. } => "sqlite",
            TestDb::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Sqlite { dir } = self {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let TestDb::Postgres { admin, schema, .. } = self
            && let Ok(mut c) = super::db::pg::Conn::connect(admin)
        {
            let _ = c.batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Run `f` on a fresh SQLite database and then on a fresh PostgreSQL schema (when one is
/// reachable; see [`TestDb::postgres`]).
pub fn on_both(f: impl Fn(&TestDb)) {
    f(&TestDb::sqlite());
    if let Some(pg) = TestDb::postgres() {
        f(&pg);
    }
}
