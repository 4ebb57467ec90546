//! Modifier resolution: from the cues around a trigger match to its [`Polarity`].
//!
//! Precedence, strongest first: negation (a negated lift is no lift at all), hypothetical,
//! lifted, habitual, historical, advice, staff-only, attributed. "Still in force" cues cancel
//! habitual and historical readings. Pure functions over hits and offsets.

use super::cues::{self, CueKind, IMPERATIVE_OPENERS, window};
use super::matcher::{Hit, Meaning};
use super::trigger::Polarity;

/// The parts of a candidate match that modifiers look at.
pub struct Candidate {
    /// Start of the earliest matched term.
    pub first: (usize, usize),
    /// The latest matched term (equal to `first` for a single phrase).
    pub last: (usize, usize),
}

/// Words between two offsets (counted as whitespace-separated tokens).
pub fn words_between(text: &str, from: usize, to: usize) -> usize {
    if to <= from {
        return 0;
    }
    // Normalised text has only ASCII whitespace (other spaces are folded), so bytes will do.
    let mut words = 0;
    let mut in_word = false;
    for &b in &text.as_bytes()[from..to] {
        let space = b.is_ascii_whitespace();
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

/// Cue findings for one candidate.
#[derive(Default, Debug)]
pub struct Found {
    pub negated: bool,
    pub hypothetical: bool,
    pub lifted: bool,
    pub habitual: bool,
    pub historical: bool,
    pub advice: bool,
    pub staff: bool,
    pub attributed: bool,
    pub active: bool,
    /// The lift itself is dated in a past year ("… and lifted it on 20 May 2022").
    pub lift_past: bool,
}

/// Whether a negation before a candidate still covers it. A new coordinated clause (", and
/// …", ", y hay …", "; …") ends its reach, and a negating preposition ("without", "sans",
/// "sin") covers only its own phrase, up to the next comma: "permite detenciones sin orden
/// judicial, y hay toque de queda" negates no curfew.
fn negation_reaches(text: &str, neg: &Hit, cand_start: usize) -> bool {
    if neg.end > cand_start {
        return true;
    }
    let gap = &text[neg.end..cand_start];
    let cue = &text[neg.start..neg.end];
    // Connectives built on a negation deny nothing: "No obstante, sigue siendo imposible …"
    // (however), "not only … but also", "no solo", "non seulement".
    if super::attribution::in_list(&["no", "not", "non"], cue) {
        let next = gap.split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
        if super::attribution::in_list(&["obstante", "only", "solo", "solamente", "seulement"], next) {
            return false;
        }
    }
    if ["without", "sans", "sin"].iter().any(|p| cue.eq_ignore_ascii_case(p)) && gap.contains([',', ';']) {
        return false;
    }
    if gap.contains(';') {
        return false;
    }
    !gap.split(',').skip(1).any(|part| {
        let first = part.split_whitespace().next().unwrap_or("");
        ["and", "but", "y", "pero", "et", "mais"].iter().any(|c| first.eq_ignore_ascii_case(c))
    })
}

/// Whether "neither … nor" heads the subject of a verb that tells what the measures did to
/// others ("neither the blackout nor the curfew has deterred the protesters"): the measures
/// are taken as given, only their effect is denied. "Neither a curfew nor an emergency has
/// been declared" still negates them.
fn names_an_effect(text: &str, neg: &Hit, cand_end: usize, clause_end: usize) -> bool {
    const EFFECTS: &[&str] = &[
        "hindered",
        "hinder",
        "deterred",
        "deter",
        "stopped",
        "stop",
        "prevented",
        "prevent",
        "stemmed",
        "stem",
        "quelled",
        "quell",
        "discouraged",
        "discourage",
        "dampened",
        "dampen",
        "slowed",
        "slow",
        "curbed",
        "calmed",
        "kept",
        "dissuaded",
        "dissuade",
        "silenced",
    ];
    let cue = &text[neg.start..neg.end];
    if !(cue.eq_ignore_ascii_case("neither") || cue.eq_ignore_ascii_case("nor")) || cand_end >= clause_end {
        return false;
    }
    text[cand_end..clause_end]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .any(|w| EFFECTS.iter().any(|e| w.eq_ignore_ascii_case(e)))
}

/// Whether the sentence is a yes/no question ("Will there be a curfew?", "¿Habrá toque de
/// queda?"): it asks whether the measure holds, so it asserts nothing. A question opened by
/// "where", "why", "how"… takes the measure as given ("Where is the curfew in force?").
fn asks_whether(text: &str, sentence_start: usize, cand_end: usize) -> bool {
    const WH: &[&str] = &[
        "where", "why", "how", "when", "what", "which", "who", "dónde", "donde", "por", "cómo", "como",
        "cuándo", "cuando", "qué", "que", "cuál", "cual", "quién", "quien", "pourquoi", "où", "ou",
        "comment", "quand", "quel", "quelle", "quels", "quelles", "qui",
    ];
    let rest = &text[cand_end..];
    let end = rest.find(['.', '!', '?', '\n']).map_or(rest.len(), |i| i);
    if !rest[end..].starts_with('?') || rest[..end].contains([':', '¿']) {
        return false;
    }
    // The question starts at its "¿" if it has one, else at the sentence's start; a heading
    // before a colon is not part of it ("Estado de excepción: ¿Habrá toque de queda?").
    let head = &text[sentence_start..cand_end];
    let q = head
        .rfind('¿')
        .map_or_else(|| head.rfind(':').map_or(head, |i| &head[i + 1..]), |i| &head[i + '¿'.len_utf8()..]);
    let first =
        q.trim_start_matches(|c: char| !c.is_alphanumeric()).split(|c: char| !c.is_alphanumeric()).next();
    !first.is_some_and(|w| WH.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

/// Whether the words just before a match make it an exception to another measure: "all
/// flights suspended except for humanitarian aid and evacuation flights".
fn excepted(text: &str, clause_start: usize, cand_start: usize) -> bool {
    let mut back = text[clause_start..cand_start].split_whitespace().rev().take(7).peekable();
    while let Some(w) = back.next() {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let is = |x: &str| w.eq_ignore_ascii_case(x);
        if is("except") || is("excepting") || is("excepto") || is("salvo") || is("sauf") || is("exempt") {
            return true;
        }
        if (is("than") || is("from"))
            && back.peek().is_some_and(|p| p.eq_ignore_ascii_case("other") || p.eq_ignore_ascii_case("apart"))
        {
            return true;
        }
    }
    false
}

/// Whether a sentence says its measure is still in force ("remains", "still", "in effect").
fn goes_on(sentence: &str) -> bool {
    const ON: &[&str] = &[
        "remains",
        "remain",
        "still",
        "continues",
        "continue",
        "currently",
        "in force",
        "in effect",
        "in place",
        "extended",
        "until further notice",
    ];
    cues::says_any(sentence, ON.iter().copied())
}

/// Whether a sentence says "on 25 December 2021" or "on December 25, 2021" for a year before
/// the advisory's.
fn dated_on_a_past_day(sentence: &str, doc_year: i32) -> bool {
    if !sentence.as_bytes().windows(4).any(|w| w.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    let day = |w: &str| day_of_month(w).is_some();
    let month = |w: &str| is_month(w);
    let past = |w: &str| w.len() == 4 && w.parse::<i32>().is_ok_and(|y| (1900..doc_year).contains(&y));
    // The last four words, kept without allocating.
    let mut win: [&str; 4] = [""; 4];
    for w in sentence.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()) {
        win = [win[1], win[2], win[3], w.trim_end_matches(['.', ';', ':', ')'])];
        if win[0].eq_ignore_ascii_case("on")
            && past(win[3])
            && ((day(win[1]) && month(win[2])) || (month(win[1]) && day(win[2])))
        {
            return true;
        }
    }
    false
}

/// The day a word gives as a day of the month: "8", "25th", "1er".
fn day_of_month(w: &str) -> Option<u8> {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits)
        || !["", "st", "nd", "rd", "th", "er"].iter().any(|s| w[digits..].eq_ignore_ascii_case(s))
    {
        return None;
    }
    w[..digits].parse::<u8>().ok().filter(|d| (1..=31).contains(d))
}

/// The days and months a text gives, in order, each with the year written right after it if
/// any: "on 19 November 2019" → (19, 11, Some(2019)), "During the morning of 19 November," →
/// (19, 11, None). "November 19, 2019" reads the same.
fn days_and_months(text: &str) -> Vec<(u8, u8, Option<i32>)> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ';' | ':' | ')' | '(')))
        .filter(|w| !w.is_empty())
        .collect();
    let year = |w: Option<&&str>| {
        w.filter(|x| x.len() == 4 && x.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|x| x.parse::<i32>().ok())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < words.len() {
        let (a, b) = (words[i], words[i + 1]);
        let found = match (day_of_month(a), month_number(b)) {
            (Some(d), Some(m)) => Some((d, m)),
            _ => month_number(a).zip(day_of_month(b)).map(|(m, d)| (d, m)),
        };
        match found {
            Some((d, m)) => {
                out.push((d, m, year(words.get(i + 2))));
                i += 2;
            }
            None => i += 1,
        }
    }
    out
}

