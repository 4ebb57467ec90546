//! Where a trigger match happened: the countries (and city) a candidate is about, and the
//! advisory's subject country.
//!
//! Input: a scanned section with its place mentions (roles already given) and one candidate.
//! Output: `(country, city, confidence factor)` per attributed place; no place when nothing
//! in the text or metadata names one. Pure.

use std::ops::Range;

use super::attribution::{self, Kind, Mention, Role};
use super::matcher::FastMap;
use super::modifiers;
use super::places::{CountryCode, Gazetteer};
use super::{FromPlaces, Raw, Scanned, Section};

/// Mentions wholly inside `r`; `mentions` is sorted by start.
fn mentions_in<'m>(mentions: &'m [Mention], r: &Range<usize>) -> impl Iterator<Item = &'m Mention> {
    super::inside(mentions, r, |m| (m.start, m.end))
}

/// An attributed place: country, city, and a confidence factor.
pub(super) type Place = (Option<CountryCode>, Option<String>, f32);

/// How many words from a match a place in the same clause may be and still own it.
const CLAUSE_PLACE_WINDOW: usize = 12;

/// Whether the word after a country's name or adjective is its own head of state or
/// government: "Ukrainian President …", "the Malian government".
fn governs_at_home(after: &str) -> bool {
    const RULERS: &[&str] = &[
        "president",
        "government",
        "prime",
        "parliament",
        "cabinet",
        "junta",
        "authorities",
        "presidente",
        "gobierno",
        "gouvernement",
    ];
    let word = after.split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    is(word, RULERS)
}

/// Whether the words between a match and a later place (`text[from..to]`) open a cause
/// ("after", "following", "amid", "in retaliation for", "après", "tras"): the place is then
/// the cause's. A cause may close after the place ("over China coronavirus fears"), so a few
/// words after it, up to `limit`, are read too.
fn tells_a_cause(text: &str, from: usize, to: usize, limit: usize) -> bool {
    let mut end = (to + 60).min(limit.max(to)).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    cause_at(&text[from..end]).is_some_and(|at| from + at < to)
}

/// "Ukraine moves toward martial law as Russia refuses to free sailors": a place right after
/// "as" or "while" is the subject of a circumstance told beside the measure, not where it
/// holds. (With no other place in the clause the advisory's subject still takes the measure:
/// "a state of emergency as Peru braces for protests".)
fn opens_a_circumstance(gap: &str) -> bool {
    let (w, n) = words_back(gap);
    if n == 0 {
        return false;
    }
    // ("such as Peru", "as well as Peru", "known as": a list or a name, not a circumstance.)
    let pair = n > 1 && is(w[1], &["such", "well", "known", "same"]);
    (is(w[0], &["as", "while", "whereas", "mientras"]) && !pair)
        || (n > 1 && is(w[0], &["que"]) && is(w[1], &["alors", "tandis"]))
}

/// "Due to the occupation of its districts by the armed forces of Armenia, martial law is
/// declared": a place named as the agent ("by …") of a cause that opens the sentence and
/// ends at a comma before the match is the cause's, not where the measure holds.
fn agent_of_leading_cause(text: &str, sentence_start: usize, m: &Mention, match_start: usize) -> bool {
    if m.end > match_start || m.start < sentence_start || !text[m.end..match_start].contains(',') {
        return false;
    }
    let head = &text[sentence_start..m.start];
    // The cause phrase runs from its opening word to the place with no comma between.
    let phrase = head.rsplit(',').next().unwrap_or(head);
    let Some(at) = cause_at(phrase) else { return false };
    phrase[at..].split(|c: char| !c.is_alphanumeric()).any(|w| w.eq_ignore_ascii_case("by"))
}

/// "After talks with Haiti failed, the Dominican Republic closed its border", "En respuesta al
/// impasse entre … y Haití, el presidente ordenó el cierre": a place in a phrase of cause or
/// time that opens the sentence, closed by a comma before the measure, is the cause's. Gives
/// where that comma is.
fn in_leading_cause(text: &str, sentence_start: usize, m: &Mention, match_start: usize) -> Option<usize> {
    if m.end > match_start || m.start < sentence_start {
        return None;
    }
    const OPENERS: &[&str] = &[
        "after ",
        "following ",
        "amid ",
        "amidst ",
        "in response to ",
        "in retaliation for ",
        "tras ",
        "después de ",
        "despues de ",
        "en respuesta a",
        "après ",
        "apres ",
        "à la suite ",
        "a la suite ",
        "suite à ",
        "en réponse à",
    ];
    // (The opening words first: most sentences have none, and the rest is then not read.)
    let lead = text[sentence_start..m.start].trim_start();
    if !OPENERS.iter().any(|o| {
        lead.len() >= o.len() && lead.is_char_boundary(o.len()) && lead[..o.len()].eq_ignore_ascii_case(o)
    }) {
        return None;
    }
    if lead.contains([',', ';', ':']) {
        return None;
    }
    text[m.end..match_start].find(',').map(|at| m.end + at)
}

/// Where the first word opening a cause (see `tells_a_cause`) starts in `text`, if any.
pub(super) fn cause_at(text: &str) -> Option<usize> {
    const CAUSES: &[&str] = &[
        "after",
        "following",
        "amid",
        "amidst",
        "because",
        "due",
        // "as a result of the fighting".
        "result",
        "retaliation",
        "response",
        "triggered",
        "sparked",
        "apres",
        "suite",
        "tras",
        "despues",
    ];
    // "… announced martial law as its troops battled Azerbaijan": "as" or "while" before
    // the actors of a circumstance opens one too.
    const CIRCUMSTANCE_SUBJECTS: &[&str] = &[
        "its",
        "their",
        "his",
        "her",
        "troops",
        "forces",
        "fighting",
        "clashes",
        "violence",
        "rebels",
        "insurgents",
        "militants",
        "protesters",
        "protests",
        "demonstrators",
        "unrest",
        "war",
    ];
    // "over China coronavirus fears", "over fears the virus will spread": "over" opens a cause
    // when a word of fear closes it within a few words ("airspace over Ukraine", "over the
    // weekend" do not).
    const FEARS: &[&str] = &["fear", "fears", "concern", "concerns", "worries", "worry", "threat", "threats"];
    let mut words = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).peekable();
    while let Some(w) = words.next() {
        let circumstance =
            is(w, &["as", "while"]) && words.peek().is_some_and(|n| is(n, CIRCUMSTANCE_SUBJECTS));
        // (A cause of its own before the fear takes it: "the airspace over eastern Ukraine amid
        // fears of strikes" is Ukraine's airspace.)
        let feared =
            is(w, &["over"]) && words.clone().take(5).take_while(|n| !is(n, CAUSES)).any(|n| is(n, FEARS));
        if circumstance || feared || is(w, CAUSES) {
            return Some(w.as_ptr() as usize - text.as_ptr() as usize);
        }
    }
    None
}

/// How many sentences back a digest's place heading may stand.
const HEADING_REACH: usize = 8;

/// The country of a sentence that is only a place's name (a heading line: "Hong Kong",
/// "Jordan:") or opens its line with a country and a colon ("Angola: Luanda: Avoid …"), if it
/// is one.
fn heading_place(s: &Scanned<'_>, r: &Range<usize>) -> Option<CountryCode> {
    let text = &s.norm.text;
    // A security digest's item line opens on its country and a colon ("Angola: Luanda: Plan
    // journeys bypassing protest"): the items under it are that country's.
    let head = text[..r.start].trim_end_matches([' ', '\t']);
    if (head.is_empty() || head.ends_with('\n'))
        && let Some(m) = mentions_in(&s.mentions, r).next()
        && m.kind == Kind::Name
        && text[r.start..m.start].trim().is_empty()
        && text[m.end..].starts_with(':')
    {
        return Some(m.country);
    }
    let line = text[r.clone()].trim_end_matches([':', '.', ' ', '\n']);
    // Headings are short: most sentences are not looked into.
    if line.len() > 40 {
        return None;
    }
    let mut inside = mentions_in(&s.mentions, r);
    let m = inside.next()?;
    (inside.next().is_none()
        && m.kind == Kind::Name
        && text[r.start..m.start].trim().is_empty()
        && m.end - r.start >= line.trim_end().len())
    .then_some(m.country)
}

