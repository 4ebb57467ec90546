//! First-level administrative regions (provinces, states, oblasts) per country, from
//! GeoNames admin1 (`regions.tsv`, built by `data/build_regions.py`).
//!
//! Used to say where in a country a measure applies ("martial law in Chanthaburi and Trat
//! provinces") and whether a traveller's city lies inside it (a city carries its admin1
//! code). Names are matched case-sensitively and word-bounded in folded text.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::CountryCode;
use crate::detect::matcher::FastMap;

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
    "Parish",
    "province",
    "parish",
    "region",
    "state",
    "oblast",
    "governorate",
];

/// Region names that are also ordinary words (English, French, Spanish) or a compass point
/// in another language: they never say which country a text is about on their own.
const WORDLIKE: &[&str] = &[
    "Acre",
    "Bar",
    "Bay",
    "Bender",
    "Bong",
    "Capital",
    "Central",
    "Centrale",
    "Centre",
    "Colon",
    "Delta",
    "East",
    "Eastern",
    "Est",
    "Falcon",
    "Federal",
    "Fier",
    "Lacs",
    "Lakes",
    "Littoral",
    "Litoral",
    "Maritime",
    "Mascara",
    "Meta",
    "Midlands",
    "Mie",
    "Mono",
    "Mus",
    "Nacional",
    "Nord",
    "North",
    "Northeast",
    "Northern",
    "Ogre",
    "Oriental",
    "Ouest",
    "Para",
    "Perm",
    "Pest",
    "Plateau",
    "Plateaux",
    "Rivers",
    "Saga",
    "Sal",
    "Savanes",
    "Collines",
    "South",
    "Southern",
    "Southwest",
    "Sud",
    "Unity",
    "Valle",
    "Van",
    "Vas",
    "West",
    "Western",
];

/// Per country: its regions, and which regions a name's first word can start.
struct Table {
    regions: HashMap<CountryCode, Vec<Region>>,
    /// (country, first word of a name or form) → region indices in `regions[country]`.
    first: FastMap<(CountryCode, &'static str), Vec<usize>>,
    /// First word of a name or form that only one country's region has and that is not an
    /// ordinary word → (that country, the name or form).
    unique_first: FastMap<&'static str, Vec<(CountryCode, &'static str)>>,
    /// A name or form → the countries with a region of that name.
    owners: FastMap<&'static str, Vec<CountryCode>>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut regions: HashMap<CountryCode, Vec<Region>> = HashMap::new();
        for line in REGIONS_TSV.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let (Some(country), Some(admin1), Some(name)) =
                (cols.first().and_then(|c| CountryCode::parse(c)), cols.get(1), cols.get(2))
            else {
                continue;
            };
            let forms = cols.get(3).map_or(Vec::new(), |f| f.split(';').filter(|s| !s.is_empty()).collect());
            regions.entry(country).or_default().push(Region { country, admin1, name, forms });
        }
        let mut first: FastMap<(CountryCode, &'static str), Vec<usize>> = FastMap::default();
        for (country, list) in &regions {
            for (i, r) in list.iter().enumerate() {
                for n in std::iter::once(r.name).chain(r.forms.iter().copied()) {
                    let head = n.split(|c: char| !c.is_alphanumeric()).next().unwrap_or(n);
                    let e = first.entry((*country, head)).or_default();
                    if !e.contains(&i) {
                        e.push(i);
                    }
                }
            }
        }
        let mut owners: FastMap<&'static str, Vec<CountryCode>> = FastMap::default();
        for (country, list) in &regions {
            for r in list {
                for n in std::iter::once(r.name).chain(r.forms.iter().copied()) {
                    let e = owners.entry(n).or_default();
                    if !e.contains(country) {
                        e.push(*country);
                    }
                }
            }
        }
        let mut unique_first: FastMap<&'static str, Vec<(CountryCode, &'static str)>> = FastMap::default();
        for (name, countries) in &owners {
            if let [country] = countries.as_slice()
                && !WORDLIKE.contains(name)
                && name.len() >= 3
            {
                let head = name.split(|c: char| !c.is_alphanumeric()).next().unwrap_or(name);
                unique_first.entry(head).or_default().push((*country, *name));
            }
        }
        // Longest first, so that "Northern Cape" is tried before a shorter name it starts with.
        for v in unique_first.values_mut() {
            v.sort_by_key(|(c, n)| (std::cmp::Reverse(n.len()), *n, c.as_str().to_owned()));
        }
        Table { regions, first, unique_first, owners }
    })
}