/// Whether `lead` (a paragraph's first words) gives a day and month without a year that
/// `before` (the text before it) has already dated in a year before `doc_year`: "On 19 November
/// 2019 soldiers broke up the blockade. … During the morning of 19 November, …" in a 2023 page
/// is that day of 2019, not of 2023.
pub(super) fn day_dated_earlier(lead: &str, before: &str, doc_year: i32) -> bool {
    let undated: Vec<(u8, u8)> =
        days_and_months(lead).into_iter().filter(|d| d.2.is_none()).map(|(d, m, _)| (d, m)).collect();
    !undated.is_empty()
        && days_and_months(before)
            .into_iter()
            .any(|(d, m, y)| y.is_some_and(|y| y < doc_year) && undated.contains(&(d, m)))
}

/// Month names by month (English, French, Spanish; "Jan." and "Sept" too), lower case.
const MONTH_NAMES: [&[&str]; 12] = [
    &["january", "jan", "janvier", "enero"],
    &["february", "feb", "février", "fevrier", "febrero"],
    &["march", "mar", "mars", "marzo"],
    &["april", "apr", "avril", "abril"],
    &["may", "mai", "mayo"],
    &["june", "jun", "juin", "junio"],
    &["july", "jul", "juillet", "julio"],
    &["august", "aug", "août", "aout", "agosto"],
    &["september", "sep", "sept", "septembre", "septiembre", "setiembre"],
    &["october", "oct", "octobre", "octubre"],
    &["november", "nov", "novembre", "noviembre"],
    &["december", "dec", "décembre", "decembre", "diciembre"],
];

/// Whether a word names a month, in any case ("May", "mai", "mayo").
pub(super) fn is_month(w: &str) -> bool {
    MONTH_NAMES.iter().flat_map(|names| names.iter()).any(|m| m.eq_ignore_ascii_case(w))
}

/// The month a name gives, 1–12 ("Jan." with its full stop too).
fn month_number(w: &str) -> Option<u8> {
    let w = w.trim_end_matches('.').to_lowercase();
    MONTH_NAMES.iter().position(|names| names.contains(&w.as_str())).map(|i| i as u8 + 1)
}

/// Whether a sentence tells its event as on a day, named without a year ("on January 8",
/// "le 8 janvier", "between January 8 and 12": the last day), that fell more than two weeks
/// before the advisory's date `doc` (a later month than the advisory's is last year's).
pub(super) fn dated_weeks_before(sentence: &str, doc: (i32, u8, u8)) -> bool {
    const MIN_DAYS: i32 = 15;
    if !sentence.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(doc_date) = jiff::civil::Date::new(doc.0 as i16, doc.1 as i8, doc.2 as i8) else { return false };
    let day = day_of_month;
    let words: Vec<&str> = sentence
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ';' | ':' | ')' | '(')))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        if !["on", "between", "le", "el", "du"].iter().any(|p| w.eq_ignore_ascii_case(p)) {
            continue;
        }
        let (a, b) = (words.get(i + 1).copied().unwrap_or(""), words.get(i + 2).copied().unwrap_or(""));
        let (month, mut d, mut next) = match (day(a), month_number(a)) {
            (Some(d), _) => match month_number(b) {
                Some(m) => (m, d, i + 3),
                None => continue,
            },
            (None, Some(m)) => match day(b) {
                Some(d) => (m, d, i + 3),
                None => continue,
            },
            _ => continue,
        };
        // "between January 8 and 12": the span ends on its last day.
        if w.eq_ignore_ascii_case("between")
            && words.get(next).is_some_and(|x| x.eq_ignore_ascii_case("and"))
            && let Some(end) = words.get(next + 1).and_then(|x| day(x))
        {
            d = end;
            next += 2;
        }
        // A year after the day is read by the rules of past years.
        if words.get(next).is_some_and(|x| x.len() == 4 && x.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        let year = if month > doc.1 { doc.0 - 1 } else { doc.0 };
        let Ok(when) = jiff::civil::Date::new(year as i16, month as i8, d as i8) else { continue };
        if let Ok(span) = when.until(doc_date)
            && span.get_days() >= MIN_DAYS
        {
            return true;
        }
    }
    false
}

/// Whether a match is about flights ("halted flights", "suspended all flights").
fn names_flights(matched: &str) -> bool {
    matched.as_bytes().windows(3).any(|w| {
        w.eq_ignore_ascii_case(b"fli") || w.eq_ignore_ascii_case(b"vue") || w.eq_ignore_ascii_case(b"vol")
    })
}

/// Whether the clause before a match opens with an airline as its subject — "Air Kenya",
/// "Kenya Airways", "Aircalin (SB)", a name followed by a two-character carrier code — so the
/// flights halted are that carrier's own, not an airport's or a country's closure.
fn airline_leads(before: &str) -> bool {
    let words: Vec<&str> = before.split_whitespace().collect();
    let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    // "many airlines announced the suspension of flights", "airlines that have suspended
    // flights": the carriers' own decision — unless someone made them ("ordered airlines to").
    const MADE: &[&str] =
        &["ordered", "orders", "told", "instructed", "directed", "forced", "required", "asked"];
    let made = || words.iter().any(|w| MADE.iter().any(|m| w.eq_ignore_ascii_case(m)));
    words.iter().enumerate().any(|(i, w)| {
        let next = words.get(i + 1).copied().unwrap_or("");
        let generic = ["airlines", "airline", "carriers"]
            .iter()
            .any(|g| w.trim_end_matches([',', '\'', '\u{2019}']).eq_ignore_ascii_case(g));
        (generic && !made())
            || (*w == "Air" && capital(next))
            // "Oman Air, in a statement, said …"
            || (i > 0 && w.trim_end_matches(',') == "Air" && capital(words[i - 1]))
            || (i > 0
                && matches!(w.trim_end_matches([',', '\'', '\u{2019}', 's']), "Airway" | "Airline")
                && capital(words[i - 1]))
            || (i > 0 && is_carrier_code(w) && capital(words[i - 1]))
    })
}

/// Whether the words after a "formerly" give an old name ("formerly known as", "anteriormente
/// conocida como", "anciennement appelé").
fn names_an_old_name(text: &str, at: usize) -> bool {
    let next = text[at..].split_whitespace().next().unwrap_or("");
    let next = next.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    ["known", "called", "named", "conocid", "llamad", "denominad", "connu", "appel", "nomm"]
        .iter()
        .any(|p| next.starts_with(p))
}