/// Countries (with city and a confidence factor) a candidate is about.
pub(super) fn attribute(
    s: &Scanned<'_>,
    raw: &Raw,
    subject: Option<CountryCode>,
    subject_ref: bool,
    from_places: FromPlaces,
) -> Vec<Place> {
    let g = Gazetteer::get();
    let plain = |r: &Range<usize>| -> Vec<&Mention> {
        mentions_in(&s.mentions, r).filter(|m| m.role == Role::Plain).collect()
    };
    // "Kuwait closed its airspace after Iran attacked a base in Qatar": a place in a cause told
    // after the match is where the cause happened, not where the measure holds.
    let caused = |m: &Mention| {
        (m.start >= raw.cand.last.1
            && m.start <= raw.clause.end
            && (tells_a_cause(&s.norm.text, raw.cand.last.1, m.start, raw.sentence.end)
                || opens_a_circumstance(&s.norm.text[raw.cand.last.1..m.start])))
            || agent_of_leading_cause(&s.norm.text, raw.sentence.start, m, raw.cand.first.0)
            || in_leading_cause(&s.norm.text, raw.sentence.start, m, raw.cand.first.0).is_some_and(|comma| {
                // Only when the measure has another owner: a place of another country named
                // after the opening phrase.
                mentions_in(&s.mentions, &(comma..raw.clause.end.max(raw.cand.last.1)))
                    .any(|o| o.role == Role::Plain && o.country != m.country)
            })
    };
    // Every city of the country named in the clause (else in the sentence): "curfews in
    // Kathmandu and Pokhara" holds for both.
    let cities_for = |country: CountryCode| -> Vec<String> {
        let named = |r: &Range<usize>| -> Vec<String> {
            let mut v: Vec<String> = Vec::new();
            for m in mentions_in(&s.mentions, r)
                .filter(|m| m.country == country && m.role == Role::Plain && !caused(m))
            {
                if let Kind::City(id) = m.kind {
                    let name = g.city(id).name;
                    if !v.iter().any(|n| n == name) {
                        v.push(name.to_owned());
                    }
                }
            }
            v
        };
        let in_clause = named(&raw.clause);
        if in_clause.is_empty() { named(&raw.sentence) } else { in_clause }
    };
    // Plain places in the clause and close to the match (a long clause can name a far-off
    // country that has nothing to do with the measure).
    let near_match = |m: &&Mention| {
        let gap = if m.start >= raw.cand.last.1 {
            modifiers::words_between(&s.norm.text, raw.cand.last.1, m.start)
        } else {
            modifiers::words_between(&s.norm.text, m.end, raw.cand.first.0)
        };
        gap <= CLAUSE_PLACE_WINDOW
    };
    // "Many countries are … implementing travel restrictions, closing borders and …",
    // "returning home may be difficult as countries continue to close borders": the measure's
    // own subject is countries left unnamed, and the clause names no place from them on.
    // (The subject stands near the measure: the last few hundred bytes of the sentence before
    // it are read, so a text without sentence ends is not read again for every candidate.)
    let lead = super::attribution::text_before(&s.norm.text, raw.cand.first.0, 600);
    let lead_start = (raw.cand.first.0 - lead.len()).max(raw.sentence.start);
    if let Some(at) = unnamed_countries_act(&s.norm.text[lead_start..raw.cand.first.0])
        && mentions_in(&s.mentions, &(lead_start + at..raw.clause.end.max(raw.cand.last.1)))
            .all(|m| m.role != Role::Plain)
    {
        return Vec::new();
    }
    // "the departure of Canadian staff from any embassy in the world": people leave every
    // country at once, none in particular (their nationality is who leaves, not where from).
    if from_places == FromPlaces::Prefer
        && names_the_whole_world(&s.norm.text[raw.cand.last.1..raw.clause.end])
        && mentions_in(&s.mentions, &(raw.cand.last.1..raw.clause.end)).all(|m| {
            m.role != Role::Plain
                || (m.kind == Kind::Demonym
                    && s.norm.text[m.end..]
                        .split(|c: char| !c.is_alphanumeric())
                        .find(|w| !w.is_empty())
                        .is_some_and(|w| is_people(&w.to_lowercase())))
        })
    {
        return Vec::new();
    }
    let mut in_clause: Vec<&Mention> = plain(&raw.clause).into_iter().filter(near_match).collect();
    in_clause.retain(|m| !caused(m));
    // "prevented from entering England", "not allowed to enter Kenya": the country entered
    // right after the match is the one keeping travellers out.
    {
        let text = &s.norm.text;
        let matched = text[raw.cand.first.0..raw.cand.last.1].to_ascii_lowercase();
        if from_places == FromPlaces::Exclude
            && (matched.ends_with("entering")
                || matched.ends_with("enter")
                || matched.ends_with("entry into"))
            && let Some(m) = mentions_in(&s.mentions, &raw.clause).find(|m| {
                m.start >= raw.cand.last.1 && {
                    let gap = text[raw.cand.last.1..m.start].trim();
                    gap.is_empty() || gap.eq_ignore_ascii_case("the")
                }
            })
        {
            in_clause = vec![m];
        }
    }
    // "el cierre del espacio aéreo venezolano", "la fermeture des frontières maliennes": an
    // adjective of nationality right after the match says whose it is.
    if let Some(m) = mentions_in(&s.mentions, &raw.clause).find(|m| {
        m.role == Role::Plain
            && m.kind == Kind::Demonym
            && m.start >= raw.cand.last.1
            && s.norm.text[raw.cand.last.1..m.start].trim().is_empty()
    }) {
        in_clause = vec![m];
    }
    // "Thailand, which borders Laos, closed its border crossings": a place inside a relative
    // aside describes another; it owns the measure only when nothing else in the clause can.
    // When the clause starts inside the aside, the place the aside hangs on owns it.
    let aside = |m: &&Mention| in_relative_aside(attribution::text_before(&s.norm.text, m.start, 80));
    if in_clause.iter().any(aside) {
        if !in_clause.iter().all(aside) {
            in_clause.retain(|m| !aside(m));
        } else {
            let text = &s.norm.text;
            let antecedents: Vec<&Mention> = in_clause
                .iter()
                .filter_map(|m| text[..m.start].rfind(','))
                .flat_map(|comma| {
                    plain(&raw.sentence)
                        .into_iter()
                        .filter(move |a| a.end <= comma && text[a.end..comma].trim().is_empty())
                })
                .collect();
            if !antecedents.is_empty() {
                in_clause = antecedents;
            } else {
                // "The affected areas, which border Cambodian territory, are under curfew": with
                // no place for the aside to hang on, a place it names as bordering is the far
                // side of the border, not where the measure holds.
                in_clause.retain(|m| !bordered_in_aside(text, m));
            }
        }
    }
    // A list's later items share its first item's "from": "arrivals from Tanzania and the
    // Democratic Republic of Congo", "from Namibia, Zimbabwe, Botswana … and Angola".
    // Only triggers that read "from" (prefer or exclude) ask, so it is worked out on first use.
    let from_starts_cell: std::cell::OnceCell<Vec<usize>> = std::cell::OnceCell::new();
    let from_starts = || -> &Vec<usize> {
        from_starts_cell.get_or_init(|| {
            let text = &s.norm.text;
            let clause_mentions: Vec<&Mention> = mentions_in(&s.mentions, &raw.sentence).collect();
            let mut v: Vec<usize> = Vec::new();
            for (i, m) in clause_mentions.iter().enumerate() {
                let own = origin_before(attribution::text_before(text, m.start, 64));
                let listed = i > 0 && {
                    let p = clause_mentions[i - 1];
                    v.contains(&p.start) && p.end <= m.start && attribution::joined(&text[p.end..m.start])
                };
                if own || listed {
                    v.push(m.start);
                }
            }
            v
        })
    };
    let after_from = |m: &&Mention| from_starts().contains(&m.start);
    match from_places {
        FromPlaces::Neutral => {}
        FromPlaces::Prefer => {
            if in_clause.iter().any(after_from) {
                in_clause.retain(after_from);
            }
        }
        FromPlaces::Exclude => in_clause.retain(|m| !after_from(m) && !kept_out(&s.norm.text, m)),
    }
    // A place introduced as where things happen ("in X", "across X", "into X") outranks one
    // that only acts in the clause ("Russia declared martial law in occupied Ukrainian
    // regions").
    // "in Mali, Niger and Chad": a list's later items share its first item's "in".
    let locative = |m: &Mention| {
        let text = &s.norm.text;
        let mut cur = m;
        loop {
            if locative_before(attribution::text_before(text, cur.start, 64)) {
                return true;
            }
            let at = s.mentions.partition_point(|p| p.start < cur.start);
            match at.checked_sub(1).map(|i| &s.mentions[i]) {
                Some(p) if p.end <= cur.start && attribution::joined(&text[p.end..cur.start]) => cur = p,
                _ => return false,
            }
        }
    };
    // "Israel closed its airspace … after rockets were fired from southern Lebanon": a match
    // that says "its" (or "their", "ses", "sus") belongs to the country just before it, the
    // subject it refers back to.
    let matched = &s.norm.text[raw.cand.first.0..raw.cand.last.1];
    let possessive = matched
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| matches!(w, "its" | "their" | "ses" | "sa" | "son" | "leurs" | "leur" | "sus" | "su"));
    // "The United Kingdom began evacuating its nationals", "La France organise l'évacuation de
    // ses ressortissants": whoever's own people leave is the country carrying it out.
    let mut actors: Vec<CountryCode> = Vec::new();
    if possessive && from_places == FromPlaces::Prefer && names_own_people(matched) {
        let own = |m: &&Mention| {
            m.end <= raw.cand.first.0 && modifiers::words_between(&s.norm.text, m.end, raw.cand.first.0) <= 8
        };
        // Every place of the clause, whatever its role: "from Niger" may already have narrowed
        // `in_clause`, and a country acting on another still flies its own people out.
        actors.extend(mentions_in(&s.mentions, &raw.clause).filter(|m| own(m)).map(|m| m.country));
        in_clause.retain(|m| !own(m));
    } else if possessive {
        let subject_before = |m: &&Mention| {
            m.end <= raw.cand.first.0 && modifiers::words_between(&s.norm.text, m.end, raw.cand.first.0) <= 4
        };
        if in_clause.iter().any(subject_before) {
            // The subject may be a list ("La Côte d'Ivoire et le Sénégal ont fermé leurs
            // frontières"): its other items, joined to it by commas and "and", own it too.
            let mut kept: Vec<&Mention> = in_clause.iter().copied().filter(subject_before).collect();
            let mut before: Vec<&Mention> = in_clause
                .iter()
                .copied()
                .filter(|m| m.end <= raw.cand.first.0 && !subject_before(m))
                .collect();
            before.sort_by_key(|m| std::cmp::Reverse(m.start));
            for m in before {
                let Some(first) = kept.iter().map(|k| k.start).min() else { break };
                if m.end <= first && attribution::joined(&s.norm.text[m.end..first]) {
                    kept.push(m);
                }
            }
            in_clause = kept;
        }
    }
    // "The Qatari Foreign Ministry announced the closure of its airspace": with no place of its
    // own, a possessive match belongs to the government body just before it.
    if possessive && in_clause.is_empty() && from_places != FromPlaces::Prefer {
        let text = &s.norm.text;
        if let Some(m) = mentions_in(&s.mentions, &raw.clause)
            .filter(|m| {
                m.role == Role::Actor
                    && m.end <= raw.cand.first.0
                    && modifiers::words_between(text, m.end, raw.cand.first.0) <= 8
            })
            .last()
        {
            in_clause.push(m);
        }
    }
    // "The United States said its embassy staff had been flown out …": a country that speaks
    // of its own people or embassy before an evacuation is the one carrying it out.
    if from_places == FromPlaces::Prefer {
        let text = &s.norm.text;
        let own_before = |m: &Mention| {
            m.end <= raw.cand.first.0
                && modifiers::words_between(text, m.end, raw.cand.first.0) <= 20
                && names_own_people(&text[m.end..raw.cand.last.1])
        };
        actors.extend(plain(&raw.sentence).into_iter().filter(|m| own_before(m)).map(|m| m.country));
        // "to evacuate diplomats and other Swedish nationals", "ressortissants français": the
        // country whose people are named by their nationality carries the evacuation out.
        let people_of = |m: &Mention| {
            m.kind == Kind::Demonym && {
                let after = text[m.end..].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
                let before = attribution::text_before(text, m.start, 32)
                    .rsplit(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty());
                // "French and other foreign nationals": a few words may come between.
                after.take(4).chain(before.take(1)).any(|w| is_people(&w.to_lowercase()))
            }
        };
        actors.extend(
            mentions_in(&s.mentions, &raw.clause)
                .filter(|m| people_of(m) && Some(m.country) != subject)
                .map(|m| m.country),
        );
        // "France was offering to evacuate other European nationals", "Italy sent a plane to
        // help evacuate …": the subject of the clause that leads to the infinitive carries
        // it out (a place after a preposition, "troops in Chad to evacuate", is not a subject).
        let infinitive = {
            let (w, n) = words_back(attribution::text_before(text, raw.cand.first.0, 24));
            n > 0 && (is(w[0], &["to"]) || (n > 1 && is(w[0], &["help"]) && is(w[1], &["to"])))
        };
        if infinitive {
            actors.extend(
                in_clause
                    .iter()
                    .filter(|m| {
                        m.end <= raw.cand.first.0 && m.kind == Kind::Name && Some(m.country) != subject && {
                            let (w, n) = words_back(attribution::text_before(text, m.start, 24));
                            n == 0 || !is(w[0], PREPOSITIONS)
                        }
                    })
                    .map(|m| m.country),
            );
        }
        in_clause.retain(|m| !actors.contains(&m.country));
    }
    // After an evacuation's words, a place is where it happens only when led there ("from X",
    // "in X", "at the Embassy in X"): "… equipped by the United States", "flown to Jordan".
    if from_places == FromPlaces::Prefer && subject.is_some() {
        let text = &s.norm.text;
        in_clause.retain(|m| {
            m.start < raw.cand.last.1
                || Some(m.country) == subject
                || locative(m)
                || after_from(m)
                || post_before(attribution::text_before(text, m.start, 48))
        });
    }
    // "… and authorized the departure of non-emergency employees at our Embassy in Moscow":
    // the post the staff leave, named after the match, is where the departure is, over places
    // earlier in the sentence.
    if from_places == FromPlaces::Prefer && !in_clause.iter().any(after_from) {
        let text = &s.norm.text;
        let posts: Vec<&Mention> = plain(&raw.sentence)
            .into_iter()
            .filter(|m| {
                m.start >= raw.cand.last.1
                    && modifiers::words_between(text, raw.cand.last.1, m.start) <= 20
                    && !actors.contains(&m.country)
                    && post_before(attribution::text_before(text, m.start, 48))
            })
            .collect();
        if !posts.is_empty() {
            in_clause = posts;
        }
    }
    if from_places != FromPlaces::Prefer || !in_clause.iter().any(after_from) {
        let locative = |m: &&Mention| locative(m);
        if in_clause.iter().any(locative) && !in_clause.iter().all(locative) {
            in_clause.retain(locative);
        }
    }
    let mut out: Vec<Place> = Vec::new();
    let push = |c: CountryCode, factor: f32, out: &mut Vec<Place>| {
        if out.iter().any(|(x, _, _)| *x == Some(c)) {
            return;
        }
        let cities = cities_for(c);
        if cities.is_empty() {
            out.push((Some(c), None, factor));
        }
        for city in cities {
            out.push((Some(c), Some(city), factor));
        }
    };
    if !in_clause.is_empty() {
        // In an advisory about a territory, its sovereign declaring a measure ("France has
        // declared a state of emergency") declares it for the territory, unless the clause puts
        // it in the sovereign's own land ("a curfew in France").
        let territory = subject.filter(|t| t.sovereign().is_some());
        for m in &in_clause {
            let for_territory = territory
                .filter(|t| t.sovereign() == Some(m.country) && !locative(m) && m.kind != Kind::Demonym);
            push(for_territory.unwrap_or(m.country), 1.0, &mut out);
        }
        // ("the country" is never the one carrying an evacuation out.)
        if subject_ref
            && let Some(c) = subject
            && !actors.contains(&c)
        {
            push(c, 1.0, &mut out);
        }
        return out;
    }
    // "Hong Kong suspended flights from India": with every place of the clause an origin, the
    // country acting before the match is the one keeping travellers out.
    if from_places == FromPlaces::Exclude {
        let text = &s.norm.text;
        if let Some(m) = mentions_in(&s.mentions, &raw.clause)
            .filter(|m| {
                m.end <= raw.cand.first.0
                    && m.kind == Kind::Name
                    && matches!(m.role, Role::Plain | Role::Actor)
                    && !after_from(m)
                    && modifiers::words_between(text, m.end, raw.cand.first.0) <= 8
            })
            .last()
        {
            push(m.country, 0.9, &mut out);
            return out;
        }
    }
    // "Closure of airspace around transit hubs in the Middle East", "flights across Europe":
    // a sentence that puts the measure in a region wider than a country, and names no
    // country, is not about the advisory's subject.
    if plain(&raw.sentence).is_empty()
        && !subject_ref
        && names_a_wider_region(&s.norm.text[raw.clause.clone()])
    {
        return out;
    }
    // "The country" with no place of its own in the sentence refers back to the one country
    // the previous sentence named ("Earlier, Armenia announced a similar step. The country's
    // cabinet has introduced martial law"), when that sentence names exactly one.
    if subject_ref && plain(&raw.sentence).is_empty() {
        // "… after the Egyptian government shut down the internet in the country": a country
        // acting in the sentence itself is the one "the country" means.
        // (Its government, not its troops: "Russian troops … across the country" abroad.)
        const RULERS: &[&str] = &[
            "government",
            "authorities",
            "president",
            "regime",
            "ministry",
            "cabinet",
            "junta",
            "parliament",
        ];
        let text = &s.norm.text;
        let mut acting: Vec<CountryCode> = mentions_in(&s.mentions, &raw.sentence)
            .filter(|m| {
                m.role == Role::Actor
                    && m.end <= raw.cand.first.0
                    && text[m.end..]
                        .split(|c: char| !c.is_alphanumeric())
                        .find(|w| !w.is_empty())
                        .is_some_and(|w| is(w, RULERS))
            })
            .map(|m| m.country)
            .collect();
        acting.dedup();
        if let [c] = acting[..] {
            push(c, 0.9, &mut out);
            return out;
        }
        let at = s.sentences.partition_point(|r| r.start < raw.sentence.start);
        if let Some(prev) = at.checked_sub(1).and_then(|i| s.sentences.get(i)) {
            let mut named: Vec<CountryCode> =
                plain(prev).into_iter().filter(|m| m.kind == Kind::Name).map(|m| m.country).collect();
            named.dedup();
            if let [c] = named[..]
                && Some(c) != subject
            {
                push(c, 0.9, &mut out);
                return out;
            }
        }
    }
    // "… for Lebanon and Israel. Staff were permitted to depart from these areas": a plural
    // back-reference in a sentence with no place of its own is the places the previous
    // sentence named.
    if plain(&raw.sentence).is_empty() {
        let at = s.sentences.partition_point(|r| r.start < raw.sentence.start);
        if let Some(prev) = at.checked_sub(1).and_then(|i| s.sentences.get(i)) {
            let mut named: Vec<CountryCode> =
                plain(prev).into_iter().filter(|m| m.kind == Kind::Name).map(|m| m.country).collect();
            named.sort_unstable();
            named.dedup();
            if named.len() >= 2 && super::cues::names_any(&s.norm.text[raw.clause.clone()], PLURAL_BACK_REFS)
            {
                for c in named {
                    push(c, 0.9, &mut out);
                }
                return out;
            }
        }
    }
    // A digest's heading line that is only a place's name ("Hong Kong", "Jordan:") heads the
    // sentences under it, up to the next heading: a sentence with no place of its own there is
    // about that place.
    if plain(&raw.sentence).is_empty() {
        let at = s.sentences.partition_point(|r| r.start < raw.sentence.start);
        if let Some(c) = s.sentences[..at].iter().rev().take(HEADING_REACH).find_map(|r| heading_place(s, r))
            && Some(c) != subject
        {
            push(c, 0.9, &mut out);
            return out;
        }
    }
    // A bulletin's paragraph opened by "In Bolivia, …" goes on about Bolivia: a sentence of
    // its own with no place ("The state of emergency went into effect on 26 March") is there,
    // not in the advisory's subject.
    if plain(&raw.sentence).is_empty() {
        let at = s.sentences.partition_point(|r| r.start < raw.sentence.start);
        if let Some(prev) = at.checked_sub(1).and_then(|i| s.sentences.get(i))
            && let Some(first) = mentions_in(&s.mentions, prev).next()
            && first.role == Role::Plain
            && first.kind != Kind::Demonym
            && s.norm.text[prev.start..first.start].trim().eq_ignore_ascii_case("in")
            && Some(first.country) != subject
        {
            push(first.country, 0.9, &mut out);
            return out;
        }
    }
    // A digest's paragraph about one other country ("The government of Guyana extended
    // nationwide restrictions … Under the restrictions, a nightly curfew remains in effect"):
    // a sentence with no place of its own is about the one country the paragraph has named so
    // far, when that is not the advisory's subject and the subject is not named there.
    if plain(&raw.sentence).is_empty()
        && let Some(c) = paragraph_country(s, raw.sentence.start)
        && Some(c) != subject
    {
        push(c, 0.9, &mut out);
        return out;
    }
    // The countries that fly out their own people are not where the evacuation is; nor, when
    // the advisory has a subject, is a country named in passing elsewhere in the sentence
    // ("equipped by the United States"): only one the staff leave or stay in.
    let mut in_sentence: Vec<&Mention> = plain(&raw.sentence)
        .into_iter()
        .filter(|m| !actors.contains(&m.country) && !caused(m) && !bordered_in_aside(&s.norm.text, m))
        .collect();
    if from_places == FromPlaces::Prefer && subject.is_some() {
        in_sentence.retain(|m| m.country == subject.unwrap_or(m.country) || locative(m) || after_from(m));
    }
    // Where arrivals come from is not where an entry ban is, in the sentence either.
    if from_places == FromPlaces::Exclude {
        in_sentence.retain(|m| !after_from(m) && !kept_out(&s.norm.text, m));
    }
    if let Some(c) = subject.filter(|c| in_sentence.iter().any(|m| m.country == *c)) {
        push(c, 0.95, &mut out);
        return out;
    }
    let anchor = raw.cand.first.0;
    if let Some(m) =
        in_sentence.iter().min_by_key(|m| if m.start >= anchor { m.start - anchor } else { anchor - m.end })
    {
        push(m.country, 0.9, &mut out);
        return out;
    }
    // The subject named in the sentence only as where travellers come from ("bans on flights
    // and travellers from the UK") is not the one banning them.
    // (A route both ways, "to and from Bolivia", is the subject's own.)
    let both_ways = |m: &Mention| {
        let before = attribution::text_before(&s.norm.text, m.start, 24).trim_end().to_lowercase();
        [
            "to and from",
            "to or from",
            "from and to",
            "hacia y desde",
            "a y desde",
            "desde y hacia",
            "vers et depuis",
            "de et vers",
        ]
        .iter()
        .any(|l| before.ends_with(l))
    };
    // "Several Arab nations closed their airspace": countries left unnamed own the measure;
    // it is not the advisory's subject's.
    // ("Several Middle East countries shut down airspaces"; "states" and "governments" only
    // with "their": "authorities in several states imposed curfews" are the country's own.)
    {
        let before = attribution::text_before(&s.norm.text, raw.cand.first.0, 80);
        let clause_part = &before[before.len().saturating_sub(raw.cand.first.0 - raw.clause.start)..];
        let groups: &[&str] = if possessive {
            &["countries", "nations", "states", "governments", "pays", "paises", "gobiernos"]
        } else {
            // (French "pays" is also one country: "les frontières du pays".)
            &["countries", "nations", "paises"]
        };
        if clause_part.split(|c: char| !c.is_alphanumeric()).any(|w| is(w, groups)) {
            return out;
        }
    }
    // "Ukrainian President Volodymyr Zelenskyy declared martial law": a country's own leader or
    // government acting, with no place named, acts at home.
    if from_places != FromPlaces::Prefer
        && let Some(m) = mentions_in(&s.mentions, &raw.clause)
            .filter(|m| {
                m.role == Role::Actor
                    && !matches!(m.kind, Kind::City(_))
                    && m.end <= raw.cand.first.0
                    && modifiers::words_between(&s.norm.text, m.end, raw.cand.first.0) <= 8
                    && governs_at_home(&s.norm.text[m.end..])
            })
            .last()
    {
        push(m.country, 0.9, &mut out);
        return out;
    }
    // (Nor is the country whose own people or papers the sentence says are kept out: "la
    // suspensión de visas a haitianos" is no Haitian ban.)
    let origin_only = from_places == FromPlaces::Exclude
        && mentions_in(&s.mentions, &raw.sentence).any(|m| {
            Some(m.country) == subject && ((after_from(&m) && !both_ways(m)) || kept_out(&s.norm.text, m))
        });
    if let Some(c) = subject.filter(|_| !origin_only) {
        push(c, 0.9, &mut out);
    }
    out
}

