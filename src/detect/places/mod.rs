//! Places: ISO 3166-1 countries with names, aliases and demonyms, and a city gazetteer
//! reduced from GeoNames cities15000 (CC BY 4.0, see `NOTICE`).
//!
//! Both tables are embedded in the binary and parsed once on first use. Nothing here does IO.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

pub mod regions;

const COUNTRIES_TSV: &str = include_str!("countries.tsv");
const CITIES_TSV: &str = include_str!("cities.tsv");

/// Phrases that contain a country name but name no country ("South America", "Indian Ocean").
const BLOCKED: &[&str] = &[
    // The U.S. president's residence (an alias of Casablanca in the gazetteer).
    "White House",
    "South America",
    "Latin America",
    "Central America",
    "North America",
    "the Americas",
    "Indian Ocean",
    "New Jersey",
    "New Mexico",
    "New South Wales",
    "Gulf of Guinea",
    "English Channel",
    "English language",
    "French language",
    "Chinese New Year",
    "Congo River",
    "Georgia Tech",
    "Turkish Airlines",
    "Qatar Airways",
    "Emirates airline",
    "Indian Ocean Territory",
    "Guinea pig",
    "Nova Scotia",
    "New England",
    "Mexico City",
    "Kuwait City",
    "Panama City",
    "Guatemala City",
    "Vatican City",
    "Singapore dollar",
    "American Samoa",
    "Central African Republic",
];

/// ISO 3166-1 alpha-2 code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

/// Territories with their own ISO code and the state they belong to. A territory is its own
/// place (a curfew in New Caledonia is NC's, not France's); the sovereign is known so that a
/// measure the sovereign declares for the territory can be given to the territory.
const SOVEREIGNS: &[(&str, &str)] = &[
    ("NC", "FR"),
    ("PF", "FR"),
    ("MQ", "FR"),
    ("GP", "FR"),
    ("RE", "FR"),
    ("YT", "FR"),
    ("GF", "FR"),
    ("PM", "FR"),
    ("WF", "FR"),
    ("BL", "FR"),
    ("MF", "FR"),
    ("HK", "CN"),
    ("MO", "CN"),
    ("PR", "US"),
    ("GU", "US"),
    ("VI", "US"),
    ("AS", "US"),
    ("MP", "US"),
    ("GI", "GB"),
    ("BM", "GB"),
    ("KY", "GB"),
    ("FK", "GB"),
    ("VG", "GB"),
    ("AI", "GB"),
    ("MS", "GB"),
    ("TC", "GB"),
    ("AW", "NL"),
    ("CW", "NL"),
    ("SX", "NL"),
    ("GL", "DK"),
    ("FO", "DK"),
    ("NF", "AU"),
    ("CX", "AU"),
    ("CK", "NZ"),
    ("NU", "NZ"),
];

impl CountryCode {
    /// The state a territory belongs to (`NC` → `FR`); `None` for a sovereign state.
    pub fn sovereign(&self) -> Option<CountryCode> {
        SOVEREIGNS.iter().find(|(t, _)| t.as_bytes() == self.0).and_then(|(_, s)| CountryCode::parse(s))
    }

    /// Parse `KZ` / `kz`. Only checks shape; use [`Gazetteer::country`] to check existence.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.trim().as_bytes();
        (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
            .then(|| CountryCode([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]))
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for CountryCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CountryCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2 code"})
    }
}

#[derive(Debug, Clone)]
pub struct Country {
    pub code: CountryCode,
    pub name: &'static str,
}

#[derive(Debug, Clone)]
pub struct City {
    pub name: &'static str,
    pub country: CountryCode,
    pub admin1: &'static str,
    pub population: u32,
    pub timezone: &'static str,
    /// The name is also a common English word ("Split", "Mobile", "Police").
    pub wordlike: bool,
    /// Latitude and longitude in degrees (GeoNames, rounded to about a kilometre).
    pub lat: f32,
    pub lon: f32,
}

/// Distance between two points on the Earth's surface (haversine, mean radius 6371 km).
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().min(1.0).asin()
}

