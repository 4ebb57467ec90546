//! Detection: from an advisory's text to explained [`Detection`]s.
//!
//! Input: a [`DetectInput`] (title, body, declared countries, the advisory's year).
//! Output: an [`Analysis`] — the subject country and every trigger match with its place,
//! polarity, evidence sentence, span and confidence. Pure: no IO, no clock, no globals
//! beyond the embedded gazetteer. Never panics on any input text.

pub mod attribution;
pub mod cues;
pub mod dfa;
pub mod hazards;
mod locate;
pub mod matcher;
pub mod modifiers;
pub mod normalize;
mod place_index;
pub mod places;
pub mod sentences;
pub mod trigger;

use locate::{attribute, subject_country};
use std::ops::Range;

use serde::Serialize;

use attribution::{Kind, Mention, Role};
use cues::CueKind;
use matcher::{Hit, Matcher, Meaning};
use modifiers::Candidate;
use normalize::Normalized;
use places::{CountryCode, Gazetteer};
pub use trigger::{FromPlaces, Polarity, Severity, Trigger, TriggerId, TriggerSet};

/// What the engine reads.
#[derive(Debug, Clone, Default)]
pub struct DetectInput<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// Countries declared by metadata (a `country:` header, CAP area, feed category).
    pub declared: &'a [CountryCode],
    /// The advisory's year, for "in 2019"-style historical cues. `None` disables them.
    pub year: Option<i32>,
    /// The advisory's month and day, when its date gives them (with `year`): an event told as
    /// on a day weeks before ("shot dead on 8 January" in a February report) is history.
    pub day: Option<(u8, u8)>,
}

/// Which part of the advisory a detection's span refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Title,
    Body,
}

/// One explained trigger match.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Detection {
    pub trigger: TriggerId,
    pub name: std::sync::Arc<str>,
    pub severity: Severity,
    pub country: Option<CountryCode>,
    pub city: Option<String>,
    /// Regions (GeoNames admin1 names) the evidence names for this country.
    pub regions: Vec<String>,
    /// The measure covers part of the country only: a city, a region, or words such as
    /// "three provinces" or "the far south". Routing can treat travellers elsewhere in the
    /// country differently.
    pub subnational: bool,
    pub polarity: Polarity,
    /// The sentence that fired, as written in the advisory.
    pub evidence: String,
    pub section: Section,
    /// Byte span of the evidence sentence in its section.
    pub span: (usize, usize),
    /// Byte span of the matched phrase (or phrase pair) in its section.
    pub matched: (usize, usize),
    pub confidence: f32,
}

/// The result of analysing one advisory.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Analysis {
    pub primary_country: Option<CountryCode>,
    pub detections: Vec<Detection>,
}

impl Analysis {
    /// Affirmed detections only: the ones that may alert.
    pub fn affirmed(&self) -> impl Iterator<Item = &Detection> {
        self.detections.iter().filter(|d| d.polarity == Polarity::Affirmed)
    }
}

/// A compiled detection engine for one trigger set. Cheap to share (`&Engine` is `Sync`).
pub struct Engine {
    triggers: TriggerSet,
    matcher: Matcher,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("triggers", &self.triggers.len()).finish()
    }
}

/// One section after scanning.
struct Scanned<'a> {
    section: Section,
    original: &'a str,
    norm: Normalized,
    /// Trigger terms and places.
    hits: Vec<Hit>,
    /// Cues and clause breaks, in sentences that hold a trigger term.
    context: Vec<Hit>,
    mentions: Vec<Mention>,
    sentences: Vec<Range<usize>>,
    /// Whether the section reads as a digest of several countries, worked out on first use.
    digest: std::cell::OnceCell<bool>,
}

/// Scope lookups already made in one section: several triggers often share a clause or a
/// sentence, and the answer depends only on its text (and, for regions, the country).
#[derive(Default)]
struct ScopeMemo {
    partial: Vec<(Range<usize>, bool)>,
    regions: Vec<(Range<usize>, CountryCode, Vec<String>)>,
}

impl ScopeMemo {
    /// Whether the clause limits its measure to part of a country.
    fn partial(&mut self, text: &str, clause: &Range<usize>) -> bool {
        if let Some((_, p)) = self.partial.iter().find(|(r, _)| r == clause) {
            return *p;
        }
        let p = places::regions::partial_scope(&text[clause.clone()]);
        self.partial.push((clause.clone(), p));
        p
    }

    /// The regions of `country` the sentence names.
    fn regions(&mut self, text: &str, sentence: &Range<usize>, country: CountryCode) -> Vec<String> {
        if let Some((_, _, r)) = self.regions.iter().find(|(s, c, _)| s == sentence && *c == country) {
            return r.clone();
        }
        let r: Vec<String> = places::regions::named_in(country, &text[sentence.clone()])
            .iter()
            .map(|r| r.name.to_owned())
            .collect();
        self.regions.push((sentence.clone(), country, r.clone()));
        r
    }
}

/// A trigger match before place attribution.
struct Raw {
    trigger: usize,
    cand: Candidate,
    clause: Range<usize>,
    sentence: Range<usize>,
    base_confidence: f32,
    /// A near rule's first term next to a lift cue ("access to social media was restored"):
    /// kept only when it reads as lifted, to report the measure's end.
    lift_only: bool,
}

impl Engine {
    pub fn new(triggers: TriggerSet) -> Result<Self, matcher::BuildError> {
        let matcher = Matcher::build(&triggers)?;
        Ok(Engine { triggers, matcher })
    }