/// In a digest (see `is_digest`), the one country named (as the place, or as a government
/// acting) between the start of the paragraph holding `at` and `at`, if exactly one is. A
/// paragraph starts after a blank line. Outside digests `None`: "Officials in Bolivia spoke" in
/// a one-paragraph advisory about another country does not make its next sentence Bolivia's.
fn paragraph_country(s: &Scanned<'_>, at: usize) -> Option<CountryCode> {
    let text = &s.norm.text;
    let start = text[..at].rfind("\n\n").map_or(0, |i| i + 2);
    let found = one_country(s, start..at)?;
    s.digest.get_or_init(|| is_digest(s)).then_some(found)
}

/// Whether two or more paragraphs each name one country, and not the same one.
fn is_digest(s: &Scanned<'_>) -> bool {
    let text = &s.norm.text;
    let mut singles: Vec<CountryCode> = Vec::new();
    let mut from = 0;
    for end in text.match_indices("\n\n").map(|(i, _)| i).chain(std::iter::once(text.len())) {
        if let Some(c) = one_country(s, from..end)
            && !singles.contains(&c)
        {
            singles.push(c);
            if singles.len() >= 2 {
                return true;
            }
        }
        from = end + 2;
    }
    false
}

/// The one country named (as the place, or as a government acting) in `r`, if exactly one is.
fn one_country(s: &Scanned<'_>, r: Range<usize>) -> Option<CountryCode> {
    let mut found: Option<CountryCode> = None;
    for m in mentions_in(&s.mentions, &r) {
        let counts = match m.role {
            Role::Plain => true,
            Role::Actor => m.kind == Kind::Name,
            _ => false,
        };
        if !counts || matches!(m.kind, Kind::City(_)) {
            continue;
        }
        match found {
            None => found = Some(m.country),
            Some(c) if c == m.country => {}
            Some(_) => return None,
        }
    }
    found
}