/// The regions of a country (empty when none are known).
pub fn of(country: CountryCode) -> &'static [Region] {
    table().regions.get(&country).map_or(&[], Vec::as_slice)
}

/// Regions of `country` named in `text` (folded text: accents already folded), in order of
/// first appearance, each once. Only capitalised words are looked up, one hash probe each.
pub fn named_in(country: CountryCode, text: &str) -> Vec<&'static Region> {
    let t = table();
    let Some(list) = t.regions.get(&country) else { return Vec::new() };
    let mut found: Vec<&'static Region> = Vec::new();
    for (start, end) in capitalised_words(text) {
        let Some(candidates) = t.first.get(&(country, &text[start..end])) else { continue };
        let rest = &text[start..];
        for &k in candidates {
            let r = &list[k];
            if !found.iter().any(|f| f.name == r.name)
                && std::iter::once(r.name).chain(r.forms.iter().copied()).any(|n| name_opens(rest, n))
            {
                found.push(r);
            }
        }
    }
    found
}

/// Words that start with an upper-case letter, as `(start, end)` (folded text: names are
/// ASCII).
fn capitalised_words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        // Word by word: a word is skipped whole unless its first byte is a capital.
        while i < b.len() {
            if !b[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if b[start].is_ascii_uppercase() {
                return Some((start, i));
            }
        }
        None
    })
}

/// Regions of any country named in `text` (folded) by a name that only one country's region
/// has and that is not an ordinary word: `(country, name as written, kind word after it)`,
/// each name once, in order of first appearance. Whether a city elsewhere has the name too is
/// for the caller, who has the gazetteer.
pub fn unique_names_in(text: &str) -> Vec<(CountryCode, &'static str, bool, usize)> {
    let t = table();
    let mut found: Vec<(CountryCode, &'static str, bool, usize)> = Vec::new();
    for (start, end) in capitalised_words(text) {
        let Some(candidates) = t.unique_first.get(&text[start..end]) else { continue };
        let rest = &text[start..];
        for &(country, n) in candidates {
            if name_opens(rest, n) && !found.iter().any(|f| f.1 == n) {
                found.push((country, n, kind_follows(&rest[n.len()..]), start));
            }
        }
    }
    found
}

/// Whether `text` opens with `name` as whole words (a generic name only with a kind word
/// after it). It never searches on: a candidate that does not match where it stands costs
/// nothing more, however long the text.
fn name_opens(text: &str, name: &str) -> bool {
    if name.len() < 3 || !text.starts_with(name) {
        return false;
    }
    let after = &text[name.len()..];
    if after.chars().next().is_some_and(char::is_alphanumeric) {
        return false;
    }
    !GENERIC.contains(&name) || kind_follows(after)
}

/// The countries that have a first-level region called `name` (folded, as written).
pub fn countries_with(name: &str) -> &'static [CountryCode] {
    table().owners.get(name).map_or(&[], Vec::as_slice)
}

