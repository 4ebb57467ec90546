//! Modifier cues (ConText-style): words that change what a trigger match means.
//!
//! Each cue has a kind; `modifiers` decides, from the cues around a match and their distance
//! in words, whether the match is affirmed or suppressed (negated, hypothetical, …).

/// What a cue signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// Negation before the trigger ("no live bullets", "police deny").
    NegPre,
    /// Negation after the trigger ("… were not used", "… are fake").
    NegPost,
    /// Modality before the trigger ("may impose", "in the event of").
    HypoPre,
    /// Modality after the trigger ("curfews may be imposed", "can occur at any time").
    HypoPost,
    /// Habitual or generic statements ("outages are common", "frequently closed").
    Habitual,
    /// Past-time words ("last year", "formerly").
    HistWord,
    /// The measure ended ("lifted", "ended", "reopened", "restored").
    Lift,
    /// Advice to readers ("prepare to", "have an evacuation plan").
    Advice,
    /// A rule that binds only a foreign government's staff or carriers.
    Staff,
    /// An attributed or unverified claim ("alleged", "so-called").
    AttrPre,
    /// The measure is still in force ("remains", "extended", "since").
    Active,
    /// A reference to the advisory's subject country ("the country", "nationwide").
    SubjectRef,
}

/// Words a cue may be from the match (pre cues before its start, post cues after its end).
pub fn window(kind: CueKind) -> usize {
    match kind {
        CueKind::NegPre => 5,
        CueKind::NegPost => 10,
        CueKind::HypoPre => 8,
        CueKind::HypoPost => 6,
        CueKind::Lift => 12,
        CueKind::AttrPre => 20,
        CueKind::HistWord => 8,
        _ => usize::MAX,
    }
}

pub const CUES: &[(CueKind, &[&str])] = &[
    (CueKind::NegPre, &[
        "no", "not", "never", "nor", "without", "neither", "no evidence of", "no sign of",
        "no reports of", "deny", "denies", "denied", "denying", "denial", "dismissed", "dismiss",
        "dismisses", "rejected", "reject", "rejects", "false",
        "fake", "did not", "didn't", "does not", "doesn't", "has not", "hasn't", "have not",
        "haven't", "had not", "was not", "wasn't", "were not", "weren't", "is not", "isn't",
        "are not", "aren't", "ni", "pas", "aucun", "aucune",
    ]),
    (CueKind::NegPost, &[
        "were not used", "was not used", "are fake", "is fake", "were fake", "are false",
        "is false", "was false", "were false", "was denied", "were denied", "is not in place",
        "was not imposed", "were not imposed", "not been imposed", "not been declared",
        "has not been", "have not been", "unfounded", "baseless", "untrue",
    ]),
    (CueKind::HypoPre, &[
        "may", "might", "could", "can", "would", "should", "if", "unless", "whether",
        "in the event of", "in the event that", "in case of", "in case", "possible", "possibility",
        "potential", "potentially", "threat of", "threatened", "threatens", "threatening",
        "considering", "consider", "plans to", "planning", "plan to", "expected to", "likely to",
        "unlikely to", "risk of", "risks of", "warned of", "warns of", "ready to", "prepared to",
        "proposed", "proposes", "calls for", "called for", "call for", "demanded", "demands",
        "urged", "urges", "demand", "calls to", "to prevent", "to avoid", "once", "until", "after a", "before a",
        "when a", "if a", "able to", "ability to", "contingency", "in order to", "pourrait",
        "pourraient", "éventuel", "éventuelle",
    ]),
    (CueKind::HypoPost, &[
        "may be imposed", "could be imposed", "can be imposed", "might be imposed",
        "may be declared", "could be declared", "may be placed", "may be closed",
        "could be closed", "can occur", "may occur", "could occur", "can happen", "may happen",
        "at any time", "with little or no warning", "with little warning", "with short notice",
        "on short notice", "is possible", "are possible", "remain possible", "may be suspended",
        "could be suspended", "may be restricted", "may be disrupted", "can be disrupted",
        "could be disrupted", "may not be possible", "would be", "is likely", "are likely",
        "may be reimposed", "could be reimposed", "may be extended",
    ]),
    (CueKind::Habitual, &[
        "are common", "is common", "were common", "frequently", "often", "periodically",
        "occasionally", "from time to time", "regularly", "routinely", "sometimes", "at times",
        "previously", "in the past", "history of", "known to", "tend to", "tends to", "typically",
        "usually", "commonly", "on occasion", "have been known", "recurring",
        // Travel-advisory risk lists ("Reconsider travel to X due to crime, unrest, …").
        "reconsider travel", "do not travel to", "exercise increased caution",
        "exercise a high degree of caution", "exercise normal precautions",
    ]),
    (CueKind::HistWord, &["last year", "formerly", "years ago", "decades ago", "in the past", "earlier this year"]),
    (CueKind::Lift, &[
        "lifted", "lifts", "lift", "lifting", "ended", "an end to",
        "rescinded", "rescinds", "revoked", "revokes", "repealed", "expired", "annulled",
        "called off", "no longer", "reopened", "reopens", "restored", "resumed", "resumes",
        "back to normal", "operating normally", "withdrawn", "terminated", "levée", "levé",
    ]),
    (CueKind::Advice, &[
        "prepare to", "be prepared", "have an evacuation plan", "evacuation plan",
        "evacuation plans", "contingency plan", "contingency plans", "make contingency",
        "should have", "should always", "travelers should", "travellers should", "you should",
        "we recommend", "are advised", "are encouraged", "be ready to", "review your",
        "enroll", "insurance", "plan for",
    ]),
    (CueKind::Staff, &[
        "government employees", "government personnel", "government staff", "usg personnel",
        "usg staff", "usg employees", "embassy personnel", "embassy staff", "embassy employees",
        "mission personnel", "diplomatic personnel", "chief of mission", "official travel",
        "u.s. personnel", "faa", "notam", "notams", "sfar",
        "special federal aviation regulation", "u.s. civil aviation", "u.s. carriers",
        "u.s. airlines", "u.s. air carriers",
    ]),
    (CueKind::AttrPre, &[
        "alleged", "allegedly", "unconfirmed", "so called", "purported", "rumours of",
        "rumors of", "claims that", "claimed that", "claims", "claim", "described as",
        "what he called", "what it called",
    ]),
    (CueKind::Active, &[
        "remains", "remain", "still", "continues", "continue", "ongoing", "extended",
        "extension", "extends", "currently", "renewed",
        "reimposed", "re imposed",
    ]),
    (CueKind::SubjectRef, &[
        "the country", "nationwide", "countrywide", "country wide", "the nation",
        "national territory", "territoire national",
    ]),
];

/// Imperative openers that make a whole sentence advice to the reader.
pub const IMPERATIVE_OPENERS: &[&str] = &[
    "have", "prepare", "make", "develop", "consider", "review", "ensure", "obtain", "purchase",
    "enroll", "draft", "identify", "keep", "carry", "plan", "register",
];