/// Whether a clause puts something everywhere at once: "worldwide", "globally", "in the
/// world", "around the world".
fn names_the_whole_world(clause: &str) -> bool {
    let words: Vec<&str> = clause.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.iter().enumerate().any(|(i, w)| {
        is(w, &["worldwide", "globally"])
            || (i >= 2
                && is(w, &["world"])
                && is(words[i - 1], &["the"])
                && is(words[i - 2], &["in", "around", "across", "throughout"]))
    })
}

/// Words of `before`, last first (at most eight: the leads below look a few words back).
/// Whether a clause places something in a region wider than one country ("in the Middle
/// East", "across Europe", "globally"), led there by a preposition. One pass over the words.
fn names_a_wider_region(clause: &str) -> bool {
    const REGIONS: &[&[&str]] = &[
        &["middle", "east"],
        &["gulf"],
        &["europe"],
        &["africa"],
        &["asia"],
        &["latin", "america"],
        &["balkans"],
        &["caucasus"],
        &["central", "asia"],
        &["south", "asia"],
        &["southeast", "asia"],
        &["americas"],
        &["caribbean"],
        &["west", "africa"],
        &["east", "africa"],
        &["north", "africa"],
        &["pacific"],
        &["moyen", "orient"],
        &["europe"],
        &["afrique"],
        &["oriente", "medio"],
        &["medio", "oriente"],
        &["américa", "america", "latina"],
    ];
    const LEADS: &[&str] = &["in", "across", "around", "throughout", "over", "within", "dans", "en", "au"];
    const ARTICLES: &[&str] = &["the", "le", "l", "la", "el"];
    let words: Vec<&str> = clause.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // (Lower-casing only a word that is not ASCII: most are.)
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b);
    for (i, w) in words.iter().enumerate() {
        if w.len() >= 8 && (eq(w, "globally") || eq(w, "worldwide")) {
            return true;
        }
        if !w.starts_with(char::is_uppercase) {
            continue;
        }
        let first = w.as_bytes()[0].to_ascii_lowercase();
        let Some(region) = REGIONS.iter().find(|r| {
            r[0].as_bytes()[0] == first
                && r.len() <= words.len() - i
                && r.iter().zip(&words[i..]).all(|(a, b)| eq(b, a))
        }) else {
            continue;
        };
        // "Europe" after "Eastern"/"Western" is still Europe; what matters is the lead.
        let mut k = i;
        while k > 0 && ARTICLES.iter().any(|a| eq(words[k - 1], a)) {
            k -= 1;
        }
        if k > 0 && LEADS.iter().any(|l| eq(words[k - 1], l)) && !region.is_empty() {
            return true;
        }
    }
    false
}

