//! The scanner: one Aho-Corasick pass ([`super::dfa`]) over the normalised text finds trigger
//! terms, modifier cues and clause breaks; place names are found in a walk over capitalised
//! words by exact, case-sensitive lookup in a name index (40,000 gazetteer names would make
//! the automaton slow; a hash probe per capitalised word is cheap).
//!
//! Input: normalised text. Output: [`Hit`]s sorted by start, word-bounded. Built once per
//! trigger set; scanning is pure.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use regex::Regex;

use super::cues::{CUES, CueKind};
use super::dfa::Dfa;
use super::normalize::normalize_pattern;
use super::place_index::PlaceIndex;
use super::places::Gazetteer;
use super::sentences::CLAUSE_BREAKS;
use super::trigger::{Term, TriggerSet};

/// What a matched pattern means. One pattern can mean several things. The order (variant,
/// then trigger) is the order hits with the same span are reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Meaning {
    Phrase { trigger: u16 },
    NearA { trigger: u16, rule: u16 },
    NearB { trigger: u16, rule: u16 },
    Exclude { trigger: u16 },
    Place { name: u32 },
    Cue(CueKind),
    ClauseBreak,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    meaning: Meaning,
    prefix: bool,
}

/// One match in normalised text.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub meaning: Meaning,
}

/// FNV-1a: place-name keys and emails are short, and SipHash's DoS resistance buys nothing
/// for tables built from our own gazetteer and configured people.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// One automaton and what each of its patterns means.
struct Automaton {
    dfa: Dfa,
    entries: Vec<Vec<Entry>>,
}

impl Automaton {
    fn build(terms: &[(Term, Meaning)]) -> Result<Self, BuildError> {
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut entries: Vec<Vec<Entry>> = Vec::new();
        for (t, meaning) in terms {
            for key in term_keys(&t.text) {
                let id = *keys.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    entries.push(Vec::new());
                    entries.len() - 1
                });
                let e = Entry { meaning: *meaning, prefix: t.prefix };
                if !entries[id].iter().any(|x| x.meaning == e.meaning && x.prefix == e.prefix) {
                    entries[id].push(e);
                }
            }
        }
        let dfa = Dfa::build(&patterns).map_err(BuildError::Automaton)?;
        Ok(Automaton { dfa, entries })
    }

    /// Word-bounded hits in `text`, in no particular order.
    fn scan(&self, text: &str, hits: &mut Vec<Hit>) {
        self.dfa.scan(text.as_bytes(), |start, end, pattern| {
            if !boundary_before(text, start) {
                return;
            }
            for e in &self.entries[pattern] {
                let end = if e.prefix {
                    word_end_alnum(text, end)
                } else if boundary_after(text, end) {
                    end
                } else {
                    continue;
                };
                hits.push(Hit { start, end, meaning: e.meaning });
            }
        });
    }
}

/// Compiled matcher for one trigger set and the embedded gazetteer.
pub struct Matcher {
    /// Trigger phrases, near terms and excludes, modifier cues and clause breaks: one pass.
    terms: Automaton,
    regexes: Vec<(u16, Regex)>,
    places: PlaceIndex,
}

/// Errors building the matcher (only possible with pathological trigger sets).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot build the phrase automaton: {0}")]
    Automaton(String),
    #[error("trigger {trigger}: invalid regex: {message}")]
    Regex { trigger: String, message: String },
}

impl Matcher {
    pub fn build(triggers: &TriggerSet) -> Result<Self, BuildError> {
        let mut terms: Vec<(Term, Meaning)> = Vec::new();
        for (ti, t) in triggers.triggers().iter().enumerate() {
            let trigger = ti as u16;
            terms.extend(t.phrases.iter().map(|p| (p.clone(), Meaning::Phrase { trigger })));
            for (ri, n) in t.near.iter().enumerate() {
                let rule = ri as u16;
                terms.extend(n.a.iter().map(|x| (x.clone(), Meaning::NearA { trigger, rule })));
                terms.extend(n.b.iter().map(|x| (x.clone(), Meaning::NearB { trigger, rule })));
            }
            terms.extend(t.exclude.iter().map(|x| (x.clone(), Meaning::Exclude { trigger })));
        }
        let context = &mut terms;
        for (kind, words) in CUES {
            for w in *words {
                let term = Term { text: normalize_pattern(w).to_lowercase(), prefix: false };
                context.push((term, Meaning::Cue(*kind)));
            }
        }
        // Lower-case place names (French and Spanish adjectives, "sénégalais", "venezolano")
        // follow no capital the place index could probe at: the automaton finds them.
        for (i, name) in Gazetteer::get().names().iter().enumerate() {
            let folded = normalize_pattern(name.text);
            if folded.starts_with(|c: char| c.is_lowercase()) {
                context.push((Term { text: folded, prefix: false }, Meaning::Place { name: i as u32 }));
            }
        }
        for b in CLAUSE_BREAKS {
            context.push((Term { text: (*b).to_owned(), prefix: false }, Meaning::ClauseBreak));
        }
        let mut regexes = Vec::new();
        for (ti, t) in triggers.triggers().iter().enumerate() {
            for r in &t.regex {
                let re = Regex::new(r)
                    .map_err(|e| BuildError::Regex { trigger: t.id.to_string(), message: e.to_string() })?;
                regexes.push((ti as u16, re));
            }
        }
        Ok(Matcher { terms: Automaton::build(&terms)?, regexes, places: PlaceIndex::build() })
    }

