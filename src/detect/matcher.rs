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
use super::places::Gazetteer;
use super::sentences::CLAUSE_BREAKS;
use super::trigger::{Term, TriggerSet};

/// What a matched pattern means. One pattern can mean several things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Longest place name, in words ("United Kingdom of Great Britain and Northern Ireland").
const MAX_NAME_WORDS: usize = 9;

/// Exact-case index of place names by their folded text.
struct PlaceIndex {
    names: FastMap<Box<str>, u32>,
    /// Which name lengths (bit n: n words) start with this word, so only those are looked up.
    first: FastMap<Box<str>, u16>,
}

impl PlaceIndex {
    fn build() -> Self {
        let mut names: FastMap<Box<str>, u32> = FastMap::default();
        let mut first: FastMap<Box<str>, u16> = FastMap::default();
        for (i, name) in Gazetteer::get().names().iter().enumerate() {
            let folded = normalize_pattern(name.text);
            if !folded.starts_with(char::is_uppercase) {
                continue;
            }
            let upper = folded.to_uppercase();
            let variants = if folded.chars().count() > 3 && upper != folded {
                vec![folded, upper]
            } else {
                vec![folded]
            };
            for v in variants {
                let words = v.split(' ').count().min(MAX_NAME_WORDS) as u8;
                let head = v.split(' ').next().unwrap_or("").to_owned();
                // Earlier names win (countries before cities), so keep the first entry.
                names.entry(v.into_boxed_str()).or_insert(i as u32);
                *first.entry(head.into_boxed_str()).or_insert(0) |= 1 << words;
            }
        }
        PlaceIndex { names, first }
    }

    /// Find place names starting at capitalised words; leftmost-longest, non-overlapping.
    fn scan(&self, text: &str, hits: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(start) = next_capital(text, i) {
            match self.longest_at(text, start) {
                Some((end, name)) => {
                    hits.push(Hit { start, end, meaning: Meaning::Place { name } });
                    i = end;
                }
                None => i = start + 1,
            }
            // Skip the rest of the current word.
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80) {
                i += 1;
            }
        }
    }

    fn longest_at(&self, text: &str, start: usize) -> Option<(usize, u32)> {
        // Word ends: a word is a run of alphanumerics, '.' and '\''; words join by one space.
        let first_end = word_end(text, start);
        let first_word = trim_word(&text[start..first_end]);
        let whole = &text[start..first_end];
        let lengths = *self
            .first
            .get(first_word)
            .or_else(|| if whole.len() == first_word.len() { None } else { self.first.get(whole) })?;
        let max = (15 - lengths.leading_zeros()) as usize;
        let mut ends = [0usize; MAX_NAME_WORDS];
        ends[0] = first_end;
        let mut n = 1;
        let mut at = first_end;
        while n < max && text.as_bytes().get(at) == Some(&b' ') {
            let next = word_end(text, at + 1);
            if next == at + 1 {
                break;
            }
            ends[n] = next;
            n += 1;
            at = next;
        }
        for (words, &end) in ends[..n].iter().enumerate().rev() {
            if lengths & (1 << (words + 1)) == 0 {
                continue;
            }
            let cand = &text[start..end];
            for variant in [cand, trim_word(cand)] {
                if let Some(&name) = self.names.get(variant) {
                    return Some((start + variant.len(), name));
                }
            }
        }
        None
    }
}

/// The next word start at or after `from` whose first letter is upper case.
fn next_capital(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    loop {
        // Jump to a byte that can begin a capitalised word.
        i = next_upper_or_lead(bytes, i)?;
        let word_start = i == 0 || {
            let prev = text[..i].chars().next_back().unwrap_or(' ');
            !prev.is_alphanumeric()
        };
        if word_start && (bytes[i] < 0x80 || text[i..].chars().next().is_some_and(char::is_uppercase)) {
            return Some(i);
        }
        i += 1;
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
}

/// The first byte at or after `from` that is an ASCII capital or starts a multi-byte character
/// (>= 0xC0). Eight bytes at a time: most text is lower case, and this runs over all of it.
fn next_upper_or_lead(bytes: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let low7 = x & !HI;
        // Per byte: high bit set, or strictly between '@' (0x40) and '[' (0x5B).
        let capital = (LO * (127 + 0x5B) - low7) & !x & (low7 + LO * (127 - 0x40)) & HI;
        let mut m = (x & HI) | capital;
        while m != 0 {
            let at = i + (m.trailing_zeros() / 8) as usize;
            if bytes[at] < 0x80 || bytes[at] >= 0xC0 {
                return Some(at);
            }
            m &= m - 1;
        }
        i += 8;
    }
    bytes.get(i..)?.iter().position(|&b| b.is_ascii_uppercase() || b >= 0xC0).map(|p| i + p)
}

/// End of the word at `at`: alphanumerics plus '.', '\'' and '&' inside.
fn word_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = at;
    // ASCII first; a multi-byte character hands over to the general loop.
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'\'' || b == b'&' {
            end += 1;
        } else if b < 0x80 {
            return end;
        } else {
            break;
        }
    }
    let at = end;
    for (off, c) in text[at..].char_indices() {
        if c.is_alphanumeric() || c == '.' || c == '\'' || c == '&' {
            end = at + off + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// A word without a possessive or trailing punctuation ("Sudan's" → "Sudan", "Kazakhstan." →
/// "Kazakhstan", but "U.S." keeps its dots when that is a name).
fn trim_word(w: &str) -> &str {
    let w = w.strip_suffix("'s").unwrap_or(w);
    w.trim_end_matches(['.', '\''])
}

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
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        hits
    }

    /// Number of distinct automaton patterns plus indexed place names.
    pub fn pattern_count(&self) -> usize {
        self.terms.entries.len() + self.places.names.len()
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

    #[test]
    fn the_eight_byte_capital_search_agrees_with_the_plain_one() {
        let plain = |b: &[u8], from: usize| {
            b[from..].iter().position(|&c| c.is_ascii_uppercase() || c >= 0xC0).map(|p| from + p)
        };
        let text = "lower words then Almaty, [brackets] @at ZULU zz é Ünter \u{2019}quote and more lower text at the end";
        let b = text.as_bytes();
        for from in 0..b.len() {
            assert_eq!(next_upper_or_lead(b, from), plain(b, from), "from {from}");
        }
        for byte in 0..=255u8 {
            let mut v = vec![b'a'; 20];
            v[11] = byte;
            assert_eq!(next_upper_or_lead(&v, 0), plain(&v, 0), "byte {byte:#x}");
        }
    }
    use crate::config::triggers::default_set;

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
        assert_eq!(names("Côte d'Ivoire"), ["Côte d'Ivoire=Côte d'Ivoire"]);
        assert_eq!(names("the Indian Ocean"), ["Indian Ocean=Indian Ocean"], "blocked phrase wins");
    }
}