/// Whether the next word is a kind of region ("Province", "Region", "state").
pub fn kind_follows(after: &str) -> bool {
    let next = after.split_whitespace().next().unwrap_or("");
    KIND_WORDS.contains(&next.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

/// What a word says about a measure's extent (see `partial_scope`).
#[derive(Clone, Copy, PartialEq)]
enum Extent {
    /// "provinces", "districts", "northern": part of the country.
    Part,
    /// "nationwide": the whole country.
    Whole,
    /// "parts", "areas": part of the country when "of" follows.
    PartsOf,
    /// "border": part of the country when "areas"/"regions"/"districts" follows.
    Border,
    /// "north", "south", "capital": part of the country after "the" (or "the far").
    Compass,
    /// "all", "throughout", "across", "whole", "entire", "national": whole country before
    /// "regions"/"provinces", "(the) country", "territory".
    AllOf,
    /// "country", "nation", "territory", and the plural admin words after "all".
    Country,
}

/// Whether a clause places a measure in part of a country rather than all of it: one pass
/// over its ASCII words, one hash probe each, looking back one or two words for pairs.
pub fn partial_scope(clause: &str) -> bool {
    let b = clause.as_bytes();
    let (mut i, mut part) = (0, false);
    // The two previous words (lower-cased, up to 16 bytes) and their classes.
    let mut prev: [(Option<Extent>, [u8; 16], usize); 2] = [(None, [0; 16], 0); 2];
    let mut pending_of = false;
    while i < b.len() {
        while i < b.len() && !b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'-') {
            i += 1;
        }
        if start == i {
            break;
        }
        let mut buf = [0u8; 16];
        let len = (i - start).min(16);
        buf[..len].copy_from_slice(&b[start..start + len]);
        buf[..len].make_ascii_lowercase();
        let word = &buf[..len];
        let class = if i - start > 16 { None } else { extent_of(word) };
        let prev1 = &prev[1].1[..prev[1].2];
        let prev2 = &prev[0].1[..prev[0].2];
        // Part-of-country pairs decided by this word.
        if pending_of && word == b"of" {
            part = true;
        }
        // "as part of a mission" is not a place.
        pending_of = class == Some(Extent::PartsOf) && prev1 != b"as";
        match class {
            Some(Extent::Whole) => return false,
            Some(Extent::Country)
                if prev[1].0 == Some(Extent::AllOf)
                    || prev1 == b"the" && prev[0].0 == Some(Extent::AllOf) =>
            {
                return false;
            }
            Some(Extent::Part) if prev[1].0 == Some(Extent::AllOf) && prev1 == b"all" => return false,
            Some(Extent::Part) => part = true,
            Some(Extent::Compass) if prev1 == b"the" || (prev1 == b"far" && prev2 == b"the") => part = true,
            _ => {}
        }
        if prev[1].0 == Some(Extent::Border) && matches!(word, b"areas" | b"regions" | b"districts") {
            part = true;
        }
        prev[0] = prev[1];
        prev[1] = (class, buf, len);
    }
    part
}

/// What one lower-cased word says about a measure's extent: part of a country (an
/// administrative unit or a compass adjective), the whole of it, or a word that takes part in a
/// two-word reading ("parts of", "all regions", "the north", "border areas").
/// A `match` on the bytes: this runs on every word of every affirmed clause.
fn extent_of(word: &[u8]) -> Option<Extent> {
    Some(match word {
        b"province" | b"provinces" | b"district" | b"districts" | b"region" | b"regions" | b"oblast"
        | b"oblasts" | b"governorate" | b"governorates" | b"county" | b"counties" | b"prefecture"
        | b"prefectures" | b"municipality" | b"municipalities" | b"northern" | b"southern" | b"eastern"
        | b"western" => Extent::Part,
        b"nationwide" | b"countrywide" | b"country-wide" => Extent::Whole,
        b"parts" | b"part" | b"areas" | b"area" => Extent::PartsOf,
        b"border" => Extent::Border,
        b"north" | b"south" | b"east" | b"west" | b"capital" => Extent::Compass,
        b"all" | b"throughout" | b"across" | b"whole" | b"entire" | b"national" => Extent::AllOf,
        b"country" | b"nation" | b"territory" => Extent::Country,
        _ => return None,
    })
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
        assert!(!partial_scope("troops arrived as part of a mission"));
    }
}