/// Plural references back to the places a previous sentence named.
const PLURAL_BACK_REFS: &[&str] = &[
    "these areas",
    "these countries",
    "those countries",
    "both countries",
    "the two countries",
    "ces pays",
    "ces deux pays",
    "estos paises",
    "ambos paises",
];

fn words_back(before: &str) -> ([&str; 8], usize) {
    let mut out = [""; 8];
    let mut n = 0;
    for w in before.rsplit(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if n == out.len() {
            break;
        }
        out[n] = w;
        n += 1;
    }
    (out, n)
}

/// Where in `lead` (a sentence up to a measure) countries left unnamed stand as a subject, if
/// they do: "Many countries are …", "as countries continue to …", "Several nations have …",
/// "from countries with already closed borders".
fn unnamed_countries_act(lead: &str) -> Option<usize> {
    const GROUPS: &[&str] = &["countries", "nations", "governments"];
    const BEFORE: &[&str] =
        &["many", "several", "some", "other", "most", "various", "numerous", "as", "while", "where"];
    // Most sentences hold none of the words: look before splitting (and without a copy).
    let bytes = lead.as_bytes();
    if !GROUPS.iter().any(|g| bytes.windows(g.len()).any(|w| w.eq_ignore_ascii_case(g.as_bytes()))) {
        return None;
    }
    let words: Vec<(usize, &str)> = lead
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| (w.as_ptr() as usize - lead.as_ptr() as usize, w))
        .collect();
    words
        .iter()
        .enumerate()
        .filter(|(i, (_, w))| {
            is(w, GROUPS)
                // ("Kenya and other countries closed their borders" names one of them.)
                && !(*i > 0
                    && (is(words[i - 1].1, &["and", "or"])
                        || (is(words[i - 1].1, &["other", "more"])
                            && words[i.saturating_sub(3)..*i].iter().any(|p| is(p.1, &["and", "or"])))))
                && (*i == 0
                    || is(words[i - 1].1, BEFORE)
                    // "countries with already closed borders": the measure describes them.
                    || (words.len() - i <= 4
                        && words.get(i + 1).is_some_and(|n| is(n.1, &["with", "that", "which", "whose"]))))
        })
        .map(|(_, (at, _))| *at)
        .next_back()
}

