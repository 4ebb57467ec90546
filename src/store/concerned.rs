//! The slice of people one advisory can concern, loaded for routing: active trips in the
//! detections' countries with their travellers, and the subscriptions that may apply. Rows are
//! read without copying the columns that are only parsed; this runs for every advisory, over
//! up to tens of thousands of trips.

use std::collections::HashSet;

use super::db::params;
use jiff::civil::Date;

use crate::detect::places::CountryCode;
use crate::route::model::Zone;
use crate::route::policy::{People, Policy};

use super::rows::{TRAVELLER_COLS, TRIP_COLS, traveller_from_ref, trip_from_ref};
use super::{Store, StoreError};

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
        let sql = format!(
            "SELECT t.{}, p.{} FROM trips t JOIN travellers p ON p.id = t.traveller_id
             WHERE t.country = ?1 AND t.end_date >= ?2 AND t.start_date <= ?3",
            TRIP_COLS.replace(", ", ", t."),
            TRAVELLER_COLS.replace(", ", ", p.")
        );
        let mut seen: HashSet<i64> = HashSet::new();
        let mut zones: std::collections::HashMap<String, Zone> = std::collections::HashMap::new();
        for c in countries {
            self.db.for_each(&sql, &params![c.as_str(), earliest_end, latest_start], |r| {
                people.trips.push(trip_from_ref(r)?);
                let traveller_id: i64 = r.get(1)?;
                if seen.insert(traveller_id) {
                    people.travellers.push(traveller_from_ref(r, 6, &mut zones)?);
                }
                Ok(())
            })?;
        }
        let mut sub_ids: Vec<i64> = Vec::new();
        for c in countries {
            sub_ids.extend(self.db.query_map(
                "SELECT DISTINCT subscription_id FROM subscription_places WHERE country = ?1",
                &params![c.as_str()],
                |r| r.get::<i64>(0),
            )?);
            sub_ids.extend(self.db.query_map(
                "SELECT DISTINCT s.id FROM subscriptions s
                 JOIN travellers p ON p.email = s.email JOIN trips t ON t.traveller_id = p.id
                 WHERE s.follow_trips = 1 AND t.country = ?1 AND t.end_date >= ?2 AND t.start_date <= ?3",
                &params![c.as_str(), earliest_end, latest_start],
                |r| r.get::<i64>(0),
            )?);
        }
        sub_ids.sort_unstable();
        sub_ids.dedup();
        for id in sub_ids {
            people.subscriptions.extend(self.load_subscriptions("SELECT CAST(?1 AS BIGINT)", &params![id])?);
        }
        Ok(people)
    }
}
