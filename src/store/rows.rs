//! Reading people rows: travellers and trips straight from SQLite rows, borrowing text
//! columns instead of copying them (routing reads tens of thousands per advisory).
//!
//! Input: rows selected with `TRAVELLER_COLS` / `TRIP_COLS`. Output: route model values; a row
//! that does not parse (edited by hand, say) is `StoreError::Invalid` naming the row's id.

use jiff::civil::Date;

use crate::detect::places::CountryCode;
use crate::route::model::{Email, Place, Traveller, Trip, Zone};

use super::StoreError;
use super::db::Row;

pub(super) const TRAVELLER_COLS: &str = "id, name, email, timezone, language, manager, webhooks";

/// A text column borrowed from the row, without copying it.
pub(super) fn text<'r>(r: &'r Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    r.text(i)
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
pub(super) fn trip_from_ref(r: &Row<'_>) -> Result<Trip, StoreError> {
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
pub(super) fn traveller_from_ref(
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
        manager: r.get::<Option<String>>(at + 5)?.map(Email::from_store),
        webhooks: if webhooks == "[]" {
            Vec::new()
        } else {
            serde_json::from_str(webhooks).map_err(|_| corrupt("webhook list"))?
        },
    })
}

pub(super) const TRIP_COLS: &str = "id, traveller_id, country, city, start_date, end_date";