fn is(w: &str, list: &[&str]) -> bool {
    list.iter().any(|l| l.eq_ignore_ascii_case(w))
}

/// Whether the text before a place makes it the one left: "from X", "out of X", "leave X",
/// "quitter le X", "salir de X", also through a short noun phrase ("from an airfield north of
/// X", "from the port of X").
fn origin_before(before: &str) -> bool {
    // A clause boundary between the lead and the place ends it — except a list's comma:
    // "travelling from the Indian Ocean islands, Namibia, …" reads back past it.
    let mut parts = before.rsplit([',', ';', ':', '(', ')', '.', '!', '?', '\n']);
    let last = parts.next().unwrap_or(before);
    let cut = before.len() - last.len();
    // ("from 20 countries, including India": the comma before "including" is the list's too.)
    let introduces = |seg: &str| {
        let mut w = seg.split_whitespace().peekable();
        w.peek().is_some() && w.all(|x| is(x, &["including", "notably", "especially", "the"]))
    };
    let joined_back;
    let before = if last.trim().is_empty() && cut > 0 && before[..cut].ends_with(',') {
        parts.next().unwrap_or(last)
    } else if introduces(last) && cut > 0 && before[..cut].ends_with(',') {
        let prev = parts.next().unwrap_or("");
        joined_back = format!("{prev} {last}");
        joined_back.as_str()
    } else {
        last
    };
    let (words, n) = words_back(before);
    let words = &words[..n.min(6)];
    const LEADS: &[&str] = &[
        "from",
        "leave",
        "leaving",
        "left",
        "fled",
        "flee",
        "fleeing",
        // "ordered its staff to depart the Democratic Republic of the Congo".
        "depart",
        "departs",
        "departed",
        "departing",
        "quitter",
        "quittent",
        "quitte",
        "depuis",
        "desde",
        // "voyageurs venant de France", "en provenance de", "procedentes de".
        "venant",
        "provenant",
        "provenance",
        "procedentes",
        "procedente",
        "provenientes",
        "proveniente",
    ];
    const ARTICLES: &[&str] = &["the", "le", "la", "l", "les", "el", "de", "del", "of"];
    for (i, w) in words.iter().enumerate() {
        let next = if i == 0 { None } else { words.get(i - 1).copied() };
        // "flights with Egypt", "air links are suspended with Canada": the other end of a
        // route; "a travel ban that covered China": who the ban is on.
        const ROUTE_WORDS: &[&str] = &[
            "liaisons",
            "vols",
            "dessertes",
            "suspendre",
            "suspendu",
            "suspendues",
            "vuelos",
            "conexiones",
            "suspender",
            "suspendio",
            "maritimes",
            "aeriennes",
            "maritimas",
            "aereas",
            "flights",
            "flight",
            "links",
            "link",
            "connections",
            "routes",
            "suspended",
            "suspend",
            "suspends",
        ];
        let lead = is(w, LEADS)
            || is(w, &["covered", "covering", "covers"])
            || (is(w, &["with", "avec", "con"]) && words[i + 1..].iter().any(|x| is(x, ROUTE_WORDS)))
            || (w.eq_ignore_ascii_case("out") && next.is_some_and(|n| n.eq_ignore_ascii_case("of")))
            || (is(w, &["salir", "abandonar", "evacuar"]) && next.is_some_and(|n| is(n, &["de", "del"])));
        if lead {
            // Words between the lead and the place: none or articles only, or a short phrase
            // whose last word ties it to the place ("north of", "near", "outside").
            let between = &words[..i];
            // "from 20 countries including Pakistan", "from 20 nations, including the UAE": an
            // item named from a counted list of origins.
            let counted = between.iter().any(|b| is(b, &["including", "notably", "especially"]))
                && between.iter().all(|b| {
                    is(b, ARTICLES)
                        || is(
                            b,
                            &["including", "notably", "especially", "countries", "nations", "more", "other"],
                        )
                        || b.bytes().all(|c| c.is_ascii_digit())
                });
            // "from its regional neighbours Mozambique, Namibia …": origins named as a group.
            let grouped = between.iter().any(|b| is(b, &["neighbours", "neighbors", "countries", "nations"]))
                && between.iter().all(|b| {
                    is(b, ARTICLES)
                        || is(
                            b,
                            &[
                                "its",
                                "their",
                                "regional",
                                "southern",
                                "northern",
                                "eastern",
                                "western",
                                "neighbouring",
                                "neighboring",
                                "neighbours",
                                "neighbors",
                                "countries",
                                "nations",
                            ],
                        )
                });
            let plain = counted || grouped || between.iter().all(|b| is(b, ARTICLES));
            let tied =
                between.len() <= 5 && between.first().is_some_and(|b| is(b, &["of", "near", "outside"]));
            return plain || tied;
        }
    }
    false
}

/// Whether a place is named as where arriving travellers come from ("entry … from 20
/// countries including India", "travel will be banned from Argentina"): an origin with words
/// of travel or of a ban just before its "from". Narrower than `origin_before`, which also
/// reads "fled", "leave" and the like.
fn arrivals_from(before: &str) -> bool {
    const TRAVEL: &[&str] = &[
        "arrivals",
        "arriving",
        "travellers",
        "travelers",
        "travel",
        "coming",
        "flights",
        "passengers",
        "entry",
        "banned",
        "ban",
        "bans",
        "barred",
        "suspended",
        "suspends",
        "visitors",
        "people",
        "those",
    ];
    // Cheapest test first: most places follow no "from" among their last six words.
    let (all, n) = words_back(before);
    let Some(at) = all[..n.min(6)].iter().position(|w| {
        is(w, &["from", "desde", "depuis", "venant", "provenant", "provenance", "procedentes"])
    }) else {
        return false;
    };
    // "Evacuation flights of citizens from Israel": the place people are taken out of is the
    // advisory's subject, not where arrivals come from.
    const EVACUATION: &[&str] = &[
        "evacuation",
        "evacuations",
        "evacuate",
        "evacuated",
        "evacuating",
        "repatriation",
        "repatriations",
    ];
    let lead = &all[at + 1..n];
    lead.iter().take(4).any(|w| is(w, TRAVEL))
        && !lead.iter().take(5).any(|w| is(w, EVACUATION))
        && origin_before(before)
}