/// Whether a clause names the COVID-19 pandemic ("COVID-19", "the pandemic", "coronavirus").
fn names_the_pandemic(clause: &str) -> bool {
    let b = clause.as_bytes();
    ["covid", "pandemic", "coronavirus", "pandémie", "pandemia"].iter().any(|w| {
        let w = w.as_bytes();
        b.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w))
    })
}

/// "(NZ)", "(SB)", "(9W)": an airline's two-character code in brackets.
fn is_carrier_code(w: &str) -> bool {
    let Some(inner) = w.trim_end_matches(',').strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return false;
    };
    inner.len() == 2
        && inner.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && inner.chars().any(|c| c.is_ascii_uppercase())
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Inspect the cue hits of one clause around a candidate.
pub fn find(
    text: &str,
    clause: (usize, usize),
    sentence_start: usize,
    cand: &Candidate,
    cues: &[Hit],
    doc_year: Option<i32>,
    others: &[(usize, usize)],
) -> Found {
    let mut f = Found::default();
    let mut lift_end: Option<usize> = None;
    let asides = asides_before(text, clause, cand.first.0);
    for h in cues {
        let Meaning::Cue(kind) = h.meaning else { continue };
        let span = (h.start, h.end);
        if overlaps(span, cand.first) || overlaps(span, cand.last) {
            continue;
        }
        if asides.iter().any(|&(s, e)| h.start >= s && h.end <= e) {
            continue;
        }
        if kind == CueKind::Lift
            && (binds_other(text, h.end, others, cand.first.0) || closes_other(text, h, cand, others))
        {
            continue;
        }
        if kind == CueKind::Lift && !tight_lift(text, h, cand) {
            continue;
        }
        // "imposed as Ben Ali ended 23 years in power", "… as the army lifted its siege": a lift
        // verb after the measure with an object of its own ends that, not the measure.
        if kind == CueKind::Lift && h.start >= cand.last.1 && lift_has_own_object(text, h.end) {
            continue;
        }
        // "the standoff that ended early Sunday following a state of emergency": what ended did
        // so because of the measure; the measure did not end.
        if kind == CueKind::Lift && h.end <= cand.first.0 && caused_by_the_measure(text, h.end, cand.first.0)
        {
            continue;
        }
        // "since protests resumed on October 24": unrest resuming lifts no measure.
        if kind == CueKind::Lift && unrest_resumes(text, h.start) {
            continue;
        }
        // "remains closed but will likely reopen Dec. 31": a forecast of the end is no end.
        if kind == CueKind::Lift && forecast_before(text, h.start) {
            continue;
        }
        // "The curfew, which was lifted this morning, will resume at 8pm": lifted, then back.
        if kind == CueKind::Lift && resumes_after(text, h) {
            continue;
        }
        // "When the banks reopened, they limited cash withdrawals": a lift in a time clause
        // before the main one sets the scene for a new measure.
        if kind == CueKind::Lift && in_a_time_clause_before(text, sentence_start, h, cand) {
            continue;
        }
        if kind == CueKind::HypoPre && !tight_demand(text, h, cand) {
            continue;
        }
        // "in response to an alleged raid on an army camp … placed it under a state of
        // emergency": an adjective of doubt qualifies the noun after it, not a later measure.
        if kind == CueKind::AttrPre && h.end <= cand.first.0 && !doubt_reaches(text, h, cand.first.0) {
            continue;
        }
        // "police opened fire to prevent protesters from storming a station": a purpose after
        // the act's own words says why it was done, not that it may be.
        if kind == CueKind::HypoPre && h.start > cand.first.0 && is_purpose(&text[h.start..h.end]) {
            continue;
        }
        // "con el fin de", "a fin de" (Spanish "in order to") end nothing, and "jusqu'à la fin
        // de la pandémie", "until the end of" give how long the measure lasts.
        if kind == CueKind::Lift && ends_a_time(text, h) {
            continue;
        }
        // "the curfew ends at 5am" gives its hours; "ends" and "ending" lift only otherwise.
        if kind == CueKind::Lift && ends_at_an_hour(text, h.start, h.end) {
            continue;
        }
        if matches!(kind, CueKind::HypoPre | CueKind::HypoPost)
            && (is_month_may(text, h.start, h.end, sentence_start)
                || until_a_date(text, h.start, h.end)
                || reported_future(text, sentence_start, h.start, h.end, clause.1))
        {
            continue;
        }
        let before = h.end <= cand.last.0
            && (h.start >= cand.first.0
                || words_between(text, h.end, cand.first.0) < window(kind)
                || (kind == CueKind::HypoPre
                    && (in_list_under(text, h.end, cand.first.0) || is_demand(&text[h.start..h.end]))));
        let after = h.start >= cand.last.1 && words_between(text, cand.last.1, h.start) < window(kind);
        match kind {
            CueKind::NegPre
                if before
                    && negation_reaches(text, h, cand.first.0)
                    && !names_an_effect(text, h, cand.last.1, clause.1) =>
            {
                f.negated = true
            }
            CueKind::NegPost if after => f.negated = true,
            // "plan to extend the current closure of the border": what may change is its end;
            // the measure holds now.
            CueKind::HypoPre if before && extends_between(text, h.end, cand.first.0) => {}
            CueKind::HypoPre if before => f.hypothetical = true,
            CueKind::HypoPost if after => f.hypothetical = true,
            CueKind::AttrPre if before => f.attributed = true,
            CueKind::Lift if before || after => {
                f.lifted = true;
                lift_end = Some(lift_end.map_or(h.end, |e: usize| e.max(h.end)));
            }
            // "typically from midnight to 5am" says when the curfew runs, not that it is generic.
            CueKind::Habitual if times_of_day_follow(text, h.end) => {}
            CueKind::Habitual => f.habitual = true,
            // "X, formerly known as Twitter", "anteriormente conocida como": an old name, not
            // an old time.
            CueKind::HistWord if names_an_old_name(text, h.end) => {}
            CueKind::HistWord if before || after => f.historical = true,
            // A time adverbial opening the sentence dates all of it, however long ("In the
            // past, police have used …", "Lors des précédentes manifestations, …").
            CueKind::HistWord
                if h.end <= cand.first.0 && words_between(text, sentence_start, h.start) <= 3 =>
            {
                f.historical = true
            }
            CueKind::Advice => f.advice = true,
            // "thousands of foreigners, including embassy staff, aid workers and students":
            // staff named as examples of a wider group are not whom the rule binds.
            CueKind::Staff if among_others(text, h.start) => {}
            CueKind::Staff => f.staff = true,
            // "ongoing" qualifies the noun it stands by: "the ongoing curfew", "the curfew is
            // ongoing"; "… ahead of protests against its ongoing coup" says nothing of the
            // measure.
            CueKind::Active
                if text[h.start..h.end].eq_ignore_ascii_case("ongoing")
                    && !(h.end <= cand.first.0 && words_between(text, h.end, cand.first.0) <= 3)
                    && !(h.start >= cand.last.1 && words_between(text, cand.last.1, h.start) <= 2) => {}
            CueKind::Active => f.active = true,
            _ => {}
        }
    }
    if let Some(year) = doc_year
        && past_year_in(&without(text, clause, &asides), year)
    {
        f.historical = true;
        // Only a year after the lift dates the lift: "declared in 2022, lifted on Monday" is
        // news, "lifted it on 20 May 2022" is not.
        // A year that belongs to the measure's start ("lifted on Wednesday, ending a curfew
        // imposed in March 2020") does not date the lift.
        f.lift_past = lift_end.is_some_and(|e| {
            e < clause.1 && {
                let rest = &text[e..clause.1];
                let rest =
                    IMPOSED.iter().filter_map(|w| find_word(rest, w)).min().map_or(rest, |i| &rest[..i]);
                past_year_in(rest, year)
            }
        });
    }
    // From 2023 on, a clause set in the COVID-19 pandemic ("With COVID-19, tourism dropped as
    // borders closed") tells of measures that have ended.
    if let Some(year) = doc_year
        && year >= 2023
        && !f.historical
        && names_the_pandemic(&text[clause.0..clause.1])
    {
        f.historical = true;
    }
    // "the 2019 curfew", "el corralito 2001": a past year written against the measure's own
    // words is its year.
    if let Some(year) = doc_year
        && !f.historical
        && year_beside(text, cand, year)
    {
        f.historical = true;
    }
    // A date heading the sentence ("20 July 2024 - curfew, shoot on sight") dates every
    // clause after it.
    if let Some(year) = doc_year
        && !f.historical
        && clause.0 > sentence_start
    {
        let head = text[sentence_start..clause.0].trim_end();
        let head = head.rsplit(':').next().unwrap_or(head);
        let dash_after = head.ends_with('-') || text[clause.0..clause.1].trim_start().starts_with('-');
        if dash_after && past_year_in(head.trim_end_matches('-'), year) {
            f.historical = true;
        }
    }
    // A past date opening the sentence ("In December 2022 the government declared …; airports
    // were closed") dates its later clauses too.
    if let Some(year) = doc_year
        && !f.historical
        && clause.0 > sentence_start
    {
        let head_end = text[sentence_start..clause.0]
            .char_indices()
            .filter(|&(_, c)| c.is_whitespace())
            .nth(4)
            .map_or(clause.0, |(i, _)| sentence_start + i);
        if past_year_in(&text[sentence_start..head_end], year) {
            f.historical = true;
        }
    }
    if !f.staff
        && names_flights(&text[cand.first.0..cand.last.1])
        && airline_leads(&text[clause.0..cand.first.0])
    {
        f.staff = true;
    }
    if excepted(text, clause.0, cand.first.0) {
        f.negated = true;
    }
    // A sentence that is only the measure's name in the plural is a topic's heading
    // ("Internet Shutdowns", "Curfews"), not news of one.
    let sentence_end = sentence_end_after(text, cand.last.1);
    if text[sentence_start..cand.first.0].trim().is_empty()
        && text[cand.last.1..sentence_end].trim().is_empty()
        && text[cand.first.0..cand.last.1].ends_with(['s', 'S'])
    {
        f.habitual = true;
    }
    // "… were suspended in the capital, Khartoum, on 25 December 2021, ahead of …": a day's
    // date in a past year told with "on" dates the whole sentence, unless the measure is said
    // to go on.
    if let Some(year) = doc_year
        && !f.historical
        && dated_on_a_past_day(&text[sentence_start..sentence_end], year)
        && !goes_on(&text[sentence_start..sentence_end])
    {
        f.historical = true;
    }
    if asks_whether(text, sentence_start, cand.last.1) {
        f.hypothetical = true;
    }
    if under_modal_intro(text, sentence_start) {
        f.hypothetical = true;
    }
    let first_word = text[sentence_start..]
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    if IMPERATIVE_OPENERS.iter().any(|w| w.eq_ignore_ascii_case(first_word)) {
        f.advice = true;
    }
    f
}

