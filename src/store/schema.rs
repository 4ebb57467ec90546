//! Versioned migrations. Each entry runs once, in order, inside a transaction; the applied
//! version is kept in `PRAGMA user_version`. Never edit a released migration: add one.

pub const MIGRATIONS: &[&str] = &[
    // 1: people, advisories, detections, alerts, deliveries, history.
    r#"
    CREATE TABLE travellers (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        email      TEXT NOT NULL UNIQUE,
        timezone   TEXT NOT NULL,
        language   TEXT NOT NULL DEFAULT 'en',
        manager    TEXT,
        webhooks   TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX travellers_manager ON travellers(manager);

    CREATE TABLE trips (
        id           INTEGER PRIMARY KEY,
        traveller_id INTEGER NOT NULL REFERENCES travellers(id) ON DELETE CASCADE,
        country      TEXT NOT NULL,
        city         TEXT NOT NULL DEFAULT '',
        start_date   TEXT NOT NULL,
        end_date     TEXT NOT NULL,
        UNIQUE (traveller_id, country, city, start_date, end_date)
    );
    CREATE INDEX trips_country_end ON trips(country, end_date, start_date);

    CREATE TABLE subscriptions (
        id           INTEGER PRIMARY KEY,
        email        TEXT NOT NULL,
        name         TEXT NOT NULL,
        timezone     TEXT NOT NULL,
        follow_trips INTEGER NOT NULL,
        triggers     TEXT NOT NULL,
        min_severity TEXT NOT NULL,
        channels     TEXT NOT NULL,
        schedule     TEXT
    );
    CREATE INDEX subscriptions_email ON subscriptions(email);
    CREATE TABLE subscription_places (
        subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
        country         TEXT NOT NULL,
        city            TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX subscription_places_country ON subscription_places(country);

    CREATE TABLE advisories (
        id           TEXT NOT NULL,
        version      INTEGER NOT NULL,
        source       TEXT NOT NULL,
        guid         TEXT,
        title        TEXT NOT NULL,
        body         TEXT NOT NULL,
        url          TEXT,
        published    TEXT,
        countries    TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        received_at  INTEGER NOT NULL,
        processed_at INTEGER NOT NULL,
        PRIMARY KEY (id, version)
    );
    CREATE UNIQUE INDEX advisories_content ON advisories(id, content_hash);

    CREATE TABLE detections (
        advisory_id TEXT NOT NULL,
        version     INTEGER NOT NULL,
        trigger     TEXT NOT NULL,
        country     TEXT,
        city        TEXT,
        polarity    TEXT NOT NULL,
        severity    TEXT NOT NULL,
        evidence    TEXT NOT NULL,
        span_start  INTEGER NOT NULL,
        span_end    INTEGER NOT NULL,
        confidence  REAL NOT NULL,
        FOREIGN KEY (advisory_id, version) REFERENCES advisories(id, version)
    );
    CREATE INDEX detections_advisory ON detections(advisory_id, version);

    CREATE TABLE alerts (
        id           INTEGER PRIMARY KEY,
        advisory_id  TEXT NOT NULL,
        version      INTEGER NOT NULL,
        kind         TEXT NOT NULL,
        recipient    TEXT NOT NULL,
        traveller_id INTEGER,
        severity     TEXT NOT NULL,
        status       TEXT NOT NULL,
        release_at   INTEGER,
        payload      TEXT NOT NULL,
        created_at   INTEGER NOT NULL
    );
    CREATE INDEX alerts_advisory ON alerts(advisory_id);
    CREATE INDEX alerts_status_release ON alerts(status, release_at);

    CREATE TABLE deliveries (
        id              INTEGER PRIMARY KEY,
        alert_id        INTEGER NOT NULL REFERENCES alerts(id),
        channel         TEXT NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        lease_until     INTEGER,
        last_error      TEXT,
        UNIQUE (alert_id, channel)
    );
    CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);

    CREATE TABLE alert_history (
        recipient TEXT NOT NULL,
        trigger   TEXT NOT NULL,
        country   TEXT NOT NULL,
        last_at   INTEGER NOT NULL,
        severity  TEXT NOT NULL,
        PRIMARY KEY (recipient, trigger, country)
    );
    CREATE INDEX alert_history_country ON alert_history(country);
    "#,
    // 2: delivery outcomes and endpoint state.
    r#"
    ALTER TABLE deliveries ADD COLUMN sent_at INTEGER;
    ALTER TABLE deliveries ADD COLUMN message_id TEXT;
    CREATE TABLE endpoints (
        name        TEXT PRIMARY KEY,
        disabled_at INTEGER NOT NULL,
        reason      TEXT NOT NULL
    );
    CREATE INDEX alerts_thread ON alerts(advisory_id, recipient, kind);
    "#,
    // 3: polled sources (feeds): conditional-GET validators, status, schedule.
    r#"
    CREATE TABLE sources (
        name          TEXT PRIMARY KEY,
        etag          TEXT,
        last_modified TEXT,
        last_success  INTEGER,
        last_error    TEXT,
        last_error_at INTEGER,
        items_seen    INTEGER NOT NULL DEFAULT 0,
        failures      INTEGER NOT NULL DEFAULT 0,
        next_run      INTEGER NOT NULL DEFAULT 0
    );
    "#,
    // 4: items of a CAP index feed whose linked alert was fetched, so it is not fetched again.
    r#"
    CREATE TABLE source_items (
        source     TEXT NOT NULL,
        item_key   TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (source, item_key)
    );
    "#,
    // 5: routing reads trips by country and date window; covering the columns it needs saves a
    // table lookup per active trip (20,000 trips: ~30% of the load time).
    r#"
    CREATE INDEX trips_route ON trips(country, end_date, start_date, traveller_id, city);
    DROP INDEX trips_country_end;
    "#,
    // 6: failed fetches of a CAP index item's linked alert, so a broken link is given up on
    // after a few polls instead of being fetched (and logged) forever.
    r#"
    CREATE TABLE source_item_failures (
        source     TEXT NOT NULL,
        item_key   TEXT NOT NULL,
        failures   INTEGER NOT NULL,
        last_error TEXT NOT NULL,
        PRIMARY KEY (source, item_key)
    );
    "#,
    // 7: why an advisory version alerted nobody although it had recipients (an old event, a
    // source's baseline poll, a CAP test message).
    r#"
    ALTER TABLE advisories ADD COLUMN held TEXT;
    "#,
    // 8: dedup keys on the place as well: a curfew in Pokhara is news to a traveller already
    // told of one in Kathmandu. `place` is the city the measure was found for, '' for the
    // whole country.
    r#"
    CREATE TABLE alert_history_by_place (
        recipient TEXT NOT NULL,
        trigger   TEXT NOT NULL,
        country   TEXT NOT NULL,
        place     TEXT NOT NULL DEFAULT '',
        last_at   INTEGER NOT NULL,
        severity  TEXT NOT NULL,
        PRIMARY KEY (recipient, trigger, country, place)
    );
    INSERT INTO alert_history_by_place (recipient, trigger, country, place, last_at, severity)
        SELECT recipient, trigger, country, '', last_at, severity FROM alert_history;
    DROP TABLE alert_history;
    ALTER TABLE alert_history_by_place RENAME TO alert_history;
    CREATE INDEX alert_history_country ON alert_history(country);
    "#,
    // 9: duty of care. Travellers' answers (one per traveller and advisory), escalations to
    // their manager (alerts of kind `escalation` with `parent_id` = the unanswered alert; at
    // most one per advisory and traveller), and an audit log of who changed what.
    r#"
    ALTER TABLE alerts ADD COLUMN parent_id INTEGER;
    CREATE INDEX alerts_kind_created ON alerts(kind, created_at);
    CREATE UNIQUE INDEX alerts_one_escalation ON alerts(advisory_id, traveller_id) WHERE kind = 'escalation';
    CREATE TABLE responses (
        advisory_id  TEXT NOT NULL,
        traveller_id INTEGER NOT NULL,
        alert_id     INTEGER NOT NULL,
        answer       TEXT NOT NULL,
        message      TEXT,
        answered_at  INTEGER NOT NULL,
        answered_by  TEXT NOT NULL,
        PRIMARY KEY (advisory_id, traveller_id)
    );
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY,
        at     INTEGER NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    "#,
    // 10: a digest subscription may collect critical alerts too (per subscription; the routing
    // setting `digest_critical` stays the default for all).
    r#"
    ALTER TABLE subscriptions ADD COLUMN digest_critical INTEGER NOT NULL DEFAULT 0;
    "#,
    // 11: console users (Argon2id password hashes) and their sessions (the SHA-256 of the
    // cookie token, never the token).
    r#"
    CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE,
        role          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    "#,
    // 12: the review queue — an advisory whose alerts wait for a manager's approval, the
    // detections under review, the dedup history to record once approved, and the decision.
    r#"
    CREATE TABLE reviews (
        advisory_id TEXT NOT NULL,
        version     INTEGER NOT NULL,
        reason      TEXT NOT NULL,
        detections  TEXT NOT NULL,
        history     TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        decision    TEXT,
        note        TEXT,
        decided_by  TEXT,
        decided_at  INTEGER,
        PRIMARY KEY (advisory_id, version)
    );
    CREATE INDEX reviews_waiting ON reviews(decision, created_at);
    "#,
    // 13: who was passed over for an advisory version and why (routing's decisions other than
    // "alert now"/"digest"), for the advisory's page and API detail.
    r#"
    CREATE TABLE passed_over (
        advisory_id TEXT NOT NULL,
        version     INTEGER NOT NULL,
        recipient   TEXT NOT NULL,
        trigger     TEXT NOT NULL,
        country     TEXT NOT NULL,
        reason      TEXT NOT NULL
    );
    CREATE INDEX passed_over_advisory ON passed_over(advisory_id, version);
    "#,
    // 14: several instances on one PostgreSQL database. Pushed advisories wait in `inbox`
    // (committed before the push is answered, claimed under a lease by any instance), and a
    // source is polled by the instance holding its lease.
    r#"
    CREATE TABLE inbox (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        body        BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        lease_until INTEGER
    );
    ALTER TABLE sources ADD COLUMN lease_owner TEXT;
    ALTER TABLE sources ADD COLUMN lease_until INTEGER;
    "#,
    // 15: secrets every instance of a shared database must agree on (the key that signs
    // answer links: a link made by one instance is checked by whichever answers it).
    r#"
    CREATE TABLE shared_secrets (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    "#,
    // 16: the claim reads due deliveries in (next_attempt_at, id) order. SQLite's index has the
    // rowid as its last key already; PostgreSQL's needs `id` spelled out, or every claim sorts
    // all pending rows that fall due at the same second (a burst) — quadratic in the burst.
    r#"
    CREATE INDEX deliveries_claim ON deliveries(status, next_attempt_at, id);
    DROP INDEX deliveries_due;
    "#,
];

/// A migration in PostgreSQL's types: 64-bit integers everywhere (the store reads every
/// integer as `i64`), identity columns for SQLite's `INTEGER PRIMARY KEY`, double-precision
/// reals, and the row order SQLite's `rowid` gives where a listing relies on it.
pub fn for_postgres(version: usize, sql: &str) -> String {
    let mut out = sql
        .replace("INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        .replace("INTEGER", "BIGINT")
        .replace("REAL", "DOUBLE PRECISION")
        .replace("BLOB", "BYTEA");
    if version == 13 {
        // An advisory's page lists who was passed over in the order routing decided.
        out.push_str("\nALTER TABLE passed_over ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;\n");
    }
    out
}