/// Whether the text before a place opens a relative aside that is still open: ", which
/// borders", ", qui borde".
/// "The affected areas, which border Cambodian territory, …": a place that a relative aside
/// names as bordering the thing it describes is the far side of that border.
fn bordered_in_aside(text: &str, m: &Mention) -> bool {
    let before = attribution::text_before(text, m.start, 80);
    if !in_relative_aside(before) {
        return false;
    }
    let aside = before.rsplit_once(',').map_or(before, |(_, a)| a);
    aside.split(|c: char| !c.is_alphanumeric()).any(|w| {
        is(
            w,
            &[
                "border",
                "borders",
                "bordering",
                "adjoin",
                "adjoins",
                "neighbour",
                "neighbours",
                "neighbor",
                "neighbors",
            ],
        )
    })
}

fn in_relative_aside(before: &str) -> bool {
    let Some((_, aside)) = before.rsplit_once(',') else { return false };
    if aside.contains(['.', ';', ':', '(', ')']) {
        return false;
    }
    let first = aside.split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    is(first, &["which", "who", "whose", "qui", "dont"])
}

/// Prepositions that put a place somewhere in a clause rather than make it the subject.
const PREPOSITIONS: &[&str] = &[
    "in", "from", "to", "of", "at", "across", "into", "within", "for", "with", "by", "on", "via", "near",
    "en", "de", "du", "des", "à", "au", "aux", "desde", "del", "a", "por", "para", "con", "avec", "vers",
];

/// Whether a place is named as a diplomatic post: "Embassy in X", "consulate at X", "Embassy X".
fn post_before(before: &str) -> bool {
    let before = before.rsplit(['.', '!', '?', ';', '(', ')', '\n']).next().unwrap_or(before);
    let (words, n) = words_back(before);
    const POSTS: &[&str] = &[
        "embassy",
        "embassies",
        "consulate",
        "consulates",
        "ambassade",
        "consulat",
        "embajada",
        "consulado",
    ];
    match &words[..n.min(2)] {
        [w, ..] if is(w, POSTS) => true,
        [prep, w] => is(prep, &["in", "at", "à", "a", "en"]) && is(w, POSTS),
        _ => false,
    }
}

/// Whether a place is introduced as where things happen: "in X", "across X", "throughout X",
/// also "in the four regions of X", "in parts of X".
fn locative_before(before: &str) -> bool {
    const LOC: &[&str] = &["in", "across", "throughout", "into", "within", "inside"];
    // Only this sentence's words: "… sirens sounded across the country. Iraq and Jordan …".
    let before = before.rsplit(['.', '!', '?', ';', '\n']).next().unwrap_or(before);
    let (words, n) = words_back(before);
    let words = &words[..n.min(6)];
    if words.iter().take(3).any(|w| is(w, LOC)) {
        return true;
    }
    // "in the four regions of X": the preposition a few words back, tied by "of".
    words.first().is_some_and(|w| w.eq_ignore_ascii_case("of")) && words.iter().skip(1).any(|w| is(w, LOC))
}

/// Whether a match speaks of someone's own people ("its nationals", "their citizens", "ses
/// ressortissants", "sus ciudadanos").
pub(super) fn names_own_people(matched: &str) -> bool {
    let words: Vec<String> = matched
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    // A few words may come between: "its roughly 3,000 nationals", "its Kabul embassy".
    words.iter().enumerate().any(|(i, w)| {
        matches!(w.as_str(), "its" | "their" | "ses" | "leurs" | "leur" | "sus" | "su")
            && words[i + 1..].iter().take(4).any(|n| is_people(n))
    })
}