/// Whether a word between a lift verb and the measure after it makes the measure the cause
/// of the ending ("ended following", "ended after", "ended because of").
fn caused_by_the_measure(text: &str, cue_end: usize, cand_start: usize) -> bool {
    let between = &text[cue_end..cand_start];
    super::locate::cause_at(between).is_some()
        || between.split(|c: char| !c.is_alphanumeric()).any(|w| w.eq_ignore_ascii_case("citing"))
}

/// What restoring brings back when it is not a service: "restoring security and order",
/// "restore calm", "rétablir l'ordre", "restablecer la paz".
const ORDER_NOUNS: &[&str] = &[
    "security",
    "order",
    "calm",
    "peace",
    "stability",
    "normalcy",
    "normality",
    "ordre",
    "calme",
    "paix",
    "securite",
    "orden",
    "calma",
    "paz",
    "seguridad",
    "tranquilidad",
];

/// Whether `before` ends with a verb of restoring ("restoring", "rétablir", "restablecer").
fn restores(before: &str) -> bool {
    const VERBS: &[&str] = &[
        "restore",
        "restores",
        "restored",
        "restoring",
        "retablir",
        "rétablir",
        "retabli",
        "rétabli",
        "restablecer",
        "restableció",
        "restablecio",
    ];
    let last = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    VERBS.iter().any(|v| last.eq_ignore_ascii_case(v))
}

/// Whether the words right after a lift verb are its own object: a possessive ("ended his
/// rule", "lifted its siege") or a count of years ("ended 23 years in power").
fn lift_has_own_object(text: &str, cue_end: usize) -> bool {
    /// Nouns that name a measure: "decided to remove the remaining restrictions" ends one.
    const MEASURE_NOUNS: &[&str] = &[
        "measure",
        "measures",
        "restriction",
        "restrictions",
        "ban",
        "bans",
        "order",
        "orders",
        "decree",
        "curfew",
        "curfews",
        "emergency",
        "state",
        "rules",
        "law",
        "suspension",
        "closure",
        "blackout",
        "shutdown",
        "lockdown",
        "controls",
        "limits",
        "it",
        "them",
    ];
    let mut words = text[cue_end..].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    match words.next() {
        Some(w) if ["his", "her", "their", "its"].iter().any(|p| w.eq_ignore_ascii_case(p)) => true,
        Some(w) if w.bytes().all(|b| b.is_ascii_digit()) => words
            .next()
            .is_some_and(|u| ["years", "decades", "months"].iter().any(|p| u.eq_ignore_ascii_case(p))),
        // "declared … to remove this threat as soon as possible": the infinitive's object, a
        // determiner before a noun that names no measure in the next few words ("lifted the
        // next morning" is a time, so only "to remove" is read so).
        Some(w)
            if text[..cue_end].ends_with("to remove")
                && ["this", "that", "these", "those", "the", "a", "an", "any"].contains(&w) =>
        {
            !words.take(3).any(|u| MEASURE_NOUNS.iter().any(|m| u.eq_ignore_ascii_case(m)))
        }
        // "… state of emergency is to take steps to remove threat": its bare noun.
        Some(w) if text[..cue_end].ends_with("to remove") => {
            w.bytes().all(|b| b.is_ascii_lowercase())
                && !MEASURE_NOUNS.contains(&w)
                && !["all", "remaining", "some", "most", "every", "each"].contains(&w)
        }
        // "to accelerate the process of restoring the security and order situation": order
        // restored is no measure lifted.
        Some(w) if restores(&text[..cue_end]) => {
            let w = if ["the", "law", "le", "la", "l", "el"].iter().any(|a| w.eq_ignore_ascii_case(a)) {
                words.next().unwrap_or("")
            } else {
                w
            };
            ORDER_NOUNS.iter().any(|o| w.eq_ignore_ascii_case(o))
        }
        _ => false,
    }
}

/// "le couvre-feu est levé, les frontières restent fermées", "the curfew was lifted but the
/// borders stay shut": a lift cue right after another measure (a verb between at most) ends
/// that one, not a measure after it.
fn closes_other(text: &str, h: &Hit, cand: &Candidate, others: &[(usize, usize)]) -> bool {
    const AUX: &[&str] = &[
        "is", "was", "were", "are", "has", "have", "had", "been", "being", "be", "now", "est", "a", "été",
        "ete", "sont", "ont", "fue", "fueron", "ha", "han", "sido",
    ];
    // The measure's own noun may stand between ("Social media ban lifted: curfew imposed").
    const HEADS: &[&str] = &[
        "ban",
        "bans",
        "block",
        "blockade",
        "restriction",
        "restrictions",
        "order",
        "orders",
        "measures",
        "closure",
        "closures",
        "suspension",
        "blackout",
        "curbs",
        "interdiction",
        "prohibicion",
    ];
    // "extends state of emergency, ends curfew": a verb that opens its own clause, right before
    // the measure, governs that measure.
    let governs_cand = words_between(text, h.end, cand.first.0) <= 1;
    h.end <= cand.first.0
        && others.iter().any(|o| {
            o.1 <= h.start
                && !(governs_cand && text[o.1..h.start].contains([',', ';']))
                && text[o.1..h.start]
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .all(|w| AUX.iter().chain(HEADS).any(|a| a.eq_ignore_ascii_case(w)))
                && words_between(text, o.1, h.start) <= 3
        })
}