    pub fn triggers(&self) -> &TriggerSet {
        &self.triggers
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Analyse one advisory.
    pub fn analyze(&self, input: &DetectInput<'_>) -> Analysis {
        let g = Gazetteer::get();
        let mut sections = vec![self.scan(Section::Title, input.title), self.scan(Section::Body, input.body)];
        // Only an advisory with a measure that reads "from" (an entry ban) can have a subject
        // confused with where its travellers come from.
        let reads_origins = sections.iter().any(|s| {
            s.hits.iter().any(|h| match h.meaning {
                Meaning::Phrase { trigger } | Meaning::NearA { trigger, .. } => {
                    self.triggers.triggers()[trigger as usize].from_places == FromPlaces::Exclude
                }
                _ => false,
            })
        });
        // Whether the title tells of a measure itself (then it is the story's own headline).
        // Its candidates do not depend on which town a city name is, so they are kept for the
        // loop below.
        let mut title_cands = self.candidates(&sections[0]);
        let title_tells = !title_cands.is_empty();
        settle_the_bare_congo(&mut sections);
        let subject = subject_country(input.declared, &sections, g, reads_origins, title_tells);
        for s in &mut sections {
            for i in 0..s.mentions.len() {
                let m = &s.mentions[i];
                let Kind::City(_) = m.kind else { continue };
                let id = attribution::resolve_city(g, m.candidates, subject);
                let country = g.city(id).country;
                let mut role = m.role;
                if !attribution::city_accepted(g, id, subject) && role == Role::Plain {
                    role = Role::Org;
                }
                // A town named like a word, opening a sentence, is the word ("Along with a ban
                // on gatherings …", "Mobile phone operators …") unless the sentence names the
                // town's country too.
                if g.city(id).wordlike && role == Role::Plain {
                    // (Sentences and mentions are in text order: found by bisection, so a
                    // long text with many such names stays linear.)
                    let k = s.sentences.partition_point(|r| r.end <= m.start);
                    let sentence = s.sentences.get(k).filter(|r| r.start <= m.start);
                    if let Some(r) = sentence
                        && opens(&s.norm.text[r.start..m.start])
                    {
                        let from = s.mentions.partition_point(|o| o.start < r.start);
                        let to = s.mentions.partition_point(|o| o.start < r.end);
                        if !s.mentions[from..to].iter().any(|o| o.kind != m.kind && o.country == country) {
                            role = Role::Org;
                        }
                    }
                }
                let m = &mut s.mentions[i];
                m.kind = Kind::City(id);
                m.country = country;
                m.role = role;
            }
        }
        // A title that dates its events in an earlier year than the advisory's ("Timeline: 20
        // July 2024 - curfew" in a 2025 report) makes the body a retrospective account: its
        // measures are history unless a clause says they still hold.
        // So does an anniversary piece ("A 20 años del corralito", "ten years since the coup").
        let retrospective = input.year.is_some_and(|y| modifiers::past_year_in(&sections[0].norm.text, y))
            || (cues::names_any(&sections[0].norm.text, ANNIVERSARY)
                && !cues::names_any(&sections[0].norm.text, HAPPENING_NOW));
        let mut all: Vec<(Detection, Option<usize>)> = Vec::new();
        for (i, s) in sections.iter().enumerate() {
            let mut memo = ScopeMemo::default();
            let cands = if i == 0 { std::mem::take(&mut title_cands) } else { self.candidates(s) };
            for raw in cands {
                all.extend(self.explain(s, &raw, subject, (input.year, input.day), retrospective, &mut memo));
            }
        }
        // The lede of a report states the latest status, as its title does.
        let lede_end =
            sections[1].sentences.first().map_or(0, |r| sections[1].norm.original_span(r.start, r.end).1);
        latest_status_wins(&mut all, &self.triggers, lede_end);
        // (A heading such as "Introduction" before the first sentence is not the lede.)
        let lede_sentence_end = sections[1]
            .sentences
            .iter()
            .find(|r| sections[1].norm.text[r.start..r.end].split_whitespace().nth(3).is_some())
            .map_or(0, |r| sections[1].norm.original_span(r.start, r.end).1);
        title_follows_body(&mut all, &self.triggers, lede_sentence_end);
        // The most confident detection per (trigger, country, polarity), in first-seen order;
        // an advisory has a handful, so a linear search beats hashing.
        let mut detections: Vec<Detection> = Vec::new();
        for (d, _) in all {
            match detections.iter_mut().find(|b| {
                b.trigger == d.trigger
                    && b.country == d.country
                    && b.city == d.city
                    && b.polarity == d.polarity
            }) {
                Some(prev) if prev.confidence >= d.confidence => {}
                Some(prev) => *prev = d,
                None => detections.push(d),
            }
        }
        Analysis { primary_country: subject, detections }
    }

    fn scan<'a>(&self, section: Section, original: &'a str) -> Scanned<'a> {
        let norm = normalize::normalize(original);
        let (hits, cues): (Vec<Hit>, Vec<Hit>) = self
            .matcher
            .scan(&norm.text)
            .into_iter()
            .partition(|h| !matches!(h.meaning, Meaning::Cue(_) | Meaning::ClauseBreak));
        let place_hits: Vec<(usize, usize, u32)> = hits
            .iter()
            .filter_map(|h| match h.meaning {
                Meaning::Place { name } => Some((h.start, h.end, name)),
                _ => None,
            })
            .collect();
        let mentions = attribution::mentions(&norm.text, place_hits, section == Section::Title);
        let sentences = sentences::sentences(&norm.text);
        // Modifier cues and clause breaks matter only where a trigger term is.
        let mut context = Vec::new();
        for sent in &sentences {
            let (mut phrase, mut near) = (false, false);
            for h in hits_in(&hits, sent) {
                match h.meaning {
                    Meaning::Phrase { .. } => phrase = true,
                    Meaning::NearA { .. } => near = true,
                    _ => {}
                }
            }
            // Most sentences have neither; collect hits only to check a possible near pair.
            let lift_near = near && hits_in(&cues, sent).any(|h| h.meaning == Meaning::Cue(CueKind::Lift));
            let wanted = phrase
                || lift_near
                || (near && {
                    let in_sent: Vec<&Hit> = hits_in(&hits, sent).collect();
                    !near_pairs(&norm.text, &in_sent, &self.triggers).is_empty()
                });
            if wanted {
                context.extend(hits_in(&cues, sent).copied());
            }
        }
        Scanned {
            section,
            original,
            norm,
            hits,
            context,
            mentions,
            sentences,
            digest: std::cell::OnceCell::new(),
        }
    }

    /// Trigger candidates: phrases, regexes and near-pairs, one per trigger and clause.
    fn candidates(&self, s: &Scanned<'_>) -> Vec<Raw> {
        let text = &s.norm.text;
        let mut out = Vec::new();
        for sent in &s.sentences {
            if !hits_in(&s.hits, sent)
                .any(|h| matches!(h.meaning, Meaning::Phrase { .. } | Meaning::NearA { .. }))
            {
                continue;
            }
            let in_sent: Vec<&Hit> = hits_in(&s.hits, sent).collect();
            let breaks: Vec<(usize, usize)> = hits_in(&s.context, sent)
                .filter(|h| h.meaning == Meaning::ClauseBreak)
                .map(|h| (h.start, h.end))
                .collect();
            for clause in sentences::clauses_at(text, sent.clone(), &breaks) {
                let hits: Vec<&Hit> = in_sent
                    .iter()
                    .copied()
                    .filter(|h| h.start >= clause.start && h.end <= clause.end)
                    .collect();
                let mut seen: Vec<usize> = Vec::new();
                // An exclude of part of a place ("airports in", "parts of") preceded by "all" or
                // "every" names the whole of it.
                let counts = |h: &Hit| !word_before_is(text, h.start, &["all", "every"]);
                // An exclude that holds a near rule's second term (the state: cut, outage,
                // closed) whole names another thing in that state ("power outages", "coupures
                // d'eau"): its terms are spent, and the clause's other terms may still pair. Any
                // other exclude ("compagnies aériennes", "restored") vetoes the trigger's near
                // pairs in the clause.
                let holds_term = |x: &Hit| {
                    let Meaning::Exclude { trigger } = x.meaning else { return false };
                    hits.iter().any(|h| {
                        matches!(h.meaning, Meaning::NearB { trigger: t, .. } if t == trigger)
                            && x.start <= h.start
                            && h.end <= x.end
                            && (x.start, x.end) != (h.start, h.end)
                    })
                };
                let spent: Vec<&Hit> = hits.iter().copied().filter(|x| holds_term(x)).collect();
                // "India closed 24 airports as Pakistan resumed flights": an exclude whose own
                // subject is a second country, named right before it, speaks of that country.
                let of_another = |x: &Hit| {
                    let names: Vec<&Mention> = inside(&s.mentions, &clause, |m| (m.start, m.end))
                        .filter(|m| m.kind == Kind::Name)
                        .collect();
                    names.iter().enumerate().any(|(i, m)| {
                        m.end <= x.start
                            && modifiers::words_between(text, m.end, x.start) <= 2
                            && names[..i].iter().any(|p| p.country != m.country)
                    })
                };
                let excluded = |t: usize| {
                    hits.iter().any(|h| {
                        h.meaning == Meaning::Exclude { trigger: t as u16 }
                            && counts(h)
                            && !spent.iter().any(|x| std::ptr::eq(*x, *h))
                            && !of_another(h)
                    })
                };
                let unspent: Vec<&Hit>;
                let pairable: &[&Hit] = if spent.is_empty() {
                    &hits
                } else {
                    unspent = hits
                        .iter()
                        .copied()
                        .filter(|h| {
                            let (Meaning::NearA { trigger: t, .. } | Meaning::NearB { trigger: t, .. }) =
                                h.meaning
                            else {
                                return true;
                            };
                            !spent.iter().any(|x| {
                                x.meaning == Meaning::Exclude { trigger: t }
                                    && x.start <= h.start
                                    && h.end <= x.end
                            })
                        })
                        .collect();
                    &unspent
                };
                // A trigger's own phrase stands beside an exclude that is another item of the
                // same list ("fired live rounds, rubber bullets and tear gas"); a near pair,
                // being looser, is excluded by any in the clause.
                let phrase_excluded = |t: usize, p: &Hit| {
                    hits.iter().any(|h| {
                        h.meaning == Meaning::Exclude { trigger: t as u16 }
                            && counts(h)
                            && !listed_apart(text, p, h)
                    })
                };
                for h in &hits {
                    if let Meaning::Phrase { trigger } = h.meaning {
                        let t = trigger as usize;
                        if seen.contains(&t) || phrase_excluded(t, h) {
                            continue;
                        }
                        seen.push(t);
                        out.push(Raw {
                            trigger: t,
                            cand: Candidate { first: (h.start, h.end), last: (h.start, h.end) },
                            clause: clause.clone(),
                            sentence: sent.clone(),
                            base_confidence: 0.9,
                            lift_only: false,
                        });
                    }
                }
                for NearPair { trigger: t, a, b } in near_pairs(text, pairable, &self.triggers) {
                    if seen.contains(&t) || excluded(t) {
                        continue;
                    }
                    seen.push(t);
                    let (first, last) = if a.0 <= b.0 { (a, b) } else { (b, a) };
                    let gap = modifiers::words_between(text, first.1, last.0) as f32;
                    out.push(Raw {
                        trigger: t,
                        cand: Candidate { first, last },
                        clause: clause.clone(),
                        sentence: sent.clone(),
                        base_confidence: (0.85 - 0.02 * gap).max(0.6),
                        lift_only: false,
                    });
                }
                // A measure's subject next to a lift cue reports the measure ended, though its
                // own words are not there ("social media access is being restored").
                let lifts: Vec<&Hit> = hits_in(&s.context, &clause)
                    .filter(|h| h.meaning == Meaning::Cue(CueKind::Lift))
                    .collect();
                if lifts.is_empty() {
                    continue;
                }
                for h in &hits {
                    let Meaning::NearA { trigger, rule } = h.meaning else { continue };
                    let t = trigger as usize;
                    if !self.triggers.triggers()[t].near[rule as usize].lift_alone {
                        continue;
                    }
                    let near_lift = lifts.iter().any(|l| {
                        let gap = if l.start >= h.end {
                            modifiers::words_between(text, h.end, l.start)
                        } else {
                            modifiers::words_between(text, l.end, h.start)
                        };
                        // Close by: a lift word further off ("to remove the effects of damage to
                        // some banking centers") ends nothing the term names.
                        gap < NEAR_LIFT_REACH
                    });
                    // Excludes that are themselves lift words do not veto the report of a lift.
                    let vetoed = hits.iter().any(|x| {
                        x.meaning == Meaning::Exclude { trigger }
                            && !lifts.iter().any(|l| l.start < x.end && x.start < l.end)
                    });
                    if seen.contains(&t) || !near_lift || vetoed {
                        continue;
                    }
                    seen.push(t);
                    out.push(Raw {
                        trigger: t,
                        cand: Candidate { first: (h.start, h.end), last: (h.start, h.end) },
                        clause: clause.clone(),
                        sentence: sent.clone(),
                        base_confidence: 0.6,
                        lift_only: true,
                    });
                }
            }
        }
        out
    }

    /// Polarity and places for one candidate; one detection per attributed country, each with
    /// the index of the trigger it reports lifted (if it does).
    fn explain(
        &self,
        s: &Scanned<'_>,
        raw: &Raw,
        subject: Option<CountryCode>,
        (year, day): (Option<i32>, Option<(u8, u8)>),
        retrospective: bool,
        memo: &mut ScopeMemo,
    ) -> Vec<(Detection, Option<usize>)> {
        let text = &s.norm.text;
        // Flights stopped on routes: the measure can only hold at the routes' other ends.
        let routes_excluded = self.triggers.triggers()[raw.trigger].routes_excluded;
        // "suspended flights to and from 25 more countries": routes to a set of countries
        // close no airport.
        // (An airspace or airport closed to such flights is closed: "Niger's airspace remains
        // closed to flights to and from other countries".)
        if routes_excluded
            && counts_routes(text, raw)
            && !names_the_air_itself(&text[raw.cand.first.0..raw.cand.last.1])
        {
            return Vec::new();
        }
        // "IndiGo suspended all flights to and from Kathmandu": flights stopped at one city are
        // that airport's traffic; the country is not closed to arrivals.
        if self.triggers.triggers()[raw.trigger].from_places == FromPlaces::Exclude
            && routes_to_cities_only(s, raw)
        {
            return Vec::new();
        }
        // "banned from entering the city centre": keeping people out of a district, a building
        // or a town is no ban on entering the country; "to help these students leave the
        // premises": getting people out of a building or a district is no one's departure from
        // the country.
        let matched = &text[raw.cand.first.0..raw.cand.last.1];
        let moves = if self.triggers.triggers()[raw.trigger].from_places == FromPlaces::Exclude {
            &["entering", "enter"][..]
        } else {
            &["leave", "leaving"][..]
        };
        if crosses_a_local_place(matched, &text[raw.cand.last.1..], moves) {
            return Vec::new();
        }
        let route_ends = if routes_excluded { route_ends(s, raw, subject) } else { Vec::new() };
        // "India closes 24 airports as Pakistan resumes flights": a lift after the match whose
        // own subject is another country, named right before it, is that country's.
        let in_clause: Vec<&Mention> = inside(&s.mentions, &raw.clause, |m| (m.start, m.end)).collect();
        let own_country = in_clause
            .iter()
            .rev()
            .find(|m| m.end <= raw.cand.first.0 && m.kind == Kind::Name)
            .map(|m| m.country);
        let lift_of_another = |h: &Hit| {
            h.meaning == Meaning::Cue(CueKind::Lift)
                && h.start >= raw.cand.last.1
                && own_country.is_some_and(|own| {
                    in_clause.iter().any(|m| {
                        m.start >= raw.cand.last.1
                            && m.end <= h.start
                            && m.kind == Kind::Name
                            && m.country != own
                            && modifiers::words_between(text, m.end, h.start) <= 2
                    })
                })
        };
        let cue_hits: Vec<Hit> = hits_in(&s.context, &raw.clause)
            .filter(|h| matches!(h.meaning, Meaning::Cue(_)) && !lift_of_another(h))
            .copied()
            .collect();
        // Other measures named in the clause: a lift cue right before one of them ("after
        // lifting of the state of emergency") is that measure's, not this one's.
        // A near rule's first term counts too: "rétabli l'accès à internet" restores the
        // internet, not the curfew kept later in the clause.
        let others: Vec<(usize, usize)> = hits_in(&s.hits, &raw.clause)
            .filter(|h| match h.meaning {
                Meaning::Phrase { trigger } => trigger as usize != raw.trigger,
                Meaning::NearA { trigger, .. } => {
                    trigger as usize != raw.trigger
                        && (h.end <= raw.cand.first.0 || h.start >= raw.cand.last.1)
                }
                _ => false,
            })
            .map(|h| (h.start, h.end))
            .collect();
        let mut found = modifiers::find(
            text,
            (raw.clause.start, raw.clause.end),
            raw.sentence.start,
            &raw.cand,
            &cue_hits,
            year,
            &others,
        );
        // (The examples' lead stands within a few hundred bytes of the measure.)
        if !found.habitual
            && modifiers::examples_have_undergone(attribution::text_before(
                text,
                raw.cand.first.0,
                (raw.cand.first.0 - raw.sentence.start).min(400),
            ))
        {
            found.habitual = true;
        }
        // A heading that is only the measure's name ("Ordered Departure") says no more than the
        // sentence under it: it takes that sentence's time and modality.
        if let Some(next) = heading_only(text, &raw.sentence, &raw.cand)
            .then(|| s.sentences.iter().find(|r| r.start >= raw.sentence.end))
            .flatten()
        {
            let next_cues: Vec<Hit> =
                hits_in(&s.context, next).filter(|h| matches!(h.meaning, Meaning::Cue(_))).copied().collect();
            let at = (next.start, next.start);
            let f = modifiers::find(
                text,
                (next.start, next.end),
                next.start,
                &Candidate { first: at, last: at },
                &next_cues,
                year,
                &[],
            );
            found.historical |= f.historical;
            found.hypothetical |= f.hypothetical;
            found.lifted |= f.lifted;
        }
        // "Large-scale protests in 2022 resulted in loss of life. Movement was difficult due to
        // curfews": a past-tense sentence with no time of its own goes on with the story the
        // sentence before dated in a past year.
        if !found.historical
            && let Some(y) = year
            && continues_a_dated_past(text, &s.sentences, &raw.sentence, y)
        {
            found.historical = true;
        }
        // "A state of emergency is no longer in effect. It was lifted in October 2021": the
        // sentence that refers back to the lift dates it.
        if found.lifted
            && !found.lift_past
            && let (Some(y), Some(next)) = (year, s.sentences.iter().find(|r| r.start >= raw.sentence.end))
        {
            let next_text = &text[next.clone()];
            let opener = next_text.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
            let refers_back = ["it", "this", "that", "il", "elle", "ce", "cette", "esta", "este", "fue"]
                .iter()
                .any(|w| w.eq_ignore_ascii_case(opener));
            if refers_back && modifiers::past_year_in(next_text, y) && cues::says(CueKind::Lift, next_text) {
                found.lift_past = true;
            }
        }
        let trigger = &self.triggers.triggers()[raw.trigger];
        let clearer = self.triggers.clearer_of(raw.trigger);
        let (mut polarity, cleared) =
            modifiers::resolve(&found, &trigger.ignore_modifiers, clearer.is_some());
        if raw.lift_only && !(cleared || polarity == Polarity::Lifted) {
            return Vec::new();
        }
        if retrospective && s.section == Section::Body && polarity == Polarity::Affirmed && !found.active {
            polarity = Polarity::Historical;
        }
        // A one-off event (shots fired, an evacuation) told as on a day more than two weeks
        // before the advisory's date is history; a state (a curfew) may well go on.
        if trigger.event
            && polarity == Polarity::Affirmed
            && !found.active
            && let (Some(y), Some((m, d))) = (year, day)
            && modifiers::dated_weeks_before(&text[raw.sentence.clone()], (y, m, d))
        {
            polarity = Polarity::Historical;
        }

        // An all-clear phrase ("end of the state of emergency") reports its cleared trigger
        // lifted, as a lift cue on that trigger's own match does.
        let clears_index = self.triggers.triggers()[raw.trigger]
            .clears
            .as_ref()
            .and_then(|c| self.triggers.index_of(c.as_str()));
        let lifted_of = if cleared || polarity == Polarity::Lifted {
            Some(raw.trigger)
        } else if polarity == Polarity::Affirmed {
            clears_index
        } else {
            None
        };
        let trigger = match (cleared, clearer) {
            (true, Some(c)) => &self.triggers.triggers()[c],
            _ => trigger,
        };
        // "the country" as a route's or a border's other end ("its border with the country")
        // is not where the measure holds.
        // "Pakistan resumed flights nationwide": after a country named in the clause, "the
        // country" and "nationwide" are that country.
        let refers_to_named = |h: &Hit| {
            in_clause
                .iter()
                .rev()
                .find(|m| m.end <= h.start && m.kind == Kind::Name)
                .is_some_and(|m| Some(m.country) != subject)
        };
        let subject_ref = cue_hits.iter().any(|h| {
            h.meaning == Meaning::Cue(CueKind::SubjectRef)
                && !led_by(text, h.start, OTHER_END_LEADS)
                && !refers_to_named(h)
                // "… closed their border crossings with Syria, as a result of the fighting in
                // the country": "the country" in a cause told after the match is the cause's.
                && (h.start < raw.cand.last.1
                    || h.start > raw.clause.end
                    || locate::cause_at(&text[raw.cand.last.1..h.start]).is_none())
        });
        let mut places =
            attribute(s, raw, subject, subject_ref, self.triggers.triggers()[raw.trigger].from_places);
        if !route_ends.is_empty() {
            // Only the advisory's own country can be closed at a route's far end ("all
            // international flights to and from Bolivia"); another country's routes stopped
            // close nothing there.
            places.retain(|p| p.0.is_some_and(|c| route_ends.contains(&c) && Some(c) == subject));
            // Another country named before the match stopped the flights ("Hong Kong suspended
            // flights from India"): its ban on the routes, not the subject's airports closing.
            let other_acts = s.mentions.iter().any(|m| {
                m.start >= raw.clause.start
                    && m.end <= raw.cand.first.0
                    && m.kind == attribution::Kind::Name
                    && Some(m.country) != subject
            });
            if places.is_empty() || other_acts {
                return Vec::new();
            }
        }
        let (span_s, span_e) = s.norm.original_span(raw.sentence.start, raw.sentence.end);
        let (m_s, m_e) = s.norm.original_span(raw.cand.first.0, raw.cand.last.1);
        let evidence = evidence_around(s.original, (span_s, span_e), (m_s, m_e)).to_owned();
        let places = if places.is_empty() { vec![(None, None, 0.7)] } else { places };
        // Only affirmed detections route, so only they need to know where they apply.
        let affirmed = polarity == Polarity::Affirmed;
        // ("Ukraine closed its airspace after … Western sanctions failed": a cause told after
        // the match does not narrow where the measure holds.)
        let scope = match locate::cause_at(&text[raw.cand.last.1..raw.clause.end]) {
            Some(i) => raw.clause.start..raw.cand.last.1 + i,
            None => raw.clause.clone(),
        };
        let partial = affirmed && memo.partial(text, &scope);
        places
            .into_iter()
            .map(|(country, city, factor)| {
                let regions: Vec<String> = match country.filter(|_| affirmed) {
                    Some(c) => memo.regions(text, &raw.sentence, c),
                    None => Vec::new(),
                };
                let subnational = partial || city.is_some() || !regions.is_empty();
                (
                    Detection {
                        trigger: trigger.id.clone(),
                        name: trigger.name.clone(),
                        severity: trigger.severity,
                        country,
                        city,
                        regions,
                        subnational,
                        polarity,
                        evidence: evidence.clone(),
                        section: s.section,
                        span: (span_s, span_e),
                        matched: (m_s, m_e),
                        confidence: ((raw.base_confidence * factor) * 100.0).round() / 100.0,
                    },
                    lifted_of,
                )
            })
            .collect()
    }
}

