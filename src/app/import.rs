//! `tripwatch import FILE.csv|FILE.toml`: bulk upsert of travellers and trips.
//!
//! CSV is the shape HR and travel-agency exports have: one row per trip, header
//! `name,email,country,city,start,end,manager,timezone` (any column order; `city`, `manager`,
//! `timezone` optional). TOML has `[[traveller]]` and `[[trip]]` tables. Every row is validated
//! first; any error is reported with its line and nothing is applied. Importing the same file
//! twice changes nothing.

use std::collections::HashMap;
use std::path::Path;

use crate::detect::places::Gazetteer;
use crate::route::model::{Email, Place, Trip, Zone, parse_date, parse_name};
use crate::store::{NewTraveller, NewTrip};

/// Validated rows, ready for `Store::import`.
#[derive(Debug, Default)]
pub struct Rows {
    pub travellers: Vec<NewTraveller>,
    pub trips: Vec<NewTrip>,
}

/// Errors with their line numbers (at most the first 20).
#[derive(Debug, thiserror::Error)]
#[error("{file}: {} error(s); nothing was imported:\n{}", errors.len(), errors.join("\n"))]
pub struct ImportError {
    pub file: String,
    pub errors: Vec<String>,
}

const MAX_ERRORS: usize = 20;

/// Read and validate an import file (format by extension).
pub fn read(path: &Path) -> Result<Rows, ImportError> {
    let file = path.display().to_string();
    let fail = |m: String| ImportError { file: file.clone(), errors: vec![m] };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => parse_csv(&text).map_err(|errors| ImportError { file, errors }),
        Some("toml") => parse_toml(&text).map_err(|errors| ImportError { file, errors }),
        _ => Err(fail("unknown format: use a .csv or .toml file".into())),
    }
}

/// The time zone of a trip's city, else UTC: a sensible default when the export has none.
fn default_zone(place: &Place) -> Zone {
    let g = Gazetteer::get();
    place
        .city
        .as_deref()
        .and_then(|c| g.find_cities(c, Some(place.country)).first().copied())
        .and_then(|id| Zone::parse(g.city(id).timezone).ok())
        .unwrap_or_else(Zone::utc)
}

struct RowIn<'a> {
    name: &'a str,
    email: &'a str,
    country: &'a str,
    city: Option<&'a str>,
    start: &'a str,
    end: &'a str,
    manager: Option<&'a str>,
    timezone: Option<&'a str>,
}

fn validate(r: &RowIn<'_>) -> Result<(NewTraveller, NewTrip), String> {
    let name = parse_name(r.name).map_err(|e| e.to_string())?;
    let email = Email::parse(r.email).map_err(|e| e.to_string())?;
    let place = Place::parse(r.country, r.city).map_err(|e| e.to_string())?;
    let start = parse_date("start", r.start).map_err(|e| e.to_string())?;
    let end = parse_date("end", r.end).map_err(|e| e.to_string())?;
    Trip::check_dates(start, end).map_err(|e| e.to_string())?;
    let manager = r
        .manager
        .filter(|m| !m.trim().is_empty())
        .map(Email::parse)
        .transpose()
        .map_err(|e| format!("manager {e}"))?;
    let timezone = match r.timezone.filter(|t| !t.trim().is_empty()) {
        Some(t) => Zone::parse(t).map_err(|e| e.to_string())?,
        None => default_zone(&place),
    };
    let traveller = NewTraveller {
        name,
        email: email.clone(),
        timezone,
        language: "en".into(),
        manager,
        webhooks: Vec::new(),
    };
    Ok((traveller, NewTrip { email, place, start, end }))
}

/// Merge per-row travellers: one per email, later rows win.
fn collect(rows: Vec<(NewTraveller, NewTrip)>) -> Rows {
    let mut by_email: HashMap<Email, usize> = HashMap::new();
    let mut out = Rows::default();
    for (t, trip) in rows {
        match by_email.get(&t.email) {
            Some(&i) => out.travellers[i] = t,
            None => {
                by_email.insert(t.email.clone(), out.travellers.len());
                out.travellers.push(t);
            }
        }
        out.trips.push(trip);
    }
    out
}

