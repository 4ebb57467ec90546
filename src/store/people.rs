//! Travellers, trips and subscriptions in the store, and the slice of them routing needs.

use jiff::civil::Date;

use crate::detect::Severity;
use crate::detect::places::CountryCode;
use crate::route::cron::Cron;
use crate::route::model::{
    Channel, Email, Mode, Place, Recipient, Scope, Subscription, Traveller, Trip, Zone,
};

use super::db::{Db, Row, Value, params};
use super::rows::{TRAVELLER_COLS, TRIP_COLS, traveller_from_ref, trip_from_ref};
use super::{Store, StoreError};

/// A traveller to create or update (matched by email).
#[derive(Debug, Clone)]
pub struct NewTraveller {
    pub name: String,
    pub email: Email,
    pub timezone: Zone,
    pub language: String,
    pub manager: Option<Email>,
    pub webhooks: Vec<String>,
}

/// A trip for the traveller with this email.
#[derive(Debug, Clone)]
pub struct NewTrip {
    pub email: Email,
    pub place: Place,
    pub start: Date,
    pub end: Date,
}

/// A subscription to create.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub recipient: Recipient,
    pub scope: Scope,
    pub triggers: Vec<String>,
    pub min_severity: Severity,
    pub channels: Vec<Channel>,
    pub mode: Mode,
    /// Critical alerts wait for this subscription's digest too.
    pub digest_critical: bool,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    pub travellers_created: usize,
    pub travellers_updated: usize,
    pub trips_created: usize,
    pub unchanged: usize,
}

fn traveller_from_row(r: &Row<'_>) -> Result<TravellerRow, StoreError> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

type TravellerRow = (i64, String, String, String, String, Option<String>, String);

/// Insert or update a traveller inside `tx`; returns (id, created, changed).
fn upsert_traveller_tx(tx: &Db, t: &NewTraveller) -> Result<(i64, bool, bool), StoreError> {
    let webhooks = serde_json::to_string(&t.webhooks).unwrap_or_else(|_| "[]".into());
    let manager = t.manager.as_ref().map(|m| m.as_str().to_owned());
    let existing: Option<TravellerRow> = tx.query_opt(
        &format!("SELECT {TRAVELLER_COLS} FROM travellers WHERE email = ?1"),
        &params![t.email.as_str()],
        traveller_from_row,
    )?;
    match existing {
        None => {
            let id = tx.query_row(
                "INSERT INTO travellers (name, email, timezone, language, manager, webhooks) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                &params![t.name, t.email.as_str(), &*t.timezone.name, t.language, manager, webhooks],
                |r| r.get(0),
            )?;
            Ok((id, true, true))
        }
        Some((id, name, _, tz, language, old_manager, old_webhooks)) => {
            let same = name == t.name
                && *tz == *t.timezone.name
                && language == t.language
                && old_manager == manager
                && old_webhooks == webhooks;
            if !same {
                tx.execute(
                    "UPDATE travellers SET name = ?2, timezone = ?3, language = ?4, manager = ?5, webhooks = ?6 WHERE id = ?1",
                    &params![id, t.name, &*t.timezone.name, t.language, manager, webhooks],
                )?;
            }
            Ok((id, false, !same))
        }
    }
}

/// Insert a trip unless the same one exists; returns (id, created).
fn add_trip_tx(tx: &Db, traveller_id: i64, t: &NewTrip) -> Result<(i64, bool), StoreError> {
    let city = t.place.city.clone().unwrap_or_default();
    let (start, end) = (t.start.to_string(), t.end.to_string());
    let created: Option<i64> = tx.query_opt(
        "INSERT INTO trips (traveller_id, country, city, start_date, end_date) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING RETURNING id",
        &params![traveller_id, t.place.country.as_str(), city, start, end],
        |r| r.get(0),
    )?;
    if let Some(id) = created {
        return Ok((id, true));
    }
    let id = tx.query_row(
        "SELECT id FROM trips WHERE traveller_id = ?1 AND country = ?2 AND city = ?3 AND start_date = ?4 AND end_date = ?5",
        &params![traveller_id, t.place.country.as_str(), city, start, end],
        |r| r.get(0),
    )?;
    Ok((id, false))
}

/// Insert a subscription (`id` None) or overwrite an existing one; its places are rewritten.
fn write_subscription_tx(tx: &Db, id: Option<i64>, s: &NewSubscription) -> Result<i64, StoreError> {
    let (follow, places) = match &s.scope {
        Scope::FollowTrips => (1, &[][..]),
        Scope::Places(p) => (0, &p[..]),
    };
    let schedule = match &s.mode {
        Mode::Immediate => None,
        Mode::Digest(c) => Some(c.as_str().to_owned()),
    };
    let channels: Vec<String> = s.channels.iter().map(Channel::key).collect();
    let values = params![
        s.recipient.email.as_str(),
        s.recipient.name,
        &*s.recipient.timezone.name,
        follow,
        serde_json::to_string(&s.triggers).unwrap_or_else(|_| "[]".into()),
        s.min_severity.as_str(),
        serde_json::to_string(&channels).unwrap_or_else(|_| "[]".into()),
        schedule,
        id,
        s.digest_critical,
    ];
    let id = match id {
        None => {
            // ?9 (the id) is not used here; PostgreSQL wants every parameter typed, so it is
            // passed on as ?1..?8, ?9.
            let v: Vec<Value> =
                values.iter().enumerate().filter(|(i, _)| *i != 8).map(|(_, v)| v.clone()).collect();
            tx.query_row(
                "INSERT INTO subscriptions (email, name, timezone, follow_trips, triggers, min_severity, channels, schedule, digest_critical)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                &v,
                |r| r.get(0),
            )?
        }
        Some(id) => {
            let n = tx.execute(
                "UPDATE subscriptions SET email = ?1, name = ?2, timezone = ?3, follow_trips = ?4, triggers = ?5,
                 min_severity = ?6, channels = ?7, schedule = ?8, digest_critical = ?10 WHERE id = ?9",
                &values,
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("subscription {id}")));
            }
            tx.execute("DELETE FROM subscription_places WHERE subscription_id = ?1", &params![id])?;
            id
        }
    };
    for p in places {
        tx.execute(
            "INSERT INTO subscription_places (subscription_id, country, city) VALUES (?1, ?2, ?3)",
            &params![id, p.country.as_str(), p.city.clone().unwrap_or_default()],
        )?;
    }
    Ok(id)
}