/// What a place name refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceTarget {
    /// A country's name or alias.
    Country(CountryCode),
    /// A demonym or adjective ("Kazakhstani").
    Demonym(CountryCode),
    /// Cities sharing this name, most populous first.
    Cities(Vec<u32>),
    /// A phrase that contains a place name but names no place.
    Blocked,
}

/// One matchable name.
#[derive(Debug, Clone)]
pub struct PlaceName {
    /// As written in the tables (case matters when matching).
    pub text: &'static str,
    pub target: PlaceTarget,
}

/// Countries, cities and every name that refers to them.
#[derive(Debug)]
pub struct Gazetteer {
    countries: Vec<Country>,
    cities: Vec<City>,
    names: Vec<PlaceName>,
    by_code: HashMap<CountryCode, usize>,
    by_english_name: HashMap<String, CountryCode>,
    /// City ids by lower-cased name (names and aliases), built on first lookup: trip places
    /// are resolved per import row and per routed trip, so this must not be a scan.
    cities_by_name: OnceLock<HashMap<String, Vec<u32>>>,
}

impl Gazetteer {
    /// The embedded gazetteer, parsed on first use.
    pub fn get() -> &'static Gazetteer {
        static G: OnceLock<Gazetteer> = OnceLock::new();
        G.get_or_init(Gazetteer::build)
    }

    fn build() -> Gazetteer {
        let mut countries = Vec::new();
        let mut names = Vec::new();
        let mut by_english_name = HashMap::new();
        let mut taken: HashMap<&'static str, ()> = HashMap::new();
        for line in COUNTRIES_TSV.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let (Some(code), Some(name)) = (cols.first().and_then(|c| CountryCode::parse(c)), cols.get(1))
            else {
                continue;
            };
            countries.push(Country { code, name });
            by_english_name.insert(name.to_lowercase(), code);
            let aliases = cols.get(2).map_or(Vec::new(), |a| split_list(a));
            for n in std::iter::once(*name).chain(aliases) {
                by_english_name.insert(n.to_lowercase(), code);
                taken.insert(n, ());
                names.push(PlaceName { text: n, target: PlaceTarget::Country(code) });
            }
            for d in cols.get(3).map_or(Vec::new(), |a| split_list(a)) {
                taken.insert(d, ());
                names.push(PlaceName { text: d, target: PlaceTarget::Demonym(code) });
            }
        }
        for b in BLOCKED {
            names.push(PlaceName { text: b, target: PlaceTarget::Blocked });
        }
        let mut cities = Vec::new();
        let mut city_names: HashMap<&'static str, Vec<u32>> = HashMap::new();
        let mut order: Vec<&'static str> = Vec::new();
        for line in CITIES_TSV.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            if cols.len() < 6 {
                continue;
            }
            let Some(country) = CountryCode::parse(cols[1]) else { continue };
            let idx = cities.len() as u32;
            cities.push(City {
                name: cols[0],
                country,
                admin1: cols[2],
                population: cols[3].parse().unwrap_or(0),
                timezone: cols[4],
                wordlike: cols[5].contains('w'),
                lat: cols.get(7).and_then(|v| v.parse().ok()).unwrap_or(f32::NAN),
                lon: cols.get(8).and_then(|v| v.parse().ok()).unwrap_or(f32::NAN),
            });
            let aliases = cols.get(6).map_or(Vec::new(), |a| split_list(a));
            for n in std::iter::once(cols[0]).chain(aliases) {
                if n.chars().count() < 3 || taken.contains_key(n) {
                    continue;
                }
                let entry = city_names.entry(n).or_default();
                if entry.is_empty() {
                    order.push(n);
                }
                if !entry.contains(&idx) {
                    entry.push(idx);
                }
            }
        }
        for n in order {
            let ids = city_names.remove(n).unwrap_or_default();
            names.push(PlaceName { text: n, target: PlaceTarget::Cities(ids) });
        }
        let by_code = countries.iter().enumerate().map(|(i, c)| (c.code, i)).collect();
        Gazetteer { countries, cities, names, by_code, by_english_name, cities_by_name: OnceLock::new() }
    }

    pub fn countries(&self) -> &[Country] {
        &self.countries
    }
    pub fn cities(&self) -> &[City] {
        &self.cities
    }
    /// The gazetteer city nearest to a point, and its distance in kilometres, if one lies
    /// within `max_km`. A linear scan (34k cities, well under a millisecond): it runs once per
    /// CAP area, not per word of text.
    pub fn nearest_city(&self, lat: f64, lon: f64, max_km: f64) -> Option<(&City, f64)> {
        self.cities
            .iter()
            .filter(|c| c.lat.is_finite())
            .map(|c| (c, great_circle_km(lat, lon, f64::from(c.lat), f64::from(c.lon))))
            .filter(|(_, d)| *d <= max_km)
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    pub fn city(&self, idx: u32) -> &City {
        &self.cities[idx as usize]
    }
    pub fn names(&self) -> &[PlaceName] {
        &self.names
    }
    pub fn country(&self, code: CountryCode) -> Option<&Country> {
        self.by_code.get(&code).map(|&i| &self.countries[i])
    }
    /// Resolve an ISO alpha-2 code or an English country name/alias ("kz", "Kazakhstan", "Burma").
    pub fn resolve_country(&self, s: &str) -> Option<CountryCode> {
        let s = s.trim();
        let s = s.strip_prefix("the ").or_else(|| s.strip_prefix("The ")).unwrap_or(s);
        if let Some(code) = CountryCode::parse(s).filter(|c| self.by_code.contains_key(c)) {
            return Some(code);
        }
        self.by_english_name.get(&s.to_lowercase()).copied()
    }
    /// Cities named `name` (exact, case-insensitive), most populous first, optionally in one country.
    pub fn find_cities(&self, name: &str, country: Option<CountryCode>) -> Vec<u32> {
        let index = self.cities_by_name.get_or_init(|| {
            let mut m: HashMap<String, Vec<u32>> = HashMap::new();
            for n in &self.names {
                if let PlaceTarget::Cities(ids) = &n.target {
                    m.entry(n.text.to_lowercase()).or_default().extend(ids.iter().copied());
                }
            }
            m
        });
        index
            .get(&name.trim().to_lowercase())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| country.is_none_or(|c| self.cities[i as usize].country == c))
            .collect()
    }
}

