//! `tripwatch migrate-store`: copy an installation's SQLite store into an empty PostgreSQL
//! database, table by table in one transaction, ids kept (so links in alerts already sent
//! still resolve) and identity sequences moved past them.

use super::db::{Db, Value, params};
use super::{Store, StoreError};

/// Every table, parents before children (foreign keys hold at each insert).
const TABLES: &[&str] = &[
    "travellers",
    "trips",
    "subscriptions",
    "subscription_places",
    "advisories",
    "detections",
    "alerts",
    "deliveries",
    "alert_history",
    "endpoints",
    "sources",
    "source_items",
    "source_item_failures",
    "responses",
    "audit",
    "users",
    "sessions",
    "reviews",
    "passed_over",
    "inbox",
    "shared_secrets",
];

/// Tables whose `id` comes from an identity sequence on PostgreSQL.
const WITH_IDS: &[&str] =
    &["travellers", "trips", "subscriptions", "alerts", "deliveries", "audit", "users", "inbox"];

impl Store {
    /// Copy everything in this (SQLite) store into `target` (PostgreSQL, empty). Returns the
    /// rows copied per table. Nothing is written unless everything is.
    pub fn copy_into(&self, target: &mut Store) -> Result<Vec<(String, usize)>, StoreError> {
        let Db::Sqlite(src) = &self.db else {
            return Err(StoreError::invalid("migrate-store reads from a SQLite store"));
        };
        if target.db.engine() != super::Engine::Postgres {
            return Err(StoreError::invalid("migrate-store writes to a PostgreSQL store"));
        }
        let (from, to) = (self.schema_version()?, target.schema_version()?);
        if from != to {
            return Err(StoreError::invalid(format!("schema versions differ: {from} here, {to} there")));
        }
        for t in TABLES {
            let n: i64 =
                target.db.query_row(&format!("SELECT COUNT(*) FROM {t}"), &params![], |r| r.get(0))?;
            if n > 0 {
                return Err(StoreError::invalid(format!(
                    "the target database is not empty ({t} has {n} rows); migrate into a new database"
                )));
            }
        }
        let tx = target.db.begin()?;
        let mut copied = Vec::new();
        for t in TABLES {
            let columns: Vec<String> = src
                .prepare(&format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid"))?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let insert = format!(
                "INSERT INTO {t} ({}) VALUES ({})",
                columns.join(", "),
                (1..=columns.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
            );
            let mut n = 0;
            self.db.for_each(
                &format!("SELECT {} FROM {t} ORDER BY rowid", columns.join(", ")),
                &[],
                |r| {
                    let row: Vec<Value> = (0..columns.len()).map(|i| r.get(i)).collect::<Result<_, _>>()?;
                    tx.execute(&insert, &row)?;
                    n += 1;
                    Ok(())
                },
            )?;
            if WITH_IDS.contains(t) {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                    ),
                    &[],
                )?;
            }
            copied.push(((*t).to_owned(), n));
        }
        tx.commit()?;
        Ok(copied)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdb::TestDb;
    use crate::route::model::Email;

    #[test]
    fn an_installation_moves_to_postgresql_with_its_ids_and_keeps_counting_after_them() {
        let Some(pg) = TestDb::postgres() else { return };
        let lite = TestDb::sqlite();
        let mut s = lite.open().expect("sqlite");
        let rows = crate::app::import::parse_csv(
            "name,email,country,city,start,end,manager,timezone\n\
             Ann Lee,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,boss@example.org,\n\
             Bob Roe,bob@example.org,KZ,,2022-01-05,2022-01-09,,Europe/Berlin\n",
        )
        .expect("csv");
        s.import(&rows.travellers, &rows.trips).expect("import");
        let adv = crate::sources::parse_bytes(
            b"id: kz-m\nsource: test\ndate: 2022-01-06\ncountry: KZ\n\nA state of emergency is in force nationwide.",
            "test",
        )
        .expect("advisory");
        let engine = crate::detect::Engine::new(crate::config::triggers::default_set()).expect("engine");
        let t = "2022-01-06T12:00:00Z".parse().expect("ts");
        let policy = crate::route::policy::Policy::default();
        crate::app::process::process(&mut s, &engine, &policy, &adv, t, t).expect("process");
        s.inbox_put("push~ops~1-x.txt", b"\xff binary \x00 body", t).expect("inbox");
        let mut target = pg.open().expect("postgres");
        let copied = s.copy_into(&mut target).expect("copy");
        let count = |name: &str| copied.iter().find(|(t, _)| t == name).map(|(_, n)| *n);
        assert_eq!(count("travellers"), Some(2));
        assert!(count("deliveries").unwrap_or(0) >= 2);
        // The same answers from both stores.
        assert_eq!(s.alerts(None).expect("a").len(), target.alerts(None).expect("b").len());
        assert_eq!(
            s.advisory(&adv.id()).expect("a").map(|d| d.versions.len()),
            target.advisory(&adv.id()).expect("b").map(|d| d.versions.len())
        );
        let ann = Email::parse("ann@example.org").expect("email");
        assert_eq!(
            s.traveller_by_email(&ann).expect("a").map(|t| t.id),
            target.traveller_by_email(&ann).expect("b").map(|t| t.id)
        );
        let item = target.inbox_claim(t, t).expect("claim").expect("the inbox entry moved");
        assert_eq!(item.body, b"\xff binary \x00 body");
        // New rows continue after the copied ids.
        let new = crate::store::NewTraveller {
            name: "Cy".into(),
            email: Email::parse("cy@example.org").expect("email"),
            timezone: crate::route::model::Zone::parse("UTC").expect("zone"),
            language: "en".into(),
            manager: None,
            webhooks: Vec::new(),
        };
        assert_eq!(target.upsert_traveller(&new).expect("insert"), 3);
        // A second migration into a database that has data is refused.
        let again = s.copy_into(&mut target).expect_err("not empty");
        assert!(again.to_string().contains("not empty"), "{again}");
    }
}