/// A noun for a country's own people abroad or its diplomatic presence.
/// A nationality that names the people or papers an entry rule keeps out ("Haitian visas",
/// "visas haïtiens", "las visas a haitianos", "Russian nationals"): those turned away, not the
/// country turning them away.
fn kept_out(text: &str, m: &Mention) -> bool {
    if m.kind != Kind::Demonym {
        return false;
    }
    const PAPERS_AND_PEOPLE: &[&str] = &[
        "visa",
        "visas",
        "passport",
        "passports",
        "nationals",
        "citizens",
        "travellers",
        "travelers",
        "tourists",
        "visitors",
        "migrants",
        "workers",
        "passeports",
        "ressortissants",
        "citoyens",
        "voyageurs",
        "touristes",
        "pasaporte",
        "pasaportes",
        "ciudadanos",
        "nacionales",
        "viajeros",
        "turistas",
        "migrantes",
    ];
    let next = text[m.end..].split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    let prev = attribution::text_before(text, m.start, 24)
        .rsplit(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    let plural_noun = text[m.start..m.end].ends_with('s');
    attribution::in_list(PAPERS_AND_PEOPLE, next)
        || attribution::in_list(PAPERS_AND_PEOPLE, prev)
        || (plural_noun && attribution::in_list(&["for", "to", "a", "aux", "pour"], prev))
}

fn is_people(w: &str) -> bool {
    matches!(
        w,
        "nationals"
            | "citizens"
            | "embassy"
            | "staff"
            | "diplomats"
            | "personnel"
            | "ressortissants"
            | "citoyens"
            | "diplomates"
            | "ciudadanos"
            | "nacionales"
            | "connacionales"
            | "diplomaticos"
            | "embassies"
            | "ambassade"
            | "embajada"
            | "expatriates"
    )
}

/// The advisory's subject country: declared metadata, else the title's most salient country,
/// else the most salient country in the body.
pub(super) fn subject_country(
    declared: &[CountryCode],
    sections: &[Scanned<'_>],
    g: &Gazetteer,
    reads_origins: bool,
    title_tells: bool,
) -> Option<CountryCode> {
    if let Some(c) = declared.first() {
        return Some(*c);
    }
    let body_countries: Vec<CountryCode> = sections
        .iter()
        .filter(|s| s.section != Section::Title)
        .flat_map(|s| s.mentions.iter())
        .map(|m| m.country)
        .collect();
    let body_backs = |c: CountryCode| body_countries.is_empty() || body_countries.contains(&c);
    // A title whose country the body never names, over a body that names another country at
    // least three times, is not the body's: a scraped page keeps another story's headline
    // ("Gunmen killed Iranian policeman" over a report from Nukus, Uzbekistan).
    let body_top = per_country(body_countries.iter().copied()).iter().map(|&(_, n)| n).max().unwrap_or(0);
    // (A title that itself tells of a measure is the story's own headline: "Belarus bars
    // Polish men", however much the body says of Poland.)
    let title_backed = |c: CountryCode| title_tells || body_top < 3 || body_countries.contains(&c);
    // Where travellers come from is not what the advisory is about: "Saudi Arabia bans entry
    // from 20 countries including India … travel will be banned from Argentina, …, India".
    // (A list's later items share its first item's "from", as in `attribute`.)
    let find_origins = || -> Vec<Vec<bool>> {
        sections
            .iter()
            .map(|s| {
                let text = &s.norm.text;
                let mut v: Vec<bool> = Vec::with_capacity(s.mentions.len());
                for (i, m) in s.mentions.iter().enumerate() {
                    let own = arrivals_from(attribution::text_before(text, m.start, 48));
                    let listed = i > 0 && v[i - 1] && {
                        let p = &s.mentions[i - 1];
                        p.end <= m.start && attribution::joined(&text[p.end..m.start])
                    };
                    v.push(own || listed);
                }
                v
            })
            .collect()
    };
    // A region that names its country plainly (weight 2) counts as a mention of it: "Still no
    // internet in Rakhine state" is about Myanmar, however often the body names Washington.
    let regions: Vec<Vec<(CountryCode, usize)>> = sections.iter().map(|s| regions_named(s, g)).collect();
    let tally = |origins: Option<&Vec<Vec<bool>>>| {
        let mut salience: FastMap<CountryCode, f32> = FastMap::default();
        let mut first_seen: FastMap<CountryCode, usize> = FastMap::default();
        let mut rank = 0;
        for (si, s) in sections.iter().enumerate() {
            let factor = if s.section == Section::Title { 3.0 } else { 1.0 };
            for &(c, _) in regions[si].iter().filter(|r| r.1 == 2) {
                *salience.entry(c).or_default() += factor;
                first_seen.entry(c).or_insert(rank);
                rank += 1;
            }
            for (mi, m) in s.mentions.iter().enumerate() {
                let factor = if origins.is_some_and(|o| o[si][mi]) { factor * 0.2 } else { factor };
                if let Kind::City(id) = m.kind {
                    let c = g.city(id);
                    if c.wordlike || c.population < 100_000 {
                        continue;
                    }
                    if s.section == Section::Title && !body_backs(c.country) {
                        continue;
                    }
                }
                *salience.entry(m.country).or_default() += attribution::weight(m) * factor;
                first_seen.entry(m.country).or_insert(rank);
                rank += 1;
            }
        }
        (salience, first_seen)
    };
    // Origins are looked for only when two countries come close (the second at least half the
    // first) or the title names more than one: most advisories have a clear subject.
    let (mut salience, mut first_seen) = tally(None);
    let contested = {
        let mut top: Vec<f32> = salience.values().copied().collect();
        top.sort_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
        let title_countries = sections
            .iter()
            .filter(|s| s.section == Section::Title)
            .flat_map(|s| s.mentions.iter().map(|m| m.country))
            .collect::<Vec<_>>();
        matches!(top.as_slice(), [a, b, ..] if *b * 2.0 >= *a)
            || title_countries.iter().any(|c| Some(c) != title_countries.first())
    };
    let origins: Option<Vec<Vec<bool>>> = (contested && reads_origins).then(find_origins);
    if let Some(o) = &origins {
        (salience, first_seen) = tally(Some(o));
    }
    let is_origin = |si: usize, mi: usize| origins.as_ref().is_some_and(|o| o[si][mi]);
    let title_plain: Vec<CountryCode> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.section == Section::Title)
        .flat_map(|(si, s)| {
            s.mentions
                .iter()
                .enumerate()
                .filter(move |(mi, _)| !is_origin(si, *mi))
                .map(move |(_, m)| (s.norm.text.as_str(), m))
        })
        // A nationality before its own rulers ("Ukrainian President declares martial law")
        // names the country; before people or craft acted on ("Ukraine bans Russian men"), not.
        .filter(|(text, m)| {
            m.role == Role::Plain
                || (m.kind == Kind::Demonym && m.role == Role::Actor && governs_at_home(&text[m.end..]))
        })
        .map(|(_, m)| m)
        .filter(|m| !matches!(m.kind, Kind::City(id) if g.city(id).wordlike))
        // A city alone in the title needs the body's word for its country: a capitalised
        // word that is also a town's name ("¿Habrá toque de queda?") is not the subject of an
        // advisory whose body names other countries only.
        .filter(|m| !matches!(m.kind, Kind::City(_)) || body_backs(m.country))
        .filter(|m| title_backed(m.country))
        .map(|m| m.country)
        .chain(
            sections
                .iter()
                .zip(&regions)
                .filter(|(s, _)| s.section == Section::Title)
                .flat_map(|(_, r)| r.iter().filter(|r| r.1 == 2).map(|r| r.0))
                .filter(|c| title_backed(*c)),
        )
        .collect();
    // "Niger : la France prépare l'évacuation …", "Gabon: Coup leaders amend curfew hours": a
    // country that opens the title as its label, before a colon, is what the advisory is about,
    // however often the body names the countries acting there.
    let labelled = sections.iter().filter(|s| s.section == Section::Title).find_map(|s| {
        let m = s.mentions.first()?;
        let text = &s.norm.text;
        let opens = text[..m.start].trim().is_empty();
        let colon = text[m.end..].trim_start().starts_with(':');
        (opens && colon && m.kind == Kind::Name && body_backs(m.country)).then_some(m.country)
    });
    if let Some(c) = labelled {
        return Some(c);
    }
    let score = |c: &CountryCode| {
        (
            salience.get(c).copied().unwrap_or(0.0),
            std::cmp::Reverse(first_seen.get(c).copied().unwrap_or(usize::MAX)),
        )
    };
    let pick = |cands: &mut dyn Iterator<Item = CountryCode>| {
        cands.max_by(|a, b| score(a).partial_cmp(&score(b)).unwrap_or(std::cmp::Ordering::Equal))
    };
    if let Some(c) = pick(&mut title_plain.iter().copied()) {
        return Some(c);
    }
    if let Some(c) = pick(&mut salience.keys().copied().filter(|c| title_backed(*c))) {
        return Some(c);
    }
    // No country and no large city named: two or more towns of one country, and more than of
    // any other, say where the advisory is ("Pattani, Yala and Narathiwat" are Thai).
    let mut towns: Vec<(CountryCode, u32)> = sections
        .iter()
        .flat_map(|s| s.mentions.iter())
        .filter(|m| m.role == Role::Plain)
        .filter_map(|m| match m.kind {
            Kind::City(id) if !g.city(id).wordlike => Some((m.country, id)),
            _ => None,
        })
        .collect();
    towns.sort_unstable();
    towns.dedup();
    let mut per = per_country(towns.iter().map(|&(c, _)| c));
    per.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    if let [(c, n), rest @ ..] = per.as_slice()
        && *n >= 2
        && rest.first().is_none_or(|(_, m)| m < n)
    {
        return Some(*c);
    }
    regions_country(&regions)
}

/// First-level regions a section names that say which country they are in: a name only one
/// country's region has, not an ordinary word, not a country's name or nationality where it
/// stands, and no other country's town; with its weight, 2 when no town anywhere has the name
/// or a kind word follows it ("Pattani province"), else 1 (one region that is also a town's
/// name is no more than a town alone).
fn regions_named(s: &Scanned<'_>, g: &Gazetteer) -> Vec<(CountryCode, usize)> {
    let mut out = Vec::new();
    for (country, name, kind, at) in crate::detect::places::regions::unique_names_in(&s.norm.text) {
        if s.mentions.iter().any(|m| m.start <= at && at < m.end && !matches!(m.kind, Kind::City(_))) {
            continue;
        }
        let towns = g.find_cities(name, None);
        if towns.iter().any(|&id| g.city(id).country != country) {
            continue;
        }
        out.push((country, if kind || towns.is_empty() { 2 } else { 1 }));
    }
    out
}

/// No country and no towns enough: the regions named say it ("a state of emergency in Tigray
/// and Afar" is Ethiopian). The country needs a weight of two (see `regions_named`), and more
/// than any other.
fn regions_country(regions: &[Vec<(CountryCode, usize)>]) -> Option<CountryCode> {
    let mut per: Vec<(CountryCode, usize)> = Vec::new();
    for &(country, weight) in regions.iter().flatten() {
        match per.iter_mut().find(|(c, _)| *c == country) {
            Some(e) => e.1 += weight,
            None => per.push((country, weight)),
        }
    }
    per.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    match per.as_slice() {
        [(c, n), rest @ ..] if *n >= 2 && rest.first().is_none_or(|(_, m)| m < n) => Some(*c),
        _ => None,
    }
}

/// How many times each country occurs, in first-seen order (a handful: a linear search).
fn per_country(countries: impl Iterator<Item = CountryCode>) -> Vec<(CountryCode, usize)> {
    let mut per: Vec<(CountryCode, usize)> = Vec::new();
    for c in countries {
        match per.iter_mut().find(|(x, _)| *x == c) {
            Some(e) => e.1 += 1,
            None => per.push((c, 1)),
        }
    }
    per
}
