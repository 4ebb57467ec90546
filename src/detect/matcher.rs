//! The one-pass scanner: trigger terms, place names and modifier cues in one Aho-Corasick
//! automaton over the normalised text, plus any trigger regexes.
//!
//! Input: normalised text. Output: [`Hit`]s with normalised byte spans, word-bounded, place
//! names checked for capitalisation. Built once per trigger set; scanning is pure.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use super::cues::{CUES, CueKind};
use super::normalize::normalize_pattern;
use super::places::Gazetteer;
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

/// Compiled matcher for one trigger set and the embedded gazetteer.
pub struct Matcher {
    ac: AhoCorasick,
    entries: Vec<Vec<Entry>>,
    regexes: Vec<(u16, Regex)>,
    /// For place entries: the exact folded name (case-checked after an ASCII-insensitive hit).
    place_text: HashMap<u32, String>,
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
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut entries: Vec<Vec<Entry>> = Vec::new();
        let mut add = |key: String, e: Entry| {
            let id = *keys.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                entries.push(Vec::new());
                entries.len() - 1
            });
            if !entries[id].iter().any(|x| x.meaning == e.meaning && x.prefix == e.prefix) {
                entries[id].push(e);
            }
        };
        let mut add_term = |t: &Term, meaning: Meaning| {
            for key in term_keys(&t.text) {
                add(key, Entry { meaning, prefix: t.prefix });
            }
        };
        for (ti, t) in triggers.triggers().iter().enumerate() {
            let trigger = ti as u16;
            for p in &t.phrases {
                add_term(p, Meaning::Phrase { trigger });
            }
            for (ri, n) in t.near.iter().enumerate() {
                let rule = ri as u16;
                n.a.iter().for_each(|x| add_term(x, Meaning::NearA { trigger, rule }));
                n.b.iter().for_each(|x| add_term(x, Meaning::NearB { trigger, rule }));
            }
            for x in &t.exclude {
                add_term(x, Meaning::Exclude { trigger });
            }
        }
        for (kind, words) in CUES {
            for w in *words {
                let text = normalize_pattern(w).to_lowercase();
                add_term(&Term { text, prefix: false }, Meaning::Cue(*kind));
            }
        }
        let mut place_text = HashMap::new();
        for (i, name) in Gazetteer::get().names().iter().enumerate() {
            let folded = normalize_pattern(name.text);
            let meaning = Meaning::Place { name: i as u32 };
            add(folded.to_ascii_lowercase(), Entry { meaning, prefix: false });
            let upper = folded.to_uppercase();
            if !upper.eq_ignore_ascii_case(&folded) {
                add(upper.to_ascii_lowercase(), Entry { meaning, prefix: false });
            }
            place_text.insert(i as u32, folded);
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| BuildError::Automaton(e.to_string()))?;
        let mut regexes = Vec::new();
        for (ti, t) in triggers.triggers().iter().enumerate() {
            for r in &t.regex {
                let re = Regex::new(r)
                    .map_err(|e| BuildError::Regex { trigger: t.id.to_string(), message: e.to_string() })?;
                regexes.push((ti as u16, re));
            }
        }
        Ok(Matcher { ac, entries, regexes, place_text })
    }

    /// Every word-bounded hit in `text`, in order of start.
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for m in self.ac.find_overlapping_iter(text) {
            let (start, end) = (m.start(), m.end());
            if !boundary_before(text, start) {
                continue;
            }
            for e in &self.entries[m.pattern().as_usize()] {
                let end = if e.prefix {
                    word_end(text, end)
                } else if boundary_after(text, end) {
                    end
                } else {
                    continue;
                };
                if let Meaning::Place { name } = e.meaning {
                    if !self.place_case_ok(name, &text[start..end]) {
                        continue;
                    }
                }
                hits.push(Hit { start, end, meaning: e.meaning });
            }
        }
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
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        hits
    }

    fn place_case_ok(&self, name: u32, found: &str) -> bool {
        let Some(want) = self.place_text.get(&name) else { return false };
        found == want || (found.chars().count() > 3 && found == want.to_uppercase())
    }

    /// Number of distinct patterns in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.entries.len()
    }

    /// Heap bytes used by the automaton.
    pub fn memory_usage(&self) -> usize {
        self.ac.memory_usage()
    }
}

/// Lower-case keys for a folded term: as written and with an initial capital, so that
/// non-ASCII initials ("État") match; ASCII case is already folded by the automaton.
fn term_keys(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut keys = vec![lower.clone()];
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        if !first.is_ascii() {
            let cap: String = first.to_uppercase().chain(chars).collect();
            if cap != lower {
                keys.push(cap);
            }
        }
    }
    keys
}

fn boundary_before(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
}

fn boundary_after(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_none_or(|c| !c.is_alphanumeric())
}

fn word_end(text: &str, at: usize) -> usize {
    at + text[at..].find(|c: char| !c.is_alphanumeric()).unwrap_or(text.len() - at)
}