/// The longest evidence a detection carries, in bytes. A sentence longer than this (text
/// without full stops, a list run together) is cut to a window around the match: each
/// candidate keeps its own copy, so an uncut 12 MB "sentence" times thousands of matches
/// would exhaust memory.
const MAX_EVIDENCE: usize = 2_000;

/// The sentence `span` of `original`, trimmed, or a window of it around the match `m` when
/// the sentence is longer than `MAX_EVIDENCE` (cut at word boundaries where it can be).
fn evidence_around(original: &str, span: (usize, usize), m: (usize, usize)) -> &str {
    let sentence = original[span.0..span.1].trim();
    if sentence.len() <= MAX_EVIDENCE {
        return sentence;
    }
    let half = MAX_EVIDENCE / 2;
    let mut from = m.0.saturating_sub(half).max(span.0);
    let mut to = (m.1 + half).min(span.1).max(from);
    while !original.is_char_boundary(from) {
        from += 1;
    }
    while !original.is_char_boundary(to) {
        to -= 1;
    }
    let window = &original[from..to];
    // Whole words only: drop the partial word at each cut end.
    let start = if from > span.0 { window.find(char::is_whitespace).map_or(0, |i| i + 1) } else { 0 };
    let end =
        if to < span.1 { window.rfind(char::is_whitespace).unwrap_or(window.len()) } else { window.len() };
    if start < end { window[start..end].trim() } else { window.trim() }
}