pub fn parse_csv(text: &str) -> Result<Rows, Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| vec![format!("line 1: {e}")])?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let known = ["name", "email", "country", "city", "start", "end", "manager", "timezone"];
    if let Some(unknown) = headers.iter().find(|h| !known.contains(&h.as_str())) {
        return Err(vec![format!("line 1: unknown column {unknown:?} (expected {})", known.join(","))]);
    }
    let required = ["name", "email", "country", "start", "end"];
    let missing: Vec<&str> = required.iter().copied().filter(|c| col(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(vec![format!("line 1: missing column(s) {}", missing.join(", "))]);
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let get = |c: &str| col(c).and_then(|i| rec.get(i));
        let row = RowIn {
            name: get("name").unwrap_or(""),
            email: get("email").unwrap_or(""),
            country: get("country").unwrap_or(""),
            city: get("city"),
            start: get("start").unwrap_or(""),
            end: get("end").unwrap_or(""),
            manager: get("manager"),
            timezone: get("timezone"),
        };
        match validate(&row) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() { Ok(collect(rows)) } else { Err(errors) }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    traveller: Vec<toml::Spanned<TomlTraveller>>,
    #[serde(default)]
    trip: Vec<toml::Spanned<TomlTrip>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlTraveller {
    name: String,
    email: String,
    timezone: Option<String>,
    language: Option<String>,
    manager: Option<String>,
    #[serde(default)]
    webhooks: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlTrip {
    email: String,
    country: String,
    city: Option<String>,
    start: DateField,
    end: DateField,
}

/// A date written as a TOML date (`2022-01-03`) or a string (`"2022-01-03"`).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum DateField {
    Text(String),
    Date(toml::value::Datetime),
}

fn value_str(v: &DateField) -> String {
    match v {
        DateField::Text(s) => s.clone(),
        DateField::Date(d) => d.to_string(),
    }
}

pub fn parse_toml(text: &str) -> Result<Rows, Vec<String>> {
    // Line starts, once: the line of an item is a binary search, not a count from the top
    // (which made a 100,000-row file quadratic).
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let line_of = |at: usize| starts.partition_point(|&s| s <= at.min(text.len()));
    let file: TomlFile = toml::from_str(text)
        .map_err(|e| vec![format!("line {}: {}", line_of(e.span().map_or(0, |s| s.start)), e.message())])?;
    let mut errors = Vec::new();
    let mut out = Rows::default();
    let mut zones: HashMap<Email, Zone> = HashMap::new();
    for t in &file.traveller {
        let line = line_of(t.span().start);
        let r = t.get_ref();
        let res = (|| -> Result<NewTraveller, String> {
            let email = Email::parse(&r.email).map_err(|e| e.to_string())?;
            let timezone = r
                .timezone
                .as_deref()
                .map(Zone::parse)
                .transpose()
                .map_err(|e| e.to_string())?
                .unwrap_or_else(Zone::utc);
            zones.insert(email.clone(), timezone.clone());
            Ok(NewTraveller {
                name: parse_name(&r.name).map_err(|e| e.to_string())?,
                email,
                timezone,
                language: r.language.clone().unwrap_or_else(|| "en".into()),
                manager: r
                    .manager
                    .as_deref()
                    .map(Email::parse)
                    .transpose()
                    .map_err(|e| format!("manager {e}"))?,
                webhooks: r.webhooks.clone(),
            })
        })();
        match res {
            Ok(t) => out.travellers.push(t),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    for t in &file.trip {
        let line = line_of(t.span().start);
        let r = t.get_ref();
        let res = (|| -> Result<NewTrip, String> {
            let email = Email::parse(&r.email).map_err(|e| e.to_string())?;
            let place = Place::parse(&r.country, r.city.as_deref()).map_err(|e| e.to_string())?;
            let start = parse_date("start", &value_str(&r.start)).map_err(|e| e.to_string())?;
            let end = parse_date("end", &value_str(&r.end)).map_err(|e| e.to_string())?;
            Trip::check_dates(start, end).map_err(|e| e.to_string())?;
            Ok(NewTrip { email, place, start, end })
        })();
        match res {
            Ok(t) => out.trips.push(t),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_and_errors() {
        let ok = "name,email,country,city,start,end,manager,timezone\n\
                  Ann Lee,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,boss@example.org,\n\
                  Ann Lee,ann@example.org,Kazakhstan,,2022-03-01,2022-03-05,boss@example.org,Asia/Almaty\n\
                  \"Bob, Jr\",bob@example.org,FR,Paris,2022-01-01,2022-01-02,,Europe/Paris\n";
        let rows = parse_csv(ok).expect("valid");
        assert_eq!(rows.travellers.len(), 2);
        assert_eq!(rows.trips.len(), 3);
        assert_eq!(rows.travellers[1].name, "Bob, Jr");
        let bad = "name,email,country,city,start,end\n\
                   Ann,ann@example.org,KZ,,2022-01-03,2022-01-20\n\
                   Bob,not-an-email,KZ,,2022-01-03,2022-01-20\n\
                   Cy,cy@example.org,XX,,2022-01-03,2022-01-20\n\
                   Di,di@example.org,KZ,,2022-01-20,2022-01-03\n\
                   Ed,ed@example.org,KZ,Paris,2022-01-03,2022-01-20\n";
        let errs = parse_csv(bad).expect_err("invalid");
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].starts_with("line 3: email"), "{errs:?}");
        assert!(errs[1].starts_with("line 4: country"), "{errs:?}");
        assert!(errs[2].starts_with("line 5: end"), "{errs:?}");
        assert!(errs[3].starts_with("line 6: city"), "{errs:?}");
        assert!(
            parse_csv("name,email\nA,a@example.org\n").expect_err("missing")[0].contains("missing column")
        );
        assert!(
            parse_csv("name,email,country,start,end,shoe\n").expect_err("unknown")[0]
                .contains("unknown column")
        );
    }

    #[test]
    fn city_time_zone_is_the_default() {
        let rows = parse_csv(
            "name,email,country,city,start,end\nAnn,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20\n",
        )
        .expect("ok");
        assert_eq!(&*rows.travellers[0].timezone.name, "Asia/Almaty");
    }

    #[test]
    fn toml_rows_and_errors() {
        let ok = "[[traveller]]\nname = \"Ann\"\nemail = \"ann@example.org\"\ntimezone = \"Asia/Almaty\"\n\n[[trip]]\nemail = \"ann@example.org\"\ncountry = \"KZ\"\nstart = 2022-01-03\nend = \"2022-01-20\"\n";
        let rows = parse_toml(ok).expect("valid");
        assert_eq!((rows.travellers.len(), rows.trips.len()), (1, 1));
        let bad = "[[trip]]\nemail = \"ann@example.org\"\ncountry = \"KZ\"\nstart = \"2022-02-30\"\nend = \"2022-01-20\"\n";
        let errs = parse_toml(bad).expect_err("invalid");
        assert!(errs[0].starts_with("line 1: start"), "{errs:?}");
        assert!(parse_toml("[[trip]]\nemial = 1\n").expect_err("unknown")[0].contains("unknown field"));
    }
}