/// Whether the match is an item of a list that the words at `cue_end` open: after a colon
/// ("could result in the following restrictions: curfews, … and blocking of the Internet"),
/// or the last item of a comma list ("empowers authorities to detain suspects …, conduct
/// searches, and impose curfews"). A possibility or a power then covers every item.
fn in_list_under(text: &str, cue_end: usize, cand_start: usize) -> bool {
    const LIST_REACH: usize = 20;
    let gap = &text[cue_end..cand_start];
    if gap.contains(['.', ';', '\n']) || words_between(text, cue_end, cand_start) > LIST_REACH {
        return false;
    }
    if gap.contains(':') {
        return true;
    }
    let Some(last_comma) = gap.rfind(',') else { return false };
    let tail = gap[last_comma + 1..].trim_start();
    let first = tail.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    ["and", "or", "et", "ou", "y", "o", "e"].iter().any(|c| c.eq_ignore_ascii_case(first))
}

/// Whether the words right before `at` make what follows an example of a wider group
/// ("including", "such as", "among them").
fn among_others(text: &str, at: usize) -> bool {
    // (A few words back are enough: never copy the whole text before the cue.)
    let before = super::attribution::text_before(text, at, 24).trim_end().to_ascii_lowercase();
    [
        "including",
        "such as",
        "among them",
        "among whom",
        "notamment",
        "dont",
        "incluidos",
        "incluyendo",
        "entre ellos",
    ]
    .iter()
    .any(|w| {
        before.ends_with(w) && !before[..before.len() - w.len()].ends_with(|c: char| c.is_alphanumeric())
    })
}

/// Whether an "end" word is part of "in order to" (Spanish "con el fin de", "a fin de") or of a
/// time limit ("jusqu'à la fin de", "until the end of", "hasta el fin de").
fn ends_a_time(text: &str, h: &Hit) -> bool {
    let cue = text[h.start..h.end].to_ascii_lowercase();
    if !matches!(cue.as_str(), "fin de" | "an end to" | "ended" | "ends" | "ending")
        && !cue.starts_with("fin de")
    {
        return false;
    }
    let before = super::attribution::text_before(text, h.start, 24).trim_end().to_ascii_lowercase();
    let before = before.trim_end_matches(|c: char| !c.is_alphanumeric());
    let last_words: Vec<&str> =
        before.rsplit(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(3).collect();
    match last_words.as_slice() {
        [w, ..] if cue.starts_with("fin de") && matches!(*w, "a" | "al") => true,
        [w, x, ..] if cue.starts_with("fin de") && *w == "el" && matches!(*x, "con" | "hasta") => true,
        [w, x, ..] if cue.starts_with("fin de") && *w == "la" && matches!(*x, "a" | "jusqu") => true,
        _ => false,
    }
}

fn is_demand(cue: &str) -> bool {
    super::cues::DEMANDS.iter().any(|t| t.eq_ignore_ascii_case(cue))
}

/// Demand words that make a measure only asked for when they govern it: the words between
/// are articles, "that", verbs of applying and the names of those asked ("pidieron al Gobierno
/// del presidente Luis Arce que se aplique el estado de excepción", "called for a state of
/// emergency"). Elsewhere ("called for protests despite the curfew") they say nothing of it.
/// True for every other cue.
/// Whether a verb of extending a measure stands between a cue and the measure ("plan to
/// extend the curfew", "considering prolonging the state of emergency").
fn extends_between(text: &str, from: usize, to: usize) -> bool {
    const EXTEND: &[&str] = &[
        "extend",
        "extending",
        "prolong",
        "prolonging",
        "renew",
        "renewing",
        "prolonger",
        "prorrogar",
        "extender",
        "ampliar",
    ];
    from < to
        && text[from..to]
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| super::attribution::in_list(EXTEND, w))
}

/// Whether an adjective of doubt ("alleged", "unconfirmed", "so called", "purported") before
/// the match qualifies it: the match follows at once (one word between at most), or the noun it
/// qualifies is a report of it ("unconfirmed reports of a curfew"). Other cues always reach.
fn doubt_reaches(text: &str, h: &Hit, to: usize) -> bool {
    const ADJECTIVES: &[&str] = &["alleged", "unconfirmed", "so called", "purported"];
    const REPORTS: &[&str] =
        &["report", "reports", "claim", "claims", "rumours", "rumors", "word", "news", "accounts"];
    let cue = &text[h.start..h.end];
    if !super::attribution::in_list(ADJECTIVES, cue) {
        return true;
    }
    let next = text[h.end..to].split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    words_between(text, h.end, to) <= 1 || super::attribution::in_list(REPORTS, next)
}

/// A purpose cue: "to prevent", "to avoid", "in order to".
fn is_purpose(cue: &str) -> bool {
    super::attribution::in_list(&["to prevent", "to avoid", "in order to"], cue)
}

fn tight_demand(text: &str, h: &Hit, cand: &Candidate) -> bool {
    const BETWEEN: &[&str] = &[
        "a",
        "an",
        "the",
        "that",
        "to",
        "of",
        "its",
        "immediate",
        "immediately",
        "impose",
        "declare",
        "declaring",
        "imposing",
        "al",
        "el",
        "la",
        "los",
        "las",
        "que",
        "se",
        "aplique",
        "aplicar",
        "declarar",
        "declare",
        "implementar",
        "dicte",
        "dictar",
        "emitir",
        "decreto",
        "de",
        "del",
        "un",
        "une",
        "le",
        "l",
        "d",
        "un",
        "imposer",
        "decreter",
        "instaurer",
        "du",
        "des",
        "en",
        "presidente",
        "president",
        "gobierno",
        "government",
        "ejecutivo",
        "ministro",
        "minister",
        "ministre",
        "gouvernement",
        // "will propose to the Supreme Rada or Parliament to approve the imposition of".
        "parliament",
        "lawmakers",
        "legislature",
        "congress",
        "or",
        "approve",
        "imposition",
        "introduction",
        "declaration",
        // "called for the removal of the state of emergency": an end asked for.
        "removal",
        "lifting",
        "end",
        "ending",
        "repeal",
        "levee",
        "levantamiento",
        "fin",
    ];
    if !is_demand(&text[h.start..h.end]) {
        return true;
    }
    if h.end > cand.first.0 {
        return false;
    }
    let words: Vec<&str> =
        text[h.end..cand.first.0].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.len() <= 12
        && words.iter().all(|w| {
            BETWEEN.iter().any(|b| b.eq_ignore_ascii_case(w))
                || w.chars().next().is_some_and(char::is_uppercase)
        })
}

/// Lift words that end a measure only when they govern it directly ("abandoned a
/// short-lived attempt at martial law", "martial law removal"), and otherwise say something
/// else ("residents abandoned their homes during the curfew"). True for every other cue.
fn tight_lift(text: &str, h: &Hit, cand: &Candidate) -> bool {
    const BETWEEN: &[&str] = &[
        "a",
        "an",
        "the",
        "his",
        "her",
        "its",
        "their",
        "short",
        "lived",
        "brief",
        "attempt",
        "bid",
        "plan",
        "at",
        "to",
        "impose",
        "declare",
        "of",
        "planned",
        "proposed",
        "move",
        "decision",
        "order",
        "controversial",
        "block",
        "on",
    ];
    let cue = &text[h.start..h.end];
    if !super::cues::TIGHT_LIFTS.iter().any(|t| t.eq_ignore_ascii_case(cue)) {
        return true;
    }
    let gap = if h.end <= cand.first.0 {
        &text[h.end..cand.first.0]
    } else if h.start >= cand.last.1 {
        &text[cand.last.1..h.start]
    } else {
        return false;
    };
    gap.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| BETWEEN.iter().any(|b| b.eq_ignore_ascii_case(w)))
}