/// Words that make a lift partial or gradual: the measure still holds somewhere.
const PARTIAL_LIFT: &[&str] = &[
    "partially",
    "partly",
    "in parts of",
    "in some",
    "most parts",
    "except",
    "yet to",
    "still",
    "gradually",
    "slowly",
    "starts restoring",
    "started restoring",
    "start restoring",
    "began restoring",
    "begun restoring",
    "started lifting",
    "starts lifting",
    "began lifting",
    "partiellement",
    "en partie",
    "progressivement",
    "sauf",
    "parcialmente",
    "en parte",
    "gradualmente",
    "excepto",
    "salvo",
];

/// Whether a sentence counts the places it speaks of ("restored in 19 districts", "dans 12
/// provinces"): some of them, not the whole country.
fn counts_places(sentence: &str) -> bool {
    const PLACES: &[&str] = &[
        "districts",
        "provinces",
        "regions",
        "areas",
        "cities",
        "towns",
        "regencies",
        "departments",
        "states",
        "départements",
        "departements",
        "departamentos",
        "provincias",
        "regiones",
        "ciudades",
        "villes",
    ];
    let words: Vec<&str> = sentence.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.windows(3).any(|w| {
        ["in", "dans", "en"].contains(&w[0])
            && w[1].bytes().all(|b| b.is_ascii_digit())
            && PLACES.iter().any(|p| w[2].eq_ignore_ascii_case(p))
    })
}

