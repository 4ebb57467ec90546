//! The slice of people one advisory can concern, loaded for routing: active trips in the
//! detections' countries with their travellers, and the subscriptions that may apply. Rows are
//! read without copying the columns that are only parsed; this runs for every advisory, over
//! up to tens of thousands of trips.

use std::collections::HashSet;

use jiff::civil::Date;
use rusqlite::{Row, params};

use crate::detect::places::CountryCode;
use crate::route::model::{Email, Place, Traveller, Trip, Zone};
use crate::route::policy::{People, Policy};

use super::people::{TRAVELLER_COLS, TRIP_COLS};
use super::{Store, StoreError};

/// A text column borrowed from the row, without copying it.
fn text<'r>(r: &'r Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    r.get_ref(i)?.as_str().map_err(|e| {
        StoreError::Sql(rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

/// A stored `YYYY-MM-DD` date (always written by us in that form).
fn stored_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return s.parse().ok();
    }
    let num = |r: std::ops::Range<usize>| -> Option<i16> {
        b[r].iter().try_fold(0i16, |n, d| d.is_ascii_digit().then(|| n * 10 + i16::from(d - b'0')))
    };
    Date::new(num(0..4)?, num(5..7)? as i8, num(8..10)? as i8).ok()
}

/// A trip from the first six columns (`TRIP_COLS`) of a row, copying only the city.
fn trip_from_ref(r: &Row<'_>) -> Result<Trip, StoreError> {
    let id: i64 = r.get(0)?;
    let corrupt = || StoreError::invalid(format!("stored trip {id} is invalid"));
    let city = text(r, 3)?;
    Ok(Trip {
        id,
        traveller_id: r.get(1)?,
        place: Place {
            country: CountryCode::parse(text(r, 2)?).ok_or_else(corrupt)?,
            city: (!city.is_empty()).then(|| city.to_owned()),
        },
        start: stored_date(text(r, 4)?).ok_or_else(corrupt)?,
        end: stored_date(text(r, 5)?).ok_or_else(corrupt)?,
    })
}

/// A traveller from `TRAVELLER_COLS` starting at column `at`, sharing parsed zones.
fn traveller_from_ref(
    r: &Row<'_>,
    at: usize,
    zones: &mut std::collections::HashMap<String, Zone>,
) -> Result<Traveller, StoreError> {
    let id: i64 = r.get(at)?;
    let corrupt = |what: &str| StoreError::invalid(format!("stored traveller {id} has an invalid {what}"));
    let tz = text(r, at + 3)?;
    let timezone = match zones.get(tz) {
        Some(z) => z.clone(),
        None => {
            let z = Zone::parse(tz).map_err(|_| corrupt("time zone"))?;
            zones.insert(tz.to_owned(), z.clone());
            z
        }
    };
    let webhooks = text(r, at + 6)?;
    Ok(Traveller {
        id,
        name: r.get(at + 1)?,
        email: Email::from_store(r.get(at + 2)?),
        timezone,
        language: r.get(at + 4)?,
        manager: r.get::<_, Option<String>>(at + 5)?.map(Email::from_store),
        webhooks: if webhooks == "[]" {
            Vec::new()
        } else {
            serde_json::from_str(webhooks).map_err(|_| corrupt("webhook list"))?
        },
    })
}

impl Store {
    /// Everyone an advisory about `countries` on `day` could concern: trips whose widened
    /// window covers the day, their travellers, place subscriptions for those countries, and
    /// the follow-trips subscriptions of those travellers. A few set-based queries, whatever
    /// the number of trips.
    pub fn people_for(
        &self,
        countries: &[CountryCode],
        day: Date,
        policy: &Policy,
    ) -> Result<People, StoreError> {
        let mut people = People::default();
        let latest_start =
            day.checked_add(jiff::Span::new().days(policy.pre_trip_days)).unwrap_or(day).to_string();
        let earliest_end =
            day.checked_sub(jiff::Span::new().days(policy.grace_days)).unwrap_or(day).to_string();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT t.{}, p.{} FROM trips t JOIN travellers p ON p.id = t.traveller_id
             WHERE t.country = ?1 AND t.end_date >= ?2 AND t.start_date <= ?3",
            TRIP_COLS.replace(", ", ", t."),
            TRAVELLER_COLS.replace(", ", ", p.")
        ))?;
        let mut seen: HashSet<i64> = HashSet::new();
        let mut zones: std::collections::HashMap<String, Zone> = std::collections::HashMap::new();
        for c in countries {
            let mut rows = stmt.query(params![c.as_str(), earliest_end, latest_start])?;
            while let Some(r) = rows.next()? {
                people.trips.push(trip_from_ref(r)?);
                let traveller_id: i64 = r.get(1)?;
                if seen.insert(traveller_id) {
                    people.travellers.push(traveller_from_ref(r, 6, &mut zones)?);
                }
            }
        }
        let mut sub_ids: Vec<i64> = Vec::new();
        let mut by_place = self
            .conn
            .prepare_cached("SELECT DISTINCT subscription_id FROM subscription_places WHERE country = ?1")?;
        let mut follow = self.conn.prepare_cached(
            "SELECT DISTINCT s.id FROM subscriptions s
             JOIN travellers p ON p.email = s.email JOIN trips t ON t.traveller_id = p.id
             WHERE s.follow_trips = 1 AND t.country = ?1 AND t.end_date >= ?2 AND t.start_date <= ?3",
        )?;
        for c in countries {
            sub_ids.extend(
                by_place.query_map([c.as_str()], |r| r.get::<_, i64>(0))?.collect::<Result<Vec<_>, _>>()?,
            );
            sub_ids.extend(
                follow
                    .query_map(params![c.as_str(), earliest_end, latest_start], |r| r.get::<_, i64>(0))?
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        sub_ids.sort_unstable();
        sub_ids.dedup();
        for id in sub_ids {
            people.subscriptions.extend(self.load_subscriptions("SELECT ?1", &[&id])?);
        }
        Ok(people)
    }
}