fn split_list(s: &'static str) -> Vec<&'static str> {
    s.split(';').map(str::trim).filter(|x| !x.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_iso_country_is_present() {
        let g = Gazetteer::get();
        assert!(g.countries().len() >= 249, "{}", g.countries().len());
        for (q, want) in [
            ("KZ", "KZ"),
            ("kz", "KZ"),
            ("Kazakhstan", "KZ"),
            ("Burma", "MM"),
            ("Ivory Coast", "CI"),
            ("the UAE", "AE"),
            ("UAE", "AE"),
            ("Côte d'Ivoire", "CI"),
            ("United States", "US"),
        ] {
            assert_eq!(g.resolve_country(q).map(|c| c.to_string()), Some(want.to_string()), "{q}");
        }
        assert!(g.resolve_country("Atlantis").is_none());
        assert!(g.resolve_country("ZZ").is_none());
    }

    #[test]
    fn cities_resolve_to_country_and_region() {
        let g = Gazetteer::get();
        assert!(g.cities().len() > 30_000);
        let almaty = g.find_cities("Almaty", None);
        let c = g.city(almaty[0]);
        assert_eq!((c.country.as_str(), c.timezone), ("KZ", "Asia/Almaty"));
        assert!(!c.admin1.is_empty());
        let male = g.find_cities("Male", Some(CountryCode::parse("MV").expect("code")));
        assert!(g.city(male[0]).wordlike, "Male is also an English word");
        // Georgia is a country name, never a city entry.
        assert!(g.find_cities("Georgia", None).is_empty());
    }
}