/// The latest status wins: an affirmed measure reported lifted later in the advisory (or in
/// its title, which states the news) is demoted to `lifted` for that country.
/// A title that names a measure the body's lede tells as ended or as history ("Capital
/// controls in Iceland" over an account of 2008; "Neutralization of rebellion achieved by
/// martial law" over "martial law expired at midnight") names it as a topic: it takes the
/// body's status. A body that also tells it as holding, or first tells of it after the lede,
/// leaves the title as it is.
fn title_follows_body(all: &mut [(Detection, Option<usize>)], triggers: &TriggerSet, lede_end: usize) {
    for i in 0..all.len() {
        let (d, of) = &all[i];
        if d.section != Section::Title || d.polarity != Polarity::Affirmed || of.is_some() {
            continue;
        }
        let Some(t) = triggers.index_of(d.trigger.as_str()) else { continue };
        let (mut affirmed, mut ended, mut past, mut first) = (false, false, false, usize::MAX);
        for (b, b_of) in all.iter().filter(|(b, _)| b.section == Section::Body && b.country == d.country) {
            // An all-clear of this measure ("martial law expired") tells it ended.
            let clears = *b_of == Some(t) && b.trigger != d.trigger;
            if b.trigger != d.trigger && !clears {
                continue;
            }
            // "lifted the curfew in Dhaka for seven hours", "partially restored": the
            // measure goes on.
            if (clears || b.polarity == Polarity::Lifted) && lifted_for_a_while(&b.evidence) {
                continue;
            }
            first = first.min(b.span.0);
            match b.polarity {
                _ if clears => ended = true,
                Polarity::Affirmed => affirmed = true,
                Polarity::Lifted => ended = true,
                Polarity::Historical => past = true,
                _ => {}
            }
        }
        if !affirmed && (ended || past) && first < lede_end {
            all[i].0.polarity = if ended { Polarity::Lifted } else { Polarity::Historical };
        }
    }
}

/// Whether a reported lift is partial or for some hours only.
fn lifted_for_a_while(evidence: &str) -> bool {
    if cues::says_any(evidence, PARTIAL_LIFT.iter().copied()) || counts_places(evidence) {
        return true;
    }
    let words: Vec<String> = evidence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.windows(3).any(|w| {
        matches!(w[0].as_str(), "for" | "pendant" | "durante" | "por")
            && matches!(w[2].as_str(), "hour" | "hours" | "heures" | "horas")
    })
}

