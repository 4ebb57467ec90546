//! First-level administrative regions (provinces, states, oblasts) per country, from
//! GeoNames admin1 (`regions.tsv`, built by `data/build_regions.py`).
//!
//! Used to say where in a country a measure applies ("martial law in Chanthaburi and Trat
//! provinces") and whether a traveller's city lies inside it (a city carries its admin1
//! code). Names are matched case-sensitively and word-bounded in folded text.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::CountryCode;

const REGIONS_TSV: &str = include_str!("regions.tsv");

/// One region.
#[derive(Debug, Clone)]
pub struct Region {
    pub country: CountryCode,
    /// GeoNames admin1 code, as cities carry it.
    pub admin1: &'static str,
    pub name: &'static str,
    /// Other forms ("North-West" for "North-West Province").
    pub forms: Vec<&'static str>,
}

/// Region names that are also ordinary words of direction or place: they count only with a
/// kind word after them ("the Centre Region", "Eastern Province").
const GENERIC: &[&str] = &[
    "North",
    "South",
    "East",
    "West",
    "Centre",
    "Center",
    "Central",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "North-West",
    "South-West",
    "North-East",
    "South-East",
    "Littoral",
    "Coast",
    "Capital",
    "Mid Western",
    "Far Western",
    "Upper",
    "Lower",
    "Plateau",
    "Lakes",
    "Islands",
    "Interior",
    "Highlands",
];

const KIND_WORDS: &[&str] = &[
    "Region",
    "Regions",
    "Province",
    "Provinces",
    "Oblast",
    "State",
    "Governorate",
    "Department",
    "District",
    "Prefecture",
    "province",
    "region",
    "state",
    "oblast",
    "governorate",
];

fn table() -> &'static HashMap<CountryCode, Vec<Region>> {
    static T: OnceLock<HashMap<CountryCode, Vec<Region>>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m: HashMap<CountryCode, Vec<Region>> = HashMap::new();
        for line in REGIONS_TSV.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let (Some(country), Some(admin1), Some(name)) =
                (cols.first().and_then(|c| CountryCode::parse(c)), cols.get(1), cols.get(2))
            else {
                continue;
            };
            let forms = cols.get(3).map_or(Vec::new(), |f| f.split(';').filter(|s| !s.is_empty()).collect());
            m.entry(country).or_default().push(Region { country, admin1, name, forms });
        }
        m
    })
}

/// The regions of a country (empty when none are known).
pub fn of(country: CountryCode) -> &'static [Region] {
    table().get(&country).map_or(&[], Vec::as_slice)
}

/// Regions of `country` named in `text` (folded text: accents already folded), in order of
/// first appearance, each once.
pub fn named_in(country: CountryCode, text: &str) -> Vec<&'static Region> {
    let mut found: Vec<(usize, &'static Region)> = Vec::new();
    for r in of(country) {
        let at = std::iter::once(r.name).chain(r.forms.iter().copied()).find_map(|n| find_name(text, n));
        if let Some(at) = at
            && !found.iter().any(|(_, f)| f.name == r.name)
        {
            found.push((at, r));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, r)| r).collect()
}

/// Where `name` occurs in `text` as whole words; a generic name only with a kind word after.
fn find_name(text: &str, name: &str) -> Option<usize> {
    if name.len() < 3 {
        return None;
    }
    let generic = GENERIC.contains(&name);
    let mut from = 0;
    while let Some(p) = text[from..].find(name) {
        let (s, e) = (from + p, from + p + name.len());
        from = e;
        let before_ok = text[..s].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[e..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if !before_ok || !after_ok {
            continue;
        }
        if generic {
            let next = text[e..].split_whitespace().next().unwrap_or("");
            let next = next.trim_end_matches(|c: char| !c.is_alphanumeric());
            if !KIND_WORDS.contains(&next) {
                continue;
            }
        }
        return Some(s);
    }
    None
}

/// Words in a clause that say a measure covers only part of a country.
const PART_WORDS: &[&str] = &[
    "province",
    "provinces",
    "district",
    "districts",
    "region",
    "regions",
    "oblast",
    "oblasts",
    "governorate",
    "governorates",
    "county",
    "counties",
    "prefecture",
    "prefectures",
    "municipality",
    "municipalities",
    "parts of",
    "areas of",
    "part of",
    "border areas",
    "border regions",
    "border districts",
    "the north",
    "the south",
    "the east",
    "the west",
    "the far south",
    "the far north",
    "northern",
    "southern",
    "eastern",
    "western",
    "the capital",
];

/// Words that make a measure national whatever else the clause says.
const WHOLE_WORDS: &[&str] = &[
    "nationwide",
    "countrywide",
    "country-wide",
    "the whole country",
    "the entire country",
    "all regions",
    "all provinces",
    "throughout the country",
    "across the country",
    "all districts",
    "national territory",
];

/// Whether a clause places a measure in part of a country rather than all of it.
pub fn partial_scope(clause: &str) -> bool {
    let lower = clause.to_lowercase();
    let has = |w: &&str| {
        lower.match_indices(*w).any(|(i, _)| {
            let before_ok = lower[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
            let after_ok = lower[i + w.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            before_ok && after_ok
        })
    };
    !WHOLE_WORDS.iter().any(has) && PART_WORDS.iter().any(has)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> CountryCode {
        CountryCode::parse(s).expect("code")
    }

    #[test]
    fn regions_are_found_by_name_and_generic_ones_need_a_kind_word() {
        let names = |c: &str, t: &str| -> Vec<&str> { named_in(cc(c), t).iter().map(|r| r.name).collect() };
        assert_eq!(names("TH", "martial law in Chanthaburi and Trat provinces"), ["Chanthaburi", "Trat"]);
        assert_eq!(names("CM", "curfews in the Far North and parts of East Region"), ["Far North", "East"]);
        assert!(names("CM", "travellers from the East were stopped").is_empty());
        assert!(names("TH", "Trattoria owners protested").is_empty());
    }

    #[test]
    fn partial_and_whole_scopes() {
        assert!(partial_scope("a state of emergency in 17 districts in the far south"));
        assert!(partial_scope("curfew in three provinces"));
        assert!(!partial_scope("a state of emergency in all regions of the country"));
        assert!(!partial_scope("a nationwide curfew"));
        assert!(!partial_scope("a curfew is in force"));
    }
}