/// A traveller as the console's list shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TravellerLine {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub email: String,
    pub manager: Option<String>,
    pub trips: Vec<String>,
}

impl Store {
    /// Create or update a traveller (matched by email). Returns the id.
    pub fn upsert_traveller(&mut self, t: &NewTraveller) -> Result<i64, StoreError> {
        let tx = self.db.begin()?;
        let (id, _, _) = upsert_traveller_tx(&tx, t)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn traveller_by_email(&self, email: &Email) -> Result<Option<Traveller>, StoreError> {
        let mut zones = std::collections::HashMap::new();
        Ok(self
            .db
            .query_map(
                &format!("SELECT {TRAVELLER_COLS} FROM travellers WHERE email = ?1"),
                &params![email.as_str()],
                |r| traveller_from_ref(r, 0, &mut zones),
            )?
            .pop())
    }

    pub fn travellers(&self) -> Result<Vec<Traveller>, StoreError> {
        let mut zones = std::collections::HashMap::new();
        self.db.query_map(&format!("SELECT {TRAVELLER_COLS} FROM travellers ORDER BY email"), &[], |r| {
            traveller_from_ref(r, 0, &mut zones)
        })
    }

    /// One page of travellers for the console: those whose name or email contains `needle`
    /// (case-insensitive; all when empty), by email, at most `limit`, each with their trips
    /// as "PLACE START to END"; and how many match in all. The filtering and the limit run in
    /// SQLite, so the page costs the same at 100 or 100,000 travellers.
    pub fn traveller_page(
        &self,
        needle: &str,
        limit: usize,
    ) -> Result<(Vec<TravellerLine>, usize), StoreError> {
        let like = format!(
            "%{}%",
            needle.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        let filter = "(?1 = '%%' OR lower(name) LIKE ?1 ESCAPE '\\' OR lower(email) LIKE ?1 ESCAPE '\\')";
        let total: i64 = self.db.query_row(
            &format!("SELECT COUNT(*) FROM travellers WHERE {filter}"),
            &params![like],
            |r| r.get(0),
        )?;
        let mut rows: Vec<TravellerLine> = self.db.query_map(
            &format!(
                "SELECT id, name, email, manager FROM travellers WHERE {filter} ORDER BY email LIMIT ?2"
            ),
            &params![like, limit as i64],
            |r| {
                Ok(TravellerLine {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    email: r.get(2)?,
                    manager: r.get(3)?,
                    trips: Vec::new(),
                })
            },
        )?;
        for t in &mut rows {
            t.trips = self.db.query_map(
                "SELECT country, city, start_date, end_date FROM trips WHERE traveller_id = ?1 ORDER BY start_date, id",
                &params![t.id],
                |r| {
                    let (country, city): (String, String) = (r.get(0)?, r.get(1)?);
                    let place = if city.is_empty() { country } else { format!("{city}, {country}") };
                    Ok(format!("{place} {} to {}", r.get::<String>(2)?, r.get::<String>(3)?))
                },
            )?;
        }
        Ok((rows, total as usize))
    }

    /// Remove a traveller and their trips.
    pub fn remove_traveller(&mut self, email: &Email) -> Result<(), StoreError> {
        let n = self.db.execute("DELETE FROM travellers WHERE email = ?1", &params![email.as_str()])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "traveller {}",
                crate::route::model::redact(email.as_str())
            )));
        }
        Ok(())
    }

    /// Add a trip for an existing traveller (idempotent). Returns the trip id.
    pub fn add_trip(&mut self, t: &NewTrip) -> Result<i64, StoreError> {
        Trip::check_dates(t.start, t.end).map_err(|e| StoreError::invalid(e.to_string()))?;
        let tx = self.db.begin()?;
        let traveller_id: i64 = tx
            .query_opt("SELECT id FROM travellers WHERE email = ?1", &params![t.email.as_str()], |r| {
                r.get(0)
            })?
            .ok_or_else(|| {
                StoreError::NotFound(format!("traveller {}", crate::route::model::redact(t.email.as_str())))
            })?;
        let (id, _) = add_trip_tx(&tx, traveller_id, t)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn trips(&self, email: Option<&Email>) -> Result<Vec<Trip>, StoreError> {
        match email {
            Some(e) => {
                let sql = format!(
                    "SELECT t.{} FROM trips t JOIN travellers p ON p.id = t.traveller_id WHERE p.email = ?1 ORDER BY start_date",
                    TRIP_COLS.replace(", ", ", t.")
                );
                self.db.query_map(&sql, &params![e.as_str()], trip_from_ref)
            }
            None => self.db.query_map(
                &format!("SELECT {TRIP_COLS} FROM trips ORDER BY start_date, id"),
                &[],
                trip_from_ref,
            ),
        }
    }

    /// One trip by id.
    pub fn trip(&self, id: i64) -> Result<Option<Trip>, StoreError> {
        self.db.query_opt(
            &format!("SELECT {TRIP_COLS} FROM trips WHERE id = ?1"),
            &params![id],
            trip_from_ref,
        )
    }

    /// Change a trip's place and dates. Changing it into a copy of another of the same
    /// traveller's trips is refused rather than silently merged.
    pub fn update_trip(&mut self, id: i64, place: &Place, start: Date, end: Date) -> Result<(), StoreError> {
        Trip::check_dates(start, end).map_err(|e| StoreError::invalid(e.to_string()))?;
        let result = self.db.execute(
            "UPDATE trips SET country = ?2, city = ?3, start_date = ?4, end_date = ?5 WHERE id = ?1",
            &params![
                id,
                place.country.as_str(),
                place.city.clone().unwrap_or_default(),
                start.to_string(),
                end.to_string()
            ],
        );
        match result {
            Ok(0) => Err(StoreError::NotFound(format!("trip {id}"))),
            Ok(_) => Ok(()),
            Err(e) if e.is_constraint() => {
                Err(StoreError::invalid(format!("the traveller already has this trip (trip {id} unchanged)")))
            }
            Err(e) => Err(e),
        }
    }

    pub fn remove_trip(&mut self, id: i64) -> Result<(), StoreError> {
        if self.db.execute("DELETE FROM trips WHERE id = ?1", &params![id])? == 0 {
            return Err(StoreError::NotFound(format!("trip {id}")));
        }
        Ok(())
    }

    /// Create a subscription. Returns its id.
    pub fn add_subscription(&mut self, s: &NewSubscription) -> Result<i64, StoreError> {
        let tx = self.db.begin()?;
        let id = write_subscription_tx(&tx, None, s)?;
        tx.commit()?;
        Ok(id)
    }

    /// Replace everything about subscription `id` with `s`, in one transaction.
    pub fn update_subscription(&mut self, id: i64, s: &NewSubscription) -> Result<(), StoreError> {
        let tx = self.db.begin()?;
        write_subscription_tx(&tx, Some(id), s)?;
        tx.commit()?;
        Ok(())
    }

    /// One subscription by id.
    pub fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        Ok(self.load_subscriptions("SELECT id FROM subscriptions WHERE id = ?1", &params![id])?.pop())
    }

    pub fn remove_subscription(&mut self, id: i64) -> Result<(), StoreError> {
        if self.db.execute("DELETE FROM subscriptions WHERE id = ?1", &params![id])? == 0 {
            return Err(StoreError::NotFound(format!("subscription {id}")));
        }
        Ok(())
    }

    /// All subscriptions, or those whose ids are given.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.load_subscriptions("SELECT id FROM subscriptions ORDER BY id", &[])
    }

    pub(super) fn load_subscriptions(
        &self,
        id_sql: &str,
        args: &[Value],
    ) -> Result<Vec<Subscription>, StoreError> {
        let ids: Vec<i64> = self.db.query_map(id_sql, args, |r| r.get(0))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row: (String, String, String, i64, String, String, String, Option<String>, bool) = self
                .db
                .query_row(
                "SELECT email, name, timezone, follow_trips, triggers, min_severity, channels, schedule, digest_critical FROM subscriptions WHERE id = ?1",
                &params![id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                })?;
            let corrupt = || StoreError::invalid(format!("stored subscription {id} is invalid"));
            let (email, name, tz, follow, triggers, min_severity, channels, schedule, digest_critical) = row;
            let scope = if follow == 1 {
                Scope::FollowTrips
            } else {
                let places: Vec<(String, String)> = self.db.query_map(
                    "SELECT country, city FROM subscription_places WHERE subscription_id = ?1",
                    &params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                Scope::Places(
                    places
                        .into_iter()
                        .map(|(c, city)| {
                            Ok(Place {
                                country: CountryCode::parse(&c).ok_or_else(corrupt)?,
                                city: (!city.is_empty()).then_some(city),
                            })
                        })
                        .collect::<Result<_, StoreError>>()?,
                )
            };
            let channels: Vec<String> = serde_json::from_str(&channels).map_err(|_| corrupt())?;
            out.push(Subscription {
                id,
                recipient: Recipient {
                    email: Email::parse(&email).map_err(|_| corrupt())?,
                    name,
                    timezone: Zone::parse(&tz).map_err(|_| corrupt())?,
                },
                scope,
                triggers: serde_json::from_str(&triggers).map_err(|_| corrupt())?,
                min_severity: min_severity.parse().map_err(|_| corrupt())?,
                channels: channels
                    .iter()
                    .map(|c| Channel::parse(c))
                    .collect::<Result<_, _>>()
                    .map_err(|_| corrupt())?,
                mode: match schedule {
                    None => Mode::Immediate,
                    Some(s) => Mode::Digest(Cron::parse(&s).map_err(|_| corrupt())?),
                },
                digest_critical,
            });
        }
        Ok(out)
    }

    /// Bulk upsert in one transaction: all rows or none.
    pub fn import(
        &mut self,
        travellers: &[NewTraveller],
        trips: &[NewTrip],
    ) -> Result<ImportReport, StoreError> {
        self.import_or_check(travellers, trips, true)
    }

    /// What an import would change, without changing anything (the transaction is rolled
    /// back): the same report, and the same errors, as `import`.
    pub fn import_check(
        &mut self,
        travellers: &[NewTraveller],
        trips: &[NewTrip],
    ) -> Result<ImportReport, StoreError> {
        self.import_or_check(travellers, trips, false)
    }

    fn import_or_check(
        &mut self,
        travellers: &[NewTraveller],
        trips: &[NewTrip],
        apply: bool,
    ) -> Result<ImportReport, StoreError> {
        let tx = self.db.begin()?;
        let mut report = ImportReport::default();
        let mut ids = std::collections::HashMap::new();
        for t in travellers {
            let (id, created, changed) = upsert_traveller_tx(&tx, t)?;
            ids.insert(t.email.clone(), id);
            match (created, changed) {
                (true, _) => report.travellers_created += 1,
                (false, true) => report.travellers_updated += 1,
                _ => report.unchanged += 1,
            }
        }
        for t in trips {
            let id = match ids.get(&t.email) {
                Some(id) => *id,
                None => tx
                    .query_opt(
                        "SELECT id FROM travellers WHERE email = ?1",
                        &params![t.email.as_str()],
                        |r| r.get(0),
                    )?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!(
                            "traveller {}",
                            crate::route::model::redact(t.email.as_str())
                        ))
                    })?,
            };
            let (_, created) = add_trip_tx(&tx, id, t)?;
            if created {
                report.trips_created += 1;
            } else {
                report.unchanged += 1;
            }
        }
        if apply {
            tx.commit()?;
        }
        Ok(report)
    }
}