fn latest_status_wins(all: &mut [(Detection, Option<usize>)], triggers: &TriggerSet, lede_end: usize) {
    /// A reported lift: its position, the trigger it lifts, where it was said.
    struct Lift {
        at: usize,
        trigger: usize,
        country: Option<CountryCode>,
        city: Option<String>,
        /// "All other airports … have reopened": the lift leaves out the places named apart.
        others_only: bool,
        /// "partially lifted", "restored in 19 districts", "starts restoring": the measure
        /// goes on elsewhere, so the lift ends no other report of it.
        partial: bool,
        section: Section,
        span: (usize, usize),
    }
    let lifts: Vec<Lift> = all
        .iter()
        .enumerate()
        .filter_map(|(at, (d, of))| {
            of.map(|trigger| Lift {
                at,
                trigger,
                country: d.country,
                city: d.city.clone(),
                others_only: cues::says_any(
                    &d.evidence,
                    [
                        "all other",
                        "the other",
                        "los demas",
                        "los demás",
                        "les autres",
                        "todos los demas",
                        "todos los demás",
                    ],
                ),
                partial: cues::says_any(&d.evidence, PARTIAL_LIFT.iter().copied())
                    || counts_places(&d.evidence),
                section: d.section,
                span: d.span,
            })
        })
        // One carrier ending its own evacuation ("ended evacuation efforts for their citizens")
        // does not end the others'.
        .filter(|l| {
            let (d, _) = &all[l.at];
            triggers.triggers()[l.trigger].from_places != FromPlaces::Prefer
                || !locate::names_own_people(&d.evidence)
        })
        .collect();
    for (i, (d, of)) in all.iter_mut().enumerate() {
        if d.polarity != Polarity::Affirmed || of.is_some() {
            continue;
        }
        let Some(t) = triggers.index_of(d.trigger.as_str()) else { continue };
        // A lift reported later, in the title, or in the same sentence ("Updated to reflect
        // the end of the state of emergency") is the latest status.
        let same_sentence = |sec: Section, span: (usize, usize)| sec == d.section && span == d.span;
        // A measure said to go on ("X remains blocked", "siguen bloqueados") is a status of its
        // own: a lift in the title, the lede or its own sentence (mobile data restored, "aunque
        // Facebook y WhatsApp siguen bloqueados") does not end it.
        // (Read only when such a lift exists: most detections have none.)
        let lifted_by = |early: bool| {
            lifts.iter().any(|l| {
                let lede = l.section == Section::Body && l.span.1 <= lede_end;
                l.trigger == t
                    && l.country == d.country
                    // Cusco's airport reopening does not reopen Andahuaylas's.
                    && (l.city.is_none() || d.city.is_none() || l.city == d.city)
                    && !(l.others_only && d.city.is_some() && l.span != d.span)
                    && !(l.partial && (l.section, l.span) != (d.section, d.span))
                    && (l.at > i
                        || (early
                            && (l.section == Section::Title || lede || same_sentence(l.section, l.span))))
            })
        };
        // A measure said to be back ("again in the midst of a shutdown", "de nouveau") came
        // after any lift told later in the text, which is then the earlier episode.
        // Only a measure said to be in force now stands against the title's or lede's lift;
        // an extension told in the past ("parliament approved extending it on 20 February")
        // came before the lift.
        // ("Martial law would remain in effect", reported before the lift, is not now.)
        // (Read only when such a lift exists: the word lists are searched in the evidence.)
        let in_force_now = || {
            cues::says_in_force(&d.evidence)
                && !cues::says_any(
                    &d.evidence,
                    [
                        "would",
                        "resterait",
                        "serait",
                        "seguiria",
                        "permaneceria",
                        // Told in the past: "the curfew was in place from midnight to 4am".
                        "was in place",
                        "were in place",
                        "was in force",
                        "were in force",
                        "was in effect",
                        "were in effect",
                        "had been in place",
                        "had been in force",
                        "had been in effect",
                    ],
                )
        };
        let later_lift =
            (lifted_by(false) || (lifted_by(true) && !in_force_now())) && !says_again(&d.evidence);
        if later_lift
            && (d.section == Section::Body || lifts.iter().any(|l| same_sentence(l.section, l.span)))
        {
            d.polarity = Polarity::Lifted;
        }
    }
    // A correction later in the body takes an earlier report back: "announced the closure of
    // the borders … the presidency later clarified it was in fact reinforced controls, not a
    // closure". The denial must say it corrects ("in fact", "clarified", "en fait", "a
    // précisé", "aclaró"); a plain negation elsewhere may be about another moment or place.
    const CORRECTS: &[&str] = &[
        "in fact",
        "actually",
        "clarified",
        "corrected",
        "en fait",
        "a précisé",
        "ont précisé",
        "a rectifié",
        "en realidad",
        "aclaró",
        "aclararon",
        "precisó",
    ];
    let corrections: Vec<(usize, TriggerId, Option<CountryCode>, Option<String>)> = all
        .iter()
        .enumerate()
        .filter(|(_, (d, _))| {
            d.polarity == Polarity::Negated
                && d.section == Section::Body
                && cues::says_any(&d.evidence, CORRECTS.iter().copied())
        })
        .map(|(i, (d, _))| (i, d.trigger.clone(), d.country, d.city.clone()))
        .collect();
    for (i, (d, _)) in all.iter_mut().enumerate() {
        if d.polarity == Polarity::Affirmed
            && d.section == Section::Body
            && corrections.iter().any(|(at, t, c, city)| {
                *at > i && *t == d.trigger && *c == d.country && (city.is_none() || *city == d.city)
            })
        {
            d.polarity = Polarity::Negated;
        }
    }
}