    /// Trigger terms, modifier cues, clause breaks and place names in `text`, sorted by start
    /// (longest first at a start).
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.terms.scan(text, &mut hits);
        for (trigger, re) in &self.regexes {
            for m in re.find_iter(text) {
                if boundary_before(text, m.start()) && boundary_after(text, m.end()) {
                    hits.push(Hit {
                        start: m.start(),
                        end: m.end(),
                        meaning: Meaning::Phrase { trigger: *trigger },
                    });
                }
            }
        }
        self.places.scan(text, &mut hits);
        // A total order, so an unstable sort gives one answer whatever order hits arrived in.
        hits.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.meaning));
        hits
    }

    /// Number of distinct automaton patterns plus indexed place names.
    pub fn pattern_count(&self) -> usize {
        self.terms.entries.len() + self.places.len()
    }

    /// Heap bytes used by the automaton (the place index is not counted).
    pub fn memory_usage(&self) -> usize {
        self.terms.dfa.memory_usage()
    }
}

/// Lower-case keys for a folded term: as written and with an initial capital, so that
/// non-ASCII initials ("État") match; ASCII case is already folded by the automaton.
fn term_keys(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut keys = vec![lower.clone()];
    let mut chars = lower.chars();
    if let Some(first) = chars.next()
        && !first.is_ascii()
    {
        let cap: String = first.to_uppercase().chain(chars).collect();
        if cap != lower {
            keys.push(cap);
        }
    }
    keys
}

/// A term starting with a letter or digit needs a non-word character before it; one that
/// starts with punctuation (", and ") brings its own boundary.
fn boundary_before(text: &str, at: usize) -> bool {
    let starts_word = alnum_at(text, at);
    !starts_word || !alnum_before(text, at)
}

fn boundary_after(text: &str, at: usize) -> bool {
    let ends_word = alnum_before(text, at);
    !ends_word || !alnum_at(text, at)
}

/// Whether the character starting at `at` is alphanumeric (ASCII without decoding).
fn alnum_at(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[at..].chars().next().is_some_and(char::is_alphanumeric),
    }
}

/// Whether the character ending at `at` is alphanumeric (ASCII without decoding).
fn alnum_before(text: &str, at: usize) -> bool {
    match at.checked_sub(1).and_then(|i| text.as_bytes().get(i)) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[..at].chars().next_back().is_some_and(char::is_alphanumeric),
    }
}

fn word_end_alnum(text: &str, at: usize) -> usize {
    at + text[at..].find(|c: char| !c.is_alphanumeric()).unwrap_or(text.len() - at)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::triggers::default_set;
    use crate::detect::places::Gazetteer;

    #[test]
    fn finds_places_case_sensitively_and_longest_first() {
        let m = Matcher::build(&default_set()).expect("builds");
        let g = Gazetteer::get();
        let names = |text: &str| -> Vec<String> {
            m.scan(text)
                .into_iter()
                .filter_map(|h| match h.meaning {
                    Meaning::Place { name } => {
                        Some(format!("{}={}", &text[h.start..h.end], g.names()[name as usize].text))
                    }
                    _ => None,
                })
                .collect()
        };
        assert_eq!(names("South Sudan's capital"), ["South Sudan=South Sudan"]);
        assert_eq!(names("in Kazakhstan. Then"), ["Kazakhstan=Kazakhstan"]);
        assert_eq!(names("the U.S. Embassy"), ["U.S.=U.S."]);
        assert_eq!(names("KAZAKHSTAN: curfew"), ["KAZAKHSTAN=Kazakhstan"]);
        assert_eq!(names("a turkey and a chad"), Vec::<String>::new());
        // The scan reads normalised text, where accents are folded (names are folded alike).
        let folded = crate::detect::normalize::normalize("Côte d'Ivoire").text;
        assert_eq!(names(&folded), ["Cote d'Ivoire=Côte d'Ivoire"]);
        assert_eq!(names("the Indian Ocean"), ["Indian Ocean=Indian Ocean"], "blocked phrase wins");
    }
}