/// Whether the word right before a lift cue is unrest or talks ("protests resumed", "fighting
/// resumed", "les manifestations ont repris"): what starts again is not a measure ending.
fn unrest_resumes(text: &str, cue_start: usize) -> bool {
    const UNREST: &[&str] = &[
        "protests",
        "protest",
        "demonstrations",
        "clashes",
        "fighting",
        "violence",
        "rallies",
        "riots",
        "unrest",
        "hostilities",
        "attacks",
        "shelling",
        "talks",
        "negotiations",
        "manifestations",
        "affrontements",
        "protestas",
        "enfrentamientos",
    ];
    let before = super::attribution::text_before(text, cue_start, 40);
    let mut words = before.rsplit(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    // One auxiliary may stand between ("protests have resumed", "ont repris").
    let mut w = words.next().unwrap_or("");
    if super::attribution::in_list(&["have", "has", "had", "ont", "han"], w) {
        w = words.next().unwrap_or("");
    }
    super::attribution::in_list(UNREST, w)
}

/// Whether one of the three words before a lift cue forecasts it rather than reports it: "will
/// likely reopen", "is expected to be lifted", "could reopen", "may be lifted next week". A
/// decision ("will be lifted on Monday") is not a forecast and still ends the measure.
fn forecast_before(text: &str, cue_start: usize) -> bool {
    const FORECAST: &[&str] = &[
        "likely",
        "expected",
        "slated",
        "scheduled",
        "due",
        "set",
        "could",
        "may",
        "might",
        "probably",
        "possibly",
        "hoped",
        "hopes",
        "probablemente",
        "podria",
        "pourrait",
        "probablement",
    ];
    let before = super::attribution::text_before(text, cue_start, 40);
    let words: Vec<&str> =
        before.rsplit(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(4).collect();
    // words[0] is the nearest; "as of May 28 after lifting" names a month, not a forecast.
    (0..words.len().min(3)).any(|i| {
        super::attribution::in_list(FORECAST, words[i])
            && !(words[i].eq_ignore_ascii_case("may")
                && (i > 0 && words[i - 1].bytes().all(|b| b.is_ascii_digit())))
    })
}

/// Whether the sentence goes on, after a lift cue, to say the measure comes back: "the curfew,
/// which was lifted this morning, will resume at 8pm", "was lifted on Monday and reimposed on
/// Tuesday". Unrest resuming ("lifted before protests resumed") does not bring a measure back.
fn resumes_after(text: &str, h: &Hit) -> bool {
    const BACK: &[&str] = &[
        "resume",
        "resumes",
        "reimposed",
        "re-imposed",
        "reimpose",
        "reimposes",
        "reinstated",
        "reinstates",
        "reintroduced",
        "reintroduces",
        "reanudara",
        "reanuda",
        "reprendra",
        "retablira",
    ];
    let mut end = (h.end + 160).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let Some(rest) = text.get(h.end..end) else { return false };
    let rest = rest.split(['.', ';', '!', '?', '\n']).next().unwrap_or("");
    rest.split(|c: char| !c.is_alphanumeric() && c != '-').take(14).any(|w| {
        // (`w` is a slice of `text`: its offset is where it starts.)
        let at = w.as_ptr() as usize - text.as_ptr() as usize;
        super::attribution::in_list(BACK, w) && !unrest_resumes(text, at)
    })
}

/// Whether a cue sits in a time clause ("when …", "once …", "after …", "lorsque …", "cuando …")
/// that a comma closes before the match.
fn in_a_time_clause_before(text: &str, sentence_start: usize, h: &Hit, cand: &Candidate) -> bool {
    // (A near pair's first term may sit in the time clause too: "When the banks reopened,
    // they limited withdrawals"; the comma must come before the measure's last term.)
    if h.end > cand.last.0 || !text[h.end..cand.last.0].contains(',') {
        return false;
    }
    // The clause the cue is in starts after the last comma before it (or the sentence start).
    let from = text[sentence_start..h.start].rfind(',').map_or(sentence_start, |i| sentence_start + i + 1);
    let first = text[from..h.start].split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty());
    first.is_some_and(|w| {
        super::attribution::in_list(
            &["when", "once", "after", "lorsque", "quand", "apres", "cuando", "tras"],
            w,
        )
    })
}

/// Words that report what someone said or announced.
const REPORTING: &[&str] =
    &["said", "says", "announced", "announces", "told", "confirmed", "stated", "added"];

/// "officials said on Thursday that martial law would be enforced with a curfew": "would"
/// after a reporting verb is the future of what was announced, not a condition. A real
/// condition keeps "would" hypothetical ("would be imposed … if the looting continued",
/// "said it would consider").
fn reported_future(text: &str, sentence_start: usize, start: usize, end: usize, clause_end: usize) -> bool {
    let cue = &text[start..end];
    if !(cue.eq_ignore_ascii_case("would") || cue.eq_ignore_ascii_case("would be")) {
        return false;
    }
    let words =
        |s: &str| s.split(|c: char| !c.is_alphanumeric()).map(str::to_ascii_lowercase).collect::<Vec<_>>();
    let reported = words(&text[sentence_start..start]).iter().any(|w| REPORTING.contains(&w.as_str()));
    let conditional = words(&text[end..clause_end.max(end)])
        .iter()
        .any(|w| ["if", "unless", "provided", "should", "otherwise"].contains(&w.as_str()));
    reported && !conditional
}

/// A lift cue followed at once (past "of", "the") by another measure's words is that
/// measure's: "curfew continues after lifting of the state of emergency".
/// Not when the match is that measure's list partner: "lifted the curfew and the border
/// closure" ends both.
fn binds_other(text: &str, cue_end: usize, others: &[(usize, usize)], cand_start: usize) -> bool {
    others.iter().any(|&(s, e)| {
        s >= cue_end
            && {
                let between = text[cue_end..s].trim().to_ascii_lowercase();
                // Articles and "of" in English, French and Spanish ("rétabli l'accès à internet",
                // "levantamiento del toque de queda").
                let words = between.split(|c: char| c.is_whitespace() || c == '\'' || c == '’');
                words.clone().filter(|w| !w.is_empty()).all(|w| {
                    matches!(
                        w,
                        "of" | "the"
                            | "a"
                            | "its"
                            | "their"
                            | "l"
                            | "le"
                            | "la"
                            | "les"
                            | "de"
                            | "du"
                            | "des"
                            | "d"
                            | "el"
                            | "los"
                            | "las"
                            | "del"
                            | "su"
                            | "sus"
                            | "ses"
                            | "leur"
                            | "leurs"
                    )
                }) && words.filter(|w| !w.is_empty()).count() <= 2
            }
            && !(e <= cand_start && {
                let link = text[e..cand_start].trim().to_lowercase();
                let mut w = link.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
                matches!(w.next(), Some("and" | "or" | "et" | "ou" | "y" | "o"))
                    && w.all(|x| {
                        matches!(
                            x,
                            "the"
                                | "its"
                                | "their"
                                | "le"
                                | "la"
                                | "les"
                                | "l"
                                | "el"
                                | "los"
                                | "las"
                                | "sus"
                                | "ses"
                        )
                    })
            })
    })
}

/// Verbs that start a measure: a date after one dates the start, not the lift.
const IMPOSED: &[&str] = &[
    "imposed",
    "declared",
    "introduced",
    "announced",
    "decreed",
    "impuesto",
    "decretado",
    "impuso",
    "decretó",
    "decreto",
    "imposé",
    "impose",
    "décrété",
    "decrete",
];

/// Where the sentence holding `at` ends: the next full stop, mark or newline, looked for no
/// further than a sentence's longest length (`sentences::MAX_SENTENCE`), so that text without
/// any costs each match a bounded look, not the rest of the text.
fn sentence_end_after(text: &str, at: usize) -> usize {
    let mut limit = (at + super::sentences::MAX_SENTENCE).min(text.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    text[at..limit].find(['.', '!', '?', '\n']).map_or(limit, |i| at + i)
}

/// Byte offset of `word` in `text` as a whole word (ASCII case-insensitive).
fn find_word(text: &str, word: &str) -> Option<usize> {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return None;
    }
    let mut from = 0;
    while let Some(i) = lower[from..].find(word) {
        let at = from + i;
        let end = at + word.len();
        let left = lower[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let right = lower[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if left && right {
            return Some(at);
        }
        from = end;
    }
    None
}

/// "ends at 5am", "ending at dawn each day": the hours of a measure, not its end.
fn ends_at_an_hour(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    if !(word.eq_ignore_ascii_case("ends") || word.eq_ignore_ascii_case("ending")) {
        return false;
    }
    let next = text[end..].split_whitespace().next().unwrap_or("");
    let next = next.trim_matches(|c: char| !c.is_alphanumeric()).to_ascii_lowercase();
    matches!(next.as_str(), "at" | "each" | "every" | "daily" | "nightly")
        || next.starts_with(|c: char| c.is_ascii_digit())
}

/// Whether the words after a habitual adverb are hours ("typically from midnight to 5am",
/// "usually between 10pm and 5am", "often 8pm to 6am").
fn times_of_day_follow(text: &str, at: usize) -> bool {
    let next = text[at..].split_whitespace().next().unwrap_or("");
    let next = next.trim_matches(|c: char| !c.is_alphanumeric()).to_ascii_lowercase();
    matches!(
        next.as_str(),
        "from" | "between" | "until" | "till" | "starting" | "beginning" | "de" | "entre" | "desde"
    ) || next.starts_with(|c: char| c.is_ascii_digit())
}

/// Whether the lines before a bulleted sentence open the list with a modal ("Under martial
/// law, authorities can:", "The decree allows the police to:"): its items are powers or
/// possibilities, not measures in force.
pub fn under_modal_intro(text: &str, sentence_start: usize) -> bool {
    let bullet = |l: &str| l.trim_start().starts_with(['-', '*', '\u{2022}']);
    // The bullet opens the sentence or sits just before it on its line: look a few bytes back.
    let near = super::attribution::text_before(text, sentence_start, 6);
    let line_head = match near.rfind('\n') {
        Some(nl) => &near[nl + 1..],
        None if sentence_start <= 6 => near,
        None => "",
    };
    if !bullet(&text[sentence_start..]) && !bullet(line_head) {
        return false;
    }
    let before = super::attribution::text_before(text, sentence_start, 4096);
    for line in before.rsplit('\n').take(30) {
        let l = line.trim();
        if l.is_empty() || bullet(l) {
            continue;
        }
        let Some(intro) = l.strip_suffix(':') else { return false };
        let intro = intro.to_ascii_lowercase();
        let last = intro.rsplit(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
        let grants = ["allow", "power", "permit", "entitle"].iter().any(|w| intro.contains(w));
        return matches!(last, "can" | "may" | "could" | "might") || (last == "to" && grants);
    }
    false
}

/// Whether the word right before the candidate, or right after it, is a year before
/// `doc_year` ("the 2019 curfew", "corralito 2001"), not one a measure runs from ("since").
fn year_beside(text: &str, cand: &Candidate, doc_year: i32) -> bool {
    let past = |w: &str| w.len() == 4 && w.parse::<i32>().is_ok_and(|y| (1900..doc_year).contains(&y));
    let before = text[..cand.first.0].trim_end_matches(' ');
    let prev = before.rsplit(' ').next().unwrap_or("");
    let prev_lead = before[..before.len() - prev.len()].trim_end().rsplit(' ').next().unwrap_or("");
    let since = ["since", "desde", "depuis", "from"].iter().any(|w| w.eq_ignore_ascii_case(prev_lead));
    if past(prev) && !since {
        return true;
    }
    let after = &text[cand.last.1..];
    let next = after.strip_prefix(' ').unwrap_or("");
    let next = &next[..next.find(|c: char| !c.is_ascii_digit()).unwrap_or(next.len())];
    past(next) && !after[1 + next.len()..].starts_with(['/', '-'])
}

/// A four-digit year before `doc_year`, introduced as a point in time ("in 2019",
/// "on 5 March 2020") rather than a starting point ("since 2015").
/// Relative asides that close before the measure's words: in "Transnistria, which broke away
/// after a war in 1992, declared its own state of emergency", the aside tells of the region,
/// and neither its year nor its "after a" bears on the measure. An aside after the measure
/// ("the state of emergency, which was declared in 2019, …") may tell of it and is kept.
fn asides_before(text: &str, clause: (usize, usize), measure: usize) -> Vec<(usize, usize)> {
    const OPENS: &[&str] =
        &[", which ", ", who ", ", qui ", ", quien ", ", quienes ", ", lequel ", ", laquelle "];
    let head = &text[clause.0..measure.clamp(clause.0, clause.1)];
    if !head.contains(", ") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = OPENS.iter().filter_map(|o| head[at..].find(o).map(|i| at + i)).min() {
        // The aside runs to the next comma; one still open at the measure is not an aside.
        let Some(close) = head[open + 2..].find(',').map(|i| open + 2 + i) else { break };
        out.push((clause.0 + open, clause.0 + close));
        at = close;
    }
    out
}

/// The clause's text without the given asides.
fn without<'t>(
    text: &'t str,
    clause: (usize, usize),
    asides: &[(usize, usize)],
) -> std::borrow::Cow<'t, str> {
    if asides.is_empty() {
        return std::borrow::Cow::Borrowed(&text[clause.0..clause.1]);
    }
    let mut kept = String::with_capacity(clause.1 - clause.0);
    let mut at = clause.0;
    for &(s, e) in asides {
        kept.push_str(&text[at..s]);
        at = e;
    }
    kept.push_str(&text[at..clause.1]);
    std::borrow::Cow::Owned(kept)
}

pub fn past_year_in(clause: &str, doc_year: i32) -> bool {
    // Most clauses hold no year at all: look for four digits in a row before splitting words.
    let b = clause.as_bytes();
    if !b.windows(4).any(|w| w.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    let words: Vec<&str> = clause
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_end_matches(['.', ';', ':']);
        // "in the early 1990s": a decade wholly before the document's year.
        if let Some(d) = w.strip_suffix('s')
            && d.len() == 4
            && let Ok(y) = d.parse::<i32>()
        {
            if y % 10 == 0 && (1900..doc_year - 9).contains(&y) {
                let prev: Vec<String> =
                    words[i.saturating_sub(3)..i].iter().map(|p| p.to_lowercase()).collect();
                let since = |p: &String| {
                    matches!(p.as_str(), "since" | "from" | "until" | "till" | "depuis" | "desde")
                };
                if !prev.iter().any(since) && prev.iter().any(|p| is_time_word(p)) {
                    return true;
                }
            }
            continue;
        }
        let Ok(y) = w.parse::<i32>() else { continue };
        if w.len() != 4 || !(1900..=2100).contains(&y) || y >= doc_year {
            continue;
        }
        let prev: Vec<String> = words[i.saturating_sub(3)..i].iter().map(|p| p.to_lowercase()).collect();
        if prev.iter().any(|p| matches!(p.as_str(), "since" | "from" | "until" | "till" | "depuis" | "desde"))
        {
            continue;
        }
        if prev.last().is_some_and(|p| is_time_word(p)) {
            return true;
        }
        // "diciembre de 2001", "mars de 2019".
        if let [.., month, de] = &prev[..]
            && de == "de"
            && (is_month(month) || is_season(month))
        {
            return true;
        }
        // "the 2019 election", "after the 2016 coup": an event named by its year, before the
        // advisory's.
        if prev.last().is_some_and(|p| p == "the")
            && words.get(i + 1).is_some_and(|n| {
                const EVENTS: &[&str] = &[
                    "election",
                    "elections",
                    "poll",
                    "polls",
                    "vote",
                    "coup",
                    "crisis",
                    "war",
                    "revolution",
                    "uprising",
                    "protests",
                    "riots",
                    "unrest",
                    "earthquake",
                    "floods",
                    "attack",
                    "attacks",
                    "bombings",
                ];
                let n = n.trim_end_matches(['.', ';', ':', '\'', '"']);
                EVENTS.iter().any(|e| n.eq_ignore_ascii_case(e))
            })
        {
            return true;
        }
        // "las protestas de elecciones presidenciales armenias de 2008", "la crise de 2008": an
        // event named with its year (not "el decreto 5 de 2020", which may still hold).
        if prev.last().is_some_and(|p| p == "de" || p == "du")
            && words[i.saturating_sub(5)..i - 1].iter().any(|p| {
                const EVENTS: &[&str] = &[
                    "protestas",
                    "manifestaciones",
                    "elecciones",
                    "crisis",
                    "golpe",
                    "guerra",
                    "revolución",
                    "revolucion",
                    "disturbios",
                    "manifestations",
                    "élections",
                    "elections",
                    "crise",
                    "guerre",
                    "révolution",
                    "revolution",
                    "émeutes",
                    "emeutes",
                ];
                EVENTS.iter().any(|e| p.eq_ignore_ascii_case(e))
            })
        {
            return true;
        }
    }
    false
}

fn is_time_word(w: &str) -> bool {
    let w = w.trim_end_matches('.');
    // ("del": Spanish "la crisis del 2001".)
    matches!(w, "in" | "during" | "on" | "of" | "by" | "late" | "early" | "mid" | "en" | "year" | "del")
        || is_month(w)
        || is_season(w)
        || (w.len() <= 2 && w.chars().all(|c| c.is_ascii_digit()))
        || w.ends_with("th") && w[..w.len() - 2].chars().all(|c| c.is_ascii_digit()) && w.len() > 2
}

/// "in autumn 2008", "à l'automne 2010", "en el verano de 2019".
fn is_season(w: &str) -> bool {
    matches!(
        w,
        "spring"
            | "summer"
            | "autumn"
            | "fall"
            | "winter"
            | "printemps"
            | "été"
            | "automne"
            | "hiver"
            | "primavera"
            | "verano"
            | "otoño"
            | "invierno"
            | "l'automne"
            | "l'été"
            | "l'hiver"
    )
}

/// "Countries like Cameroon, Uganda and Mali have faced internet shutdowns during elections":
/// countries given as examples of what places have gone through say what happens, not what
/// holds now. `before` is the clause up to the measure.
pub fn examples_have_undergone(before: &str) -> bool {
    const LEADS: &[&str] = &[
        "countries like",
        "countries such as",
        "nations like",
        "nations such as",
        "others like",
        "others such as",
        "states like",
        "states such as",
        "pays comme",
        "pays tels que",
        "países como",
        "paises como",
        "naciones como",
    ];
    const UNDERGONE: &[&str] = &[
        "have faced",
        "have experienced",
        "have seen",
        "have witnessed",
        "have suffered",
        "have endured",
        "have undergone",
        "have gone through",
        "ont connu",
        "ont subi",
        "han sufrido",
        "han vivido",
        "han experimentado",
        "han enfrentado",
    ];
    use super::cues::find_phrase;
    let Some(lead) = LEADS.iter().filter_map(|l| find_phrase(before, l)).min() else { return false };
    UNDERGONE.iter().any(|u| find_phrase(&before[lead..], u).is_some())
}

/// "until" followed by a date ("until July 29", "until 5 May", "until further notice") ends
/// a measure in force; only "until" before an event ("until a curfew is declared") is modal.
fn until_a_date(text: &str, start: usize, end: usize) -> bool {
    if !text[start..end].eq_ignore_ascii_case("until") {
        return false;
    }
    let next = text[end..].split_whitespace().next().unwrap_or("");
    let next = next.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    is_month(&next)
        || next.starts_with(|c: char| c.is_ascii_digit())
        || matches!(
            next.as_str(),
            "further"
                | "midnight"
                | "monday"
                | "tuesday"
                | "wednesday"
                | "thursday"
                | "friday"
                | "saturday"
                | "sunday"
                | "tomorrow"
                | "next"
                | "mid"
                | "early"
                | "late"
                | "end"
        )
}

/// Whether a modal cue "may" at `[start, end)` is the month: next to a day number or a year
/// ("On 1 May the Department …", "may 2022"), or capitalised after a preposition of time ("in
/// May", "since May"). Headlines capitalise the verb too ("Protests May Occur"), so a capital
/// alone proves nothing.
fn is_month_may(text: &str, start: usize, end: usize, sentence_start: usize) -> bool {
    let word = &text[start..end];
    if !word.eq_ignore_ascii_case("may") {
        return false;
    }
    let prev = super::attribution::text_before(text, start, 12).split_whitespace().next_back();
    let prev = prev.filter(|_| start > sentence_start);
    let timed =
        ["in", "of", "since", "until", "from", "by", "early", "mid", "late", "during", "before", "after"];
    if word == "May" && prev.is_some_and(|p| timed.iter().any(|t| t.eq_ignore_ascii_case(p))) {
        return true;
    }
    let number = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        !digits.is_empty() && digits.len() <= 4 && digits.chars().all(|c| c.is_ascii_digit())
    };
    let next = text[end..].split_whitespace().next();
    prev.is_some_and(number) || next.is_some_and(number)
}

/// Decide the polarity. Returns the polarity and whether the match should become the
/// clearing trigger (a lifted measure with an all-clear trigger).
pub fn resolve(f: &Found, ignore: &[Polarity], has_clearer: bool) -> (Polarity, bool) {
    let on = |p: Polarity, set: bool| set && !ignore.contains(&p);
    if on(Polarity::Negated, f.negated) {
        if f.lifted {
            // "has not been lifted": the measure holds.
            return (Polarity::Affirmed, false);
        }
        return (Polarity::Negated, false);
    }
    if on(Polarity::Hypothetical, f.hypothetical) {
        return (Polarity::Hypothetical, false);
    }
    if on(Polarity::Historical, f.lifted && f.lift_past && !f.active) {
        return (Polarity::Historical, false);
    }
    if on(Polarity::Lifted, f.lifted) {
        return if has_clearer { (Polarity::Affirmed, true) } else { (Polarity::Lifted, false) };
    }
    if on(Polarity::Habitual, f.habitual && !f.active) {
        return (Polarity::Habitual, false);
    }
    if on(Polarity::Historical, f.historical && !f.active) {
        return (Polarity::Historical, false);
    }
    if on(Polarity::Advice, f.advice) {
        return (Polarity::Advice, false);
    }
    if on(Polarity::StaffOnly, f.staff) {
        return (Polarity::StaffOnly, false);
    }
    if on(Polarity::Attributed, f.attributed) {
        return (Polarity::Attributed, false);
    }
    (Polarity::Affirmed, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_years() {
        for (clause, year, want) in [
            ("ordered departure in July 2023", 2025, true),
            ("in force since 2015", 2024, false),
            ("declared on 5 January 2022", 2022, false),
            ("the unrest in Iran in June 2009", 2011, true),
            ("from 2020 until now", 2024, false),
            ("population 2000 people", 2024, false),
            ("in 2019", 2020, true),
        ] {
            assert_eq!(past_year_in(clause, year), want, "{clause}");
        }
    }
}