/// "Congo" alone (and "Congolese") names the larger Congo (CD) unless the advisory names the
/// other one by a name of its own or a town of its own ("République du Congo (Brazzaville)",
/// "Congo-Brazzaville", "Brazzaville") and never the larger one so: then every bare "Congo" in
/// it is that one (CG).
fn settle_the_bare_congo(sections: &mut [Scanned<'_>]) {
    let (Some(cg), Some(cd)) = (CountryCode::parse("CG"), CountryCode::parse("CD")) else { return };
    const BARE: &[&str] = &[
        "congo",
        "congolese",
        "congolais",
        "congolaise",
        "congolaises",
        "congoleño",
        "congoleña",
        "congoleños",
    ];
    let bare = |text: &str, m: &Mention| {
        m.country == cd && BARE.iter().any(|b| b.eq_ignore_ascii_case(&text[m.start..m.end]))
    };
    let (mut names_cg, mut names_cd) = (false, false);
    for s in sections.iter() {
        for m in &s.mentions {
            if m.country == cg {
                names_cg = true;
            } else if m.country == cd && !bare(&s.norm.text, m) {
                names_cd = true;
            }
        }
    }
    if !names_cg || names_cd {
        return;
    }
    for s in sections.iter_mut() {
        let text = &s.norm.text;
        for m in s.mentions.iter_mut() {
            if bare(text, m) {
                m.country = cg;
            }
        }
    }
}

/// Whether a match that ends in one of `moves` ("entering", "leave") is followed by a place
/// smaller than a country: "the city centre", "the CBD", "the parliament building", "the town".
fn crosses_a_local_place(matched: &str, after: &str, moves: &[&str]) -> bool {
    let last = matched.rsplit(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    if !moves.iter().any(|m| m.eq_ignore_ascii_case(last)) {
        return false;
    }
    const LOCAL: &[&str] = &[
        "cbd",
        "centre",
        "center",
        "downtown",
        "area",
        "areas",
        "zone",
        "zones",
        "district",
        "districts",
        "square",
        "building",
        "buildings",
        "premises",
        "parliament",
        "stadium",
        "campus",
        "park",
        "parks",
        "compound",
        "site",
        "camp",
        "city",
        "town",
        "village",
        "neighbourhood",
        "neighborhood",
        "market",
        "mosque",
        "church",
        "temple",
        "school",
        "schools",
        "university",
        "court",
        "venue",
        "streets",
        "beach",
        "beaches",
    ];
    // Up to three words after an article ("the central business district", "the city
    // centre"), the first place word deciding.
    let mut words = after.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    if !words.next().is_some_and(|w| matches!(w.to_ascii_lowercase().as_str(), "the" | "a" | "any")) {
        return false;
    }
    // (Only the next few words are read: "the border area of the country" is the country's.)
    let near = &after[..after.char_indices().nth(80).map_or(after.len(), |(i, _)| i)];
    words.take(3).any(|w| LOCAL.iter().any(|l| l.eq_ignore_ascii_case(w)))
        && !near.split(['.', ';']).next().unwrap_or("").to_ascii_lowercase().contains("country")
}

/// Whether a sentence says its measure is back after an earlier episode.
fn says_again(sentence: &str) -> bool {
    const AGAIN: &[&str] = &[
        "again",
        "once more",
        "once again",
        "de nouveau",
        "à nouveau",
        "a nouveau",
        "otra vez",
        "nuevamente",
        "de nuevo",
    ];
    cues::says_any(sentence, AGAIN.iter().copied())
}

/// Whether `sentence` tells, in the past tense and with no time of its own, more of what the
/// sentence right before it dated in a year before the advisory's.
fn continues_a_dated_past(
    text: &str,
    sentences: &[Range<usize>],
    sentence: &Range<usize>,
    year: i32,
) -> bool {
    // The sentence before first: it rarely holds a year, and then nothing else is read.
    let at = sentences.partition_point(|r| r.start < sentence.start);
    let dated_before = at
        .checked_sub(1)
        .and_then(|i| sentences.get(i))
        .is_some_and(|prev| prev.end <= sentence.start && modifiers::past_year_in(&text[prev.clone()], year));
    // "On 21 October 2024, regions of Mozambique were gripped by violence. Telecoms companies
    // shut the internet down for days on end." (in a 2025 report): a paragraph that opens on a
    // date of an earlier year tells what happened then, sentence after sentence, whatever the
    // verb's form.
    let paragraph_dated = opens_on_an_earlier_date(text, sentences, sentence.start, year);
    if !dated_before && !paragraph_dated {
        return false;
    }
    let words: Vec<&str> =
        text[sentence.clone()].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let has = |list: &[&str]| words.iter().any(|w| list.iter().any(|l| w.eq_ignore_ascii_case(l)));
    if !paragraph_dated && !has(&["was", "were"]) {
        return false;
    }
    const NOW: &[&str] = &[
        "is",
        "are",
        "remains",
        "remain",
        "still",
        "now",
        "currently",
        "today",
        "tonight",
        "yesterday",
        "has",
        "have",
        "week",
        "weekend",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "will",
    ];
    !has(NOW) && !words.iter().any(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a sentence is a bare heading made of the candidate's words: at most four words,
/// all inside the match, on a line of its own.
fn heading_only(text: &str, sentence: &Range<usize>, cand: &Candidate) -> bool {
    // Most sentences are far longer than four words: no counting for them.
    if sentence.len() > 64 {
        return false;
    }
    let s = &text[sentence.clone()];
    let words = s.split_whitespace().count();
    // "Introduction of the capital controls", "Background: the curfew": a section heading
    // that only introduces the measure.
    const HEADING_WORDS: &[&str] =
        &["introduction", "background", "history", "overview", "timeline", "of", "the"];
    let outside = text[sentence.start..cand.first.0]
        .split(|c: char| !c.is_alphanumeric())
        .chain(text[cand.last.1..sentence.end].split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .all(|w| attribution::in_list(HEADING_WORDS, w));
    words <= 6 && outside && !s.trim_end().ends_with(['.', '!', '?'])
}

/// Hits wholly inside `r`; `hits` is sorted by start.
/// Words that make a match about flights, and words that make it about an airport or airspace.
const FLIGHT_WORDS: &[&str] = &["flights", "flight", "vuelos", "vols"];
const FIELD_WORDS: &[&str] = &[
    "airport",
    "airports",
    "airspace",
    "aeropuerto",
    "aeropuertos",
    "aéroport",
    "aeroport",
    "aéroports",
    "aeroports",
    "aérien",
    "aerien",
];
/// What makes "the country" the other end of a route or border rather than the place.
const OTHER_END_LEADS: &[&str] =
    &["with", "to and from", "to or from", "hacia y desde", "a y desde", "avec", "con", "vers et depuis"];
/// What introduces a route's other end ("flights to and from Panama").
const ROUTE_LEADS: &[&str] = &[
    "with",
    "con",
    "avec",
    "to and from",
    "to or from",
    "from and to",
    "to",
    "from",
    "between",
    "hacia y desde",
    "desde y hacia",
    "a y desde",
    "hacia",
    "desde",
    "con destino a",
    "procedentes de",
    "entre",
    "vers et depuis",
    "vers",
    "depuis",
    "en provenance de",
    "à destination de",
    "a destination de",
];

/// How many words a lift word may be from a near rule's first term for the pair to report
/// that measure lifted ("access to social media was restored", "restored mobile data").
const NEAR_LIFT_REACH: usize = 6;

/// Whether a match names an airspace or an airport rather than flights.
fn names_the_air_itself(matched: &str) -> bool {
    matched
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| FIELD_WORDS.iter().any(|a| a.eq_ignore_ascii_case(w)))
}

/// Whether the clause after a match names its routes by a count of countries ("flights to and
/// from 25 more countries", "vols avec plusieurs pays").
fn counts_routes(text: &str, raw: &Raw) -> bool {
    const SETS: &[&str] = &["countries", "nations", "destinations", "pays", "paises"];
    const LEADS: &[&str] =
        &["to", "from", "with", "between", "avec", "vers", "con", "desde", "hacia", "entre"];
    const COUNTS: &[&str] = &[
        "several",
        "many",
        "other",
        "more",
        "multiple",
        "various",
        "numerous",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "dozen",
        "dozens",
        "plusieurs",
        "autres",
        "varios",
        "otros",
    ];
    if raw.cand.last.1 >= raw.clause.end {
        return false;
    }
    let words: Vec<String> = text[raw.cand.last.1..raw.clause.end]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect();
    let is = |w: &String, list: &[&str]| list.contains(&w.as_str());
    // A continent is a set of countries by itself: "todos los vuelos a Europa".
    const CONTINENTS: &[&str] =
        &["europe", "europa", "asia", "asie", "africa", "afrique", "schengen", "oceania", "oceanie"];
    let continent = words.iter().enumerate().any(|(i, w)| {
        is(w, CONTINENTS) && i > 0 && words[i.saturating_sub(2)..i].iter().any(|b| is(b, LEADS) || b == "a")
    });
    continent
        || words.iter().enumerate().any(|(i, w)| {
            let led = || words[i.saturating_sub(7)..i].iter().any(|b| is(b, LEADS));
            // "from its regional neighbours": neighbours are a set of countries by themselves.
            (is(w, &["neighbours", "neighbors", "voisins", "vecinos"]) && led())
                || (is(w, SETS) && {
                    let counted = words[i.saturating_sub(4)..i]
                        .iter()
                        .any(|b| is(b, COUNTS) || b.bytes().all(|c| c.is_ascii_digit()));
                    counted && led()
                })
        })
}

/// Whether the words before `at` end with one of `leads` (a whole word or phrase, an article
/// after it allowed: "to and from the", "hacia y desde el").
fn led_by(text: &str, at: usize, leads: &[&str]) -> bool {
    let lower = attribution::text_before(text, at, 64).trim_end().to_lowercase();
    let mut before = lower.as_str();
    // Articles and "the islands of" between the lead and the place ("con las islas de Curazao").
    const BETWEEN: &[&str] = &[
        "the",
        "la",
        "el",
        "le",
        "l'",
        "las",
        "los",
        "les",
        "islands of",
        "island of",
        "islas de",
        "isla de",
        "îles de",
        "iles de",
    ];
    while let Some(rest) = BETWEEN.iter().find_map(|a| before.strip_suffix(a).filter(|b| b.ends_with(' '))) {
        before = rest.trim_end();
    }
    leads
        .iter()
        .any(|l| before.ends_with(l) && !before[..before.len() - l.len()].ends_with(char::is_alphanumeric))
}

/// "Venezuela suspended flights to and from Panama and the Dominican Republic": a flights
/// match whose flights are routes to or from named countries stops those routes; no airport
/// or airspace closes except, perhaps, at the other end. The countries at the other ends
/// (the advisory's own for "to and from the country"); none when the match is not about
/// flights, names an airport or airspace, or the other end is a city ("flights to and from
/// Kabul" is that airport's traffic).
fn route_ends(s: &Scanned<'_>, raw: &Raw, subject: Option<CountryCode>) -> Vec<CountryCode> {
    let text = &s.norm.text;
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let matched = words(&text[raw.cand.first.0..raw.cand.last.1]);
    let has = |list: &[&str]| matched.iter().any(|w| list.contains(&w.as_str()));
    if !has(FLIGHT_WORDS) || has(FIELD_WORDS) {
        return Vec::new();
    }
    let near = |start: usize, end: usize| {
        if start < raw.clause.start || end > raw.clause.end {
            return false;
        }
        if start >= raw.cand.last.1 {
            modifiers::words_between(text, raw.cand.last.1, start) <= 6
        } else {
            end <= raw.cand.first.0 && modifiers::words_between(text, end, raw.cand.first.0) <= 6
        }
    };
    // A route's other ends, and the places listed after them ("Curazao, Aruba y Bonaire").
    let mut ends: Vec<CountryCode> = Vec::new();
    let mut last_end: Option<usize> = None;
    for m in s.mentions.iter().filter(|m| m.start >= raw.clause.start && m.end <= raw.clause.end) {
        let listed = last_end.is_some_and(|e| e <= m.start && attribution::joined(&text[e..m.start]));
        if listed
            || (m.kind == attribution::Kind::Name
                && near(m.start, m.end)
                && led_by(text, m.start, ROUTE_LEADS))
        {
            ends.push(m.country);
            last_end = Some(m.end);
        } else {
            last_end = None;
        }
    }
    if let Some(c) = subject {
        let country_ref = hits_in(&s.context, &raw.clause).any(|h| {
            h.meaning == Meaning::Cue(CueKind::SubjectRef)
                && near(h.start, h.end)
                && led_by(text, h.start, ROUTE_LEADS)
        });
        if country_ref {
            ends.push(c);
        }
    }
    ends
}

/// Whether a flights match ("suspended all flights") names its routes' ends right after it, and
/// every end named is a city: no country, no "the country", no "international" flights.
fn routes_to_cities_only(s: &Scanned<'_>, raw: &Raw) -> bool {
    let text = &s.norm.text;
    let matched = &text[raw.cand.first.0..raw.cand.last.1];
    let words = || matched.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    if !words().any(|w| FLIGHT_WORDS.iter().any(|f| f.eq_ignore_ascii_case(w)))
        || words().any(|w| w.to_ascii_lowercase().starts_with("internationa"))
    {
        return false;
    }
    let after = |start: usize| {
        start >= raw.cand.last.1
            && start < raw.clause.end
            && modifiers::words_between(text, raw.cand.last.1, start) <= 4
            && led_by(text, start, ROUTE_LEADS)
    };
    let mut cities = false;
    for m in s.mentions.iter().filter(|m| after(m.start)) {
        match m.kind {
            attribution::Kind::City(_) => cities = true,
            _ => return false,
        }
    }
    cities
        && !hits_in(&s.context, &raw.clause)
            .any(|h| h.meaning == Meaning::Cue(CueKind::SubjectRef) && after(h.start))
}

/// Two hits that do not overlap and are separated by a list separator (a comma, a semicolon,
/// "and", "or", and their French and Spanish forms): items of one list, each its own thing.
fn listed_apart(text: &str, a: &Hit, b: &Hit) -> bool {
    let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
    if first.end > second.start {
        return false;
    }
    let gap = &text[first.end..second.start];
    gap.contains([',', ';'])
        || gap
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| ["and", "or", "et", "ou", "y", "o", "e"].iter().any(|s| s.eq_ignore_ascii_case(w)))
}

/// Title words of a piece that looks back on an event: its measures are history.
/// Title words of events under way, or of live coverage: "Anniversary protests" are news.
const HAPPENING_NOW: &[&str] = &[
    "protest",
    "protests",
    "march",
    "marches",
    "rally",
    "rallies",
    "demonstration",
    "demonstrations",
    "clashes",
    "live",
    "manifestation",
    "manifestations",
    "manifestaciones",
    "protestas",
    "marcha",
];

const ANNIVERSARY: &[&str] = &[
    "anniversary",
    "years since",
    "years on",
    "years ago",
    "anos del",
    "anos desde",
    "aniversario",
    "anniversaire",
    "ans apres",
];

fn hits_in<'h>(hits: &'h [Hit], r: &Range<usize>) -> impl Iterator<Item = &'h Hit> {
    inside(hits, r, |h| (h.start, h.end))
}

/// Items whose span (`span`) lies wholly inside `r`, from a slice sorted by span start: a
/// binary search to the first, then a walk while they start inside.
fn inside<'a, T>(
    items: &'a [T],
    r: &Range<usize>,
    span: fn(&T) -> (usize, usize),
) -> impl Iterator<Item = &'a T> {
    let lo = items.partition_point(|x| span(x).0 < r.start);
    let end = r.end;
    items[lo..].iter().take_while(move |x| span(x).0 < end).filter(move |x| span(x).1 <= end)
}

