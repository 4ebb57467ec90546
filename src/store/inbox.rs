//! The shared inbox (PostgreSQL mode): a pushed advisory is committed here before the push is
//! answered, and any instance claims it under a lease, processes it and deletes it. An
//! instance that dies holding a claim leaves it to another once the lease runs out; processing
//! twice is harmless (the same content is the same advisory version).
//!
//! And source leases: one instance at a time polls a source.

use jiff::Timestamp;

use super::db::{Engine, params};
use super::{Store, StoreError};

/// A claimed inbox entry: the spool-style name (it carries the pushing token) and the bytes.
#[derive(Debug, Clone)]
pub struct InboxItem {
    pub id: i64,
    pub name: String,
    pub body: Vec<u8>,
}

impl Store {
    /// Keep a pushed document; the push may be answered once this returns.
    pub fn inbox_put(&mut self, name: &str, body: &[u8], now: Timestamp) -> Result<i64, StoreError> {
        self.db.query_row(
            "INSERT INTO inbox (name, body, received_at) VALUES (?1, ?2, ?3) RETURNING id",
            &params![name, body, now.as_second()],
            |r| r.get(0),
        )
    }

    /// Claim the oldest unclaimed (or abandoned) inbox entry until `lease_until`.
    pub fn inbox_claim(
        &mut self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<InboxItem>, StoreError> {
        let lock = if self.db.engine() == Engine::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        self.db.query_opt(
            &format!(
                "UPDATE inbox SET lease_until = ?2
                 WHERE id = (SELECT id FROM inbox WHERE lease_until IS NULL OR lease_until <= ?1
                             ORDER BY id LIMIT 1 {lock})
                 RETURNING id, name, body"
            ),
            &params![now.as_second(), lease_until.as_second()],
            |r| Ok(InboxItem { id: r.get(0)?, name: r.get(1)?, body: r.get(2)? }),
        )
    }

    /// The entry was processed (or refused with its reason kept elsewhere): forget it.
    pub fn inbox_done(&mut self, id: i64) -> Result<(), StoreError> {
        self.db.execute("DELETE FROM inbox WHERE id = ?1", &params![id])?;
        Ok(())
    }

    /// Entries waiting or in progress.
    pub fn inbox_len(&self) -> Result<i64, StoreError> {
        self.db.query_row("SELECT COUNT(*) FROM inbox", &[], |r| r.get(0))
    }

    /// Take (or keep) the lease on polling `source` for `owner` until `until`; `false` when
    /// another owner's lease is still running.
    pub fn source_lease(
        &mut self,
        source: &str,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        self.db.execute(
            "INSERT INTO sources (name, next_run) VALUES (?1, 0) ON CONFLICT (name) DO NOTHING",
            &params![source],
        )?;
        let n = self.db.execute(
            "UPDATE sources SET lease_owner = ?2, lease_until = ?4
             WHERE name = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until IS NULL OR lease_until <= ?3)",
            &params![source, owner, now.as_second(), until.as_second()],
        )?;
        Ok(n == 1)
    }

    /// The value every instance uses for secret `name`: the first one offered wins, and later
    /// instances get it back instead of their own.
    pub fn shared_secret(&mut self, name: &str, offered: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.db.execute(
            "INSERT INTO shared_secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            &params![name, offered],
        )?;
        self.db.query_row("SELECT value FROM shared_secrets WHERE name = ?1", &params![name], |r| r.get(0))
    }

    /// Who holds the lease on polling `source`, and until when.
    pub fn source_lease_holder(&self, source: &str) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .db
            .query_opt(
                "SELECT lease_owner, lease_until FROM sources WHERE name = ?1",
                &params![source],
                |r| Ok(r.get::<Option<String>>(0)?.zip(r.get::<Option<i64>>(1)?)),
            )?
            .flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdb;

    fn ts(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(s).expect("ts")
    }

    #[test]
    fn an_inbox_entry_is_claimed_once_until_its_lease_runs_out() {
        testdb::on_both(|db| {
            let mut a = db.open().expect("store");
            let mut b = db.open().expect("second connection");
            a.inbox_put("push~ops~1-x.txt", b"Curfew in Almaty.", ts(100)).expect("put");
            let first = a.inbox_claim(ts(100), ts(130)).expect("claim").expect("an entry");
            assert_eq!(first.body, b"Curfew in Almaty.");
            assert!(b.inbox_claim(ts(110), ts(140)).expect("claim").is_none(), "{}: leased", db.name());
            // The first claimant died: after the lease another takes it over.
            let again = b.inbox_claim(ts(131), ts(160)).expect("claim").expect("taken over");
            assert_eq!(again.id, first.id);
            b.inbox_done(again.id).expect("done");
            assert_eq!(a.inbox_len().expect("len"), 0);
        });
    }

    #[test]
    fn the_first_secret_offered_is_the_one_every_instance_gets() {
        testdb::on_both(|db| {
            let mut a = db.open().expect("store");
            let mut b = db.open().expect("second connection");
            assert_eq!(a.shared_secret("k", b"first").expect("a"), b"first");
            assert_eq!(b.shared_secret("k", b"second").expect("b"), b"first", "{}", db.name());
        });
    }

    #[test]
    fn one_instance_at_a_time_holds_a_source_lease() {
        testdb::on_both(|db| {
            let mut a = db.open().expect("store");
            let mut b = db.open().expect("second connection");
            assert!(a.source_lease("gov", "a", ts(0), ts(30)).expect("lease"));
            assert!(!b.source_lease("gov", "b", ts(10), ts(40)).expect("lease"), "{}", db.name());
            assert!(a.source_lease("gov", "a", ts(20), ts(50)).expect("renewed"));
            assert!(!b.source_lease("gov", "b", ts(49), ts(79)).expect("lease"));
            assert!(b.source_lease("gov", "b", ts(50), ts(80)).expect("taken over when it ran out"));
            assert_eq!(a.source_lease_holder("gov").expect("holder"), Some(("b".into(), 80)));
        });
    }
}