/// A satisfied near rule: the trigger and the spans of its two terms.
struct NearPair {
    trigger: usize,
    a: (usize, usize),
    b: (usize, usize),
}

/// Near-rule pairs in one clause: the closest satisfying pair for each `a` term.
fn near_pairs(text: &str, hits: &[&Hit], triggers: &TriggerSet) -> Vec<NearPair> {
    let mut out = Vec::new();
    for h in hits {
        let Meaning::NearA { trigger, rule } = h.meaning else { continue };
        // Right after a relative pronoun a near term is a verb, not the thing it names: "the
        // state, which borders Myanmar, will also be shut" closes no border.
        if word_before_is(text, h.start, &["which", "who"]) {
            continue;
        }
        let within = triggers.triggers()[trigger as usize].near[rule as usize].within;
        let best = hits
            .iter()
            .filter(|b| b.meaning == Meaning::NearB { trigger, rule })
            .filter(|b| b.end <= h.start || b.start >= h.end)
            .map(|b| {
                let d = if b.start >= h.end {
                    modifiers::words_between(text, h.end, b.start)
                } else {
                    modifiers::words_between(text, b.end, h.start)
                };
                (d, b)
            })
            .filter(|(d, _)| *d <= within)
            .min_by_key(|(d, _)| *d);
        if let Some((_, b)) = best {
            out.push(NearPair { trigger: trigger as usize, a: (h.start, h.end), b: (b.start, b.end) });
        }
    }
    out
}

/// Whether the word just before `at` (a separate word, not the end of the one at `at`) is one
/// of `words`: "all"/"every" ("all airports in Nigeria"), a relative pronoun ("which borders").
fn word_before_is(text: &str, at: usize, words: &[&str]) -> bool {
    let before = text[..at].trim_end();
    let word = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    before.len() < at && words.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// Whether the paragraph holding the sentence at `sentence_start` opens, in another sentence
/// before it, with a date of a year before `doc_year` ("On 21 October 2024, …"). A paragraph
/// runs from the last blank line; a body without one is a single paragraph.
fn opens_on_an_earlier_date(
    text: &str,
    sentences: &[Range<usize>],
    sentence_start: usize,
    doc_year: i32,
) -> bool {
    // Back from the sentence, sentence by sentence, to the first after a blank line.
    let mut i = sentences.partition_point(|r| r.start < sentence_start);
    while i > 0
        && !text[sentences[i - 1].end..sentences.get(i).map_or(sentence_start, |r| r.start)].contains("\n\n")
    {
        i -= 1;
    }
    let Some(opener) = sentences.get(i).filter(|r| r.start < sentence_start) else { return false };
    // The date must lead the opener: its first six words ("On 21 October 2024,", "In March
    // 2023,"). Most openers hold no digit there at all.
    let o = &text[opener.clone()];
    if !o.bytes().take(60).any(|b| b.is_ascii_digit()) {
        return false;
    }
    let lead: Vec<&str> = o.split_whitespace().take(6).collect();
    let lead = lead.join(" ");
    // A day the text has dated already in an earlier year ("on 19 November 2019 … During the
    // morning of 19 November,"): the last few thousand bytes hold where it was dated.
    modifiers::past_year_in(&lead, doc_year)
        || modifiers::day_dated_earlier(&lead, attribution::text_before(text, opener.start, 4000), doc_year)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_general;

/// Whether what precedes a word in its sentence is only space, bullets, quotes or brackets:
/// the word opens the sentence (and is capitalised for that alone).
fn opens(before: &str) -> bool {
    before
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '•' | '-' | '*' | '"' | '\'' | '(' | '[' | '“' | '‘'))
}
