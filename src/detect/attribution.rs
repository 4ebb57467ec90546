//! Place attribution: which country (and city) a trigger match is about.
//!
//! Mentions get a role from their neighbours: an *actor* ("Russian forces", "U.S. government
//! employees"), an *organisation part* ("Russian-led"), a *neighbour* ("its border with Chad")
//! or a *plain* place. Only plain mentions (and accepted cities) are affected places; the
//! others are mentions. Rules, in order: plain places in the match's clause; else the nearest
//! plain place in the sentence (the subject country if it is among them); else the subject
//! country. A country that is only named never inherits another country's trigger.

use super::places::{CountryCode, Gazetteer, PlaceTarget};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Plain,
    Actor,
    Org,
    Neighbour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Name,
    Demonym,
    /// A city (index into the gazetteer), already resolved.
    City(u32),
}

/// A place mentioned in a section, normalised offsets.
#[derive(Debug, Clone)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub country: CountryCode,
    pub kind: Kind,
    pub role: Role,
    /// Cities only: candidate ids (most populous first) before resolution, borrowed from the
    /// gazetteer (no copy per mention).
    pub candidates: &'static [u32],
}

const ACTOR_NOUNS: &[&str] = &[
    // Who speaks or rules rather than where: "Russian dictator …", "Russian media reported".
    "dictator",
    "media",
    // "US company Meta", "a Chinese firm": who owns a thing, not where a measure holds.
    "company",
    "companies",
    "firm",
    "firms",
    "giant",
    // "an Iranian missile strike", "Israeli airstrikes": the attacker, not where a measure holds.
    "strike",
    "strikes",
    "attack",
    "attacks",
    "missile",
    "missiles",
    "drone",
    "drones",
    "airstrike",
    "airstrikes",
    // "alleged Israeli cyberattacks": who hacks is not where the network is cut.
    "cyberattack",
    "cyberattacks",
    "cyber",
    "hackers",
    "bombers",
    "warplanes",
    "rockets",
    "shelling",
    "bombardment",
    "offensive",
    "invasion",
    "retaliation",
    "forces",
    "force",
    "troops",
    "military",
    "army",
    "soldiers",
    "security",
    "police",
    "embassy",
    "consulate",
    "government",
    "officials",
    "authorities",
    "citizens",
    "nationals",
    "personnel",
    "employees",
    "carriers",
    "airlines",
    "president",
    "prime",
    "minister",
    "ministry",
    "navy",
    "air",
    "state",
    "department",
    "mission",
    "diplomats",
    "diplomatic",
    "peacekeepers",
    "counterparts",
    "officers",
    "regime",
    "leader",
    "leaders",
    "junta",
    "authority",
    "administration",
    "parliament",
    "cabinet",
    "envoy",
    "spokesman",
    "spokesperson",
    "travellers",
    "travelers",
    // "a UK travel ban", "banned UK flights": the place the travellers or flights come from.
    "travel",
    "flights",
    "passengers",
    "arrivals",
    "visitors",
    "tourists",
    "holidaymakers",
    // "responded to American calls for restraint": who asks or blames, not where.
    "calls",
    "appeals",
    "pleas",
    "criticism",
    "condemnation",
    "pressure",
    // "the French High Commission said"
    "high",
    "commission",
    "commissioner",
    // "Russian men aged 16 to 60 are barred", "American intelligence aircraft", "Ukrainian
    // ships": people, craft and services of a country named by what they are or do.
    "men",
    "males",
    "women",
    "intelligence",
    "aircraft",
    "ships",
    "vessels",
    "boats",
    "warships",
    "coastguard",
    "guards",
];
/// Words that end a run of modifiers after a place ("U.S. direct hire employees").
const STOP_WORDS: &[&str] = &[
    "and", "or", "the", "a", "an", "in", "on", "at", "to", "of", "for", "from", "with", "where", "which",
    "who", "that", "is", "are", "was", "were", "has", "have", "had", "will", "would", "as", "by", "since",
    "after", "before", "but", "its", "their", "his", "her",
];
const ORG_SUFFIXES: &[&str] = &[
    "led",
    "backed",
    "brokered",
    "based",
    "sponsored",
    "allied",
    "owned",
    "funded",
    "occupied",
    "controlled",
    "administered",
    "annexed",
    "held",
    "installed",
    "appointed",
    "imposed",
];
/// Words before a place that make it a neighbour, an origin or a destination elsewhere — a
/// place named, not the one where the measure holds.
/// Verbs of blame: the place after them is accused of acting on another.
const ACCUSING: &[&str] = &[
    // Folded as the text is ("accusé" reads "accuse", "acusó" reads "acuso").
    "accusing", "accused", "accuses", "accuse", "blaming", "blamed", "blames", "accusant", "acusando",
    "acuso", "acusa", "acusaron",
];

/// Whether the word `w` that `before` ends with is glued to a longer word before it.
fn alnum_before(before: &str, w: &str) -> bool {
    before[..before.len() - w.len()].chars().next_back().is_some_and(char::is_alphanumeric)
}

const NEIGHBOUR_LEADS: &[&str] = &[
    // The target of hostility is not where the measure holds ("a protest hostile to France").
    "hostile to",
    "hostile towards",
    "hostile toward",
    "hostile a",
    "hostile a la",
    "hostile au",
    "hostiles a",
    "hostiles a la",
    "hostil a",
    "hostil hacia",
    "border between",
    "borders of",
    "border of",
    "bordering",
    "bordering on",
    "borders with",
    "adjacent to",
    "flights to",
    "flights from",
    "to or from",
    "to and from",
    "hacia y desde",
    "a y desde",
    // Where a virus or strain was found is not where a ban on its travellers holds.
    "detected in",
    "identified in",
    "originated in",
    // Where a measure was announced is not where it holds ("announced in a press
    // conference in Moscow", "speaking at a summit in Brussels").
    "press conference in",
    "press briefing in",
    "news conference in",
    "briefing in",
    "summit in",
    "speaking in",
    "speaking from",
    "official visit to",
    "state visit to",
    "conférence de presse à",
    "conference de presse a",
    "rueda de prensa en",
    // Where travellers or flights are going is not where the measure holds.
    "bound for",
    // Where someone fled is not where the measure holds ("imposed as the president fled to
    // Saudi Arabia").
    "fled to",
    "flee to",
    "flees to",
    "fleeing to",
    "escaped to",
    "exile in",
    "refuge in",
    "asylum in",
    // Where flights land or are sent instead ("allowed to land in the United States",
    // "diverted to Sofia").
    "land in",
    "landed in",
    "landing in",
    "diverted to",
    "diverting to",
    "rerouted to",
    "redirected to",
    "destined for",
    "headed for",
    "headed to",
    "heading to",
    "heading for",
    "en route to",
    "con destino a",
    "à destination de",
    "a destination de",
    "citizens of",
    "nationals of",
    "passport holders of",
    "passport holders from",
    "travellers from",
    "travelers from",
    "arrivals from",
    "visitors from",
    "passengers from",
    "people from",
    "arriving from",
    "coming from",
    "originating from",
    "originating in",
    "frontière avec",
    "frontiere avec",
    "frontières avec",
    "frontieres avec",
    "frontière avec la",
    "frontiere avec la",
    "frontière avec le",
    "frontiere avec le",
    "frontières avec la",
    "frontieres avec la",
    "frontières avec le",
    "frontieres avec le",
    "en provenance de",
    "en provenance du",
    "a destination de",
    "a destination du",
    "frontera con",
    "fronteras con",
    "procedentes de",
    "provenientes de",
    "con destino a",
    "vuelos hacia",
    "vuelos desde",
    "desde y hacia",
    "hacia y desde",
    "vols vers",
    "vols en provenance de",
    "vols a destination de",
    // A route through a place: "via Rwanda", "vers la Martinique".
    "via",
    "via le",
    "via la",
    "via l",
    "vers la",
    "vers le",
    "vers l",
];
/// After a country, a verb by which it acts on another place ("Russia has sent troops to …",
/// "Britain is evacuating its nationals"): the country is an actor, not the place affected.
const ACTING_VERBS: &[&str] = &[
    "sent",
    "sends",
    "send",
    "dispatched",
    "dispatches",
    "dispatch",
    "deployed",
    "deploys",
    "deploy",
    "evacuated",
    "evacuates",
    "evacuate",
    "evacuating",
    "evacuation",
    "evacuations",
    "airlifted",
    "airlifts",
    "airlift",
    "airlifting",
    "repatriated",
    "repatriates",
    "repatriate",
    "repatriating",
    "invaded",
    "invades",
    "attacked",
    "attacks",
    "bombed",
    "shelled",
    "struck",
    "fired",
    "fires",
    "launched",
    "launches",
    "targeted",
    "targets",
    "targeting",
    "attacking",
    "launching",
    "striking",
    "seized",
    "seizes",
    "seize",
    "seizing",
    "captured",
    "captures",
    "capturing",
    // A country that condemns or deplores what happened elsewhere comments on it ("France
    // condemns the use of lethal weapons against protesters").
    "condemned",
    "condemns",
    "condemn",
    "denounced",
    "denounces",
    "deplored",
    "deplores",
    "criticised",
    "criticized",
    "criticises",
    "criticizes",
    "condamne",
    "condamnent",
    "denonce",
    "deplore",
    "condena",
    "condeno",
    "denuncia",
    "denuncio",
    // French and Spanish, as matched: accents are folded away by normalisation.
    "evacue",
    "evacuent",
    "evacuer",
    "rapatrie",
    "rapatriement",
    "envoie",
    "envoye",
    "deploye",
    "deploie",
    "evacua",
    "evacuo",
    "evacuar",
    "evacuacion",
    "repatria",
    "repatrio",
    "repatriacion",
    "envio",
    "desplego",
    "despliega",
    "evacuado",
    "repatriado",
];
/// Auxiliaries and openers that may stand between the country and its acting verb.
const ACTING_AUX: &[&str] = &[
    "has",
    "have",
    "had",
    "is",
    "was",
    "were",
    "are",
    "will",
    "also",
    "begin",
    "begins",
    "began",
    "begun",
    "launch",
    "launches",
    "launched",
    "start",
    "starts",
    "started",
    "to",
    "said",
    "says",
    "announced",
    "it",
    "they",
    "already",
    "jointly",
    "together",
    "planned",
    "plans",
    "planning",
    "preparing",
    "prepared",
    "arranging",
    "arranged",
    "helped",
    "helping",
    "moved",
    "moving",
    "now",
    // French and Spanish ("La France a commencé l'évacuation", "España ha iniciado la evacuación").
    "a",
    "ont",
    "va",
    "vont",
    "organise",
    "commence",
    "procede",
    "lance",
    "l",
    "la",
    "le",
    "ha",
    "han",
    "inicio",
    "comenzo",
    "organiza",
    "organizo",
    "iniciado",
    "comenzado",
];
/// After a place, nouns that with "of" make it the sovereign of a territory named next ("the
/// French territory of New Caledonia"): the place named is the territory. "Overseas" alone
/// does too.
const SOVEREIGN_OF: &[&str] = &["territory", "territories", "dependency", "possession", "protectorate"];

/// Words that make a nationality a language: "English-speaking regions", "the French
/// language", "English speakers" (after it), "la langue française", "el idioma inglés"
/// (before it). Who speaks a language is no country's measure.
const LANGUAGE_AFTER: &[&str] = &["speaking", "language", "languages", "speaker", "speakers", "medium"];
const LANGUAGE_BEFORE: &[&str] = &["langue", "langues", "idioma", "idiomas", "lengua", "lenguas"];

/// Goods named by where they come from: "Russian gas", "Ukrainian grain exports". A shortage
/// of them is felt elsewhere.
const GOODS: &[&str] = &[
    "gas",
    "oil",
    "grain",
    "wheat",
    "imports",
    "exports",
    "supply",
    "supplies",
    "deliveries",
    "shipments",
    "goods",
];

/// Pressures that come from a place: "“gas blackmail” from Russia", "threats from Moscow".
/// Like the `GOODS` a place sends ("imports from China"), they say where something comes
/// from, not where the measure holds.
const PRESSURES: &[&str] = &[
    "blackmail",
    "pressure",
    "pressures",
    "threat",
    "threats",
    "aggression",
    "interference",
    "provocations",
];

/// Whether `before` ends with one of `PRESSURES` or `GOODS` and "from" (quotes between allowed).
fn source_of(before: &str) -> bool {
    let b = before.trim_end();
    let Some(head) = b.strip_suffix("from").or_else(|| b.strip_suffix("From")) else { return false };
    if !head.ends_with(char::is_whitespace) {
        return false;
    }
    let head = head.trim_end().trim_end_matches(['"', '\'', '\u{201d}', '\u{2019}', '\u{bb}']).trim_end();
    let last = head.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    in_list(PRESSURES, last) || in_list(GOODS, last)
}

/// Whether `before` ends with the opening of a fear ("over fears that Russia could leave the
/// country without gas"): the place after it is who might act, not where the measure holds.
fn feared(before: &str) -> bool {
    const FEARS: &[&str] = &[
        "fears that",
        "fear that",
        "feared that",
        "concerns that",
        "concern that",
        "worries that",
        "craintes que",
        "crainte que",
        "temores de que",
        "temor de que",
    ];
    let b = before.trim_end();
    FEARS.iter().any(|f| ends_with_ci(b, f) && !alnum_before(b, f))
}

/// Nouns of companies and their owners that a French or Spanish nationality follows.
const OWNER_NOUNS: &[&str] = &[
    "empresario",
    "empresaria",
    "empresa",
    "compañía",
    "compania",
    "magnate",
    "multimillonario",
    "millonario",
    "firma",
    "entreprise",
    "société",
    "societe",
    "milliardaire",
    "groupe",
    "géant",
    "geant",
    "gigante",
];

/// Currencies named after a country.
const CURRENCIES: &[&str] = &["dollar", "dollars", "dólares", "dolares", "dólar", "dolar", "pounds", "euros"];

/// Businesses named after a nationality, in English word order ("British tour operator").
const BUSINESS_NOUNS: &[&str] = &[
    "company",
    "companies",
    "firm",
    "firms",
    "operator",
    "operators",
    "airline",
    "airlines",
    "carrier",
    "carriers",
    "conglomerate",
    "multinational",
    "insurer",
    "lender",
    "retailer",
    "manufacturer",
    "businessman",
    "businesswoman",
    "tycoon",
    "billionaire",
    "broadcaster",
];

/// Classify a mention at `[start, end)` of `text` by the words around it. A demonym with no
/// noun after it ("(French)", "… in French.") names a language or people, not a place.
pub fn role(text: &str, start: usize, end: usize, demonym: bool) -> Role {
    // "los españoles", "les Français": a nationality used as a noun names people, who act.
    if demonym && text[start..end].ends_with('s') {
        let before = text_before(text, start, 8).to_lowercase();
        if ["los ", "las ", "les ", "des ", "aux ", "unos ", "nos ", "nuestros "]
            .iter()
            .any(|a| before.ends_with(a))
        {
            return Role::Actor;
        }
    }
    // "el empresario estadounidense Elon Musk", "la société française": a nationality after
    // a company or a businessman says who owns it, not where a measure holds.
    if demonym {
        let before = text_before(text, start, 24).trim_end();
        let prev = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        if in_list(OWNER_NOUNS, prev) || in_list(LANGUAGE_BEFORE, prev) {
            return Role::Org;
        }
        let next = text[end..]
            .trim_start_matches(|c: char| c == '-' || c.is_whitespace())
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        if in_list(LANGUAGE_AFTER, next) || in_list(GOODS, next) {
            return Role::Org;
        }
        // "British tour operator Thomas Cook", "a French company", "the Kenyan airline": a
        // nationality before a business (or its second word) says whose it is, as
        // `OWNER_NOUNS` do in French and Spanish.
        let mut words = text[end..].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
        if words.by_ref().take(2).any(|w| in_list(BUSINESS_NOUNS, w)) {
            return Role::Org;
        }
    }
    // "200 US dollars", "Hong Kong dollars", "dólares estadounidenses": a currency named after
    // a country is money, not a place.
    let next_word = text[end..].split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    let prev_word =
        text_before(text, start, 16).rsplit(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty());
    if in_list(CURRENCIES, next_word) || prev_word.is_some_and(|w| in_list(CURRENCIES, w)) {
        return Role::Org;
    }
    if source_of(text_before(text, start, 48)) || feared(text_before(text, start, 24)) {
        return Role::Actor;
    }
    let r = role_by_context(text, start, end, demonym);
    let after = text[end..].trim_start();
    if r == Role::Plain && demonym && (after.is_empty() || after.starts_with([')', '.', ',', ';', ':'])) {
        return Role::Org;
    }
    r
}

/// Up to `n` bytes of `text` before `at`, on a char boundary.
pub(crate) fn text_before(text: &str, at: usize, n: usize) -> &str {
    let mut from = at.saturating_sub(n);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..at]
}

/// ASCII case-insensitive `ends_with`.
fn ends_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[hay.len() - needle.len()..].eq_ignore_ascii_case(needle.as_bytes())
}

pub(super) fn in_list(list: &[&str], word: &str) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// What a word after a place says about it: an actor noun, a stop word, or neither.
#[derive(Clone, Copy, PartialEq)]
enum WordClass {
    Actor,
    Stop,
}

/// One hash lookup instead of scanning both lists: every mention checks up to three words.
fn word_class(word: &[u8]) -> Option<WordClass> {
    static TABLE: std::sync::OnceLock<super::matcher::FastMap<&'static [u8], WordClass>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut m = super::matcher::FastMap::default();
        m.extend(STOP_WORDS.iter().map(|w| (w.as_bytes(), WordClass::Stop)));
        m.extend(ACTOR_NOUNS.iter().map(|w| (w.as_bytes(), WordClass::Actor)));
        m
    });
    let mut buf = [0u8; 16];
    let lower = buf.get_mut(..word.len())?;
    lower.copy_from_slice(word);
    lower.make_ascii_lowercase();
    table.get(&*lower).copied()
}

fn role_by_context(text: &str, start: usize, end: usize, demonym: bool) -> Role {
    let possessive = text[end..].starts_with("'s");
    let after = if possessive { text[end + 2..].trim_start() } else { text[end..].trim_start() };
    let next = after.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    // "Ukraine imposed martial law": a country's name before "imposed" with no article before
    // it is the subject of the verb, acting at home; "the Russia-imposed curfew", "the
    // Russian-imposed rules" name who imposed it (hyphens read as spaces).
    let imposed_at_home = !demonym && !possessive && next.eq_ignore_ascii_case("imposed") && {
        let prev =
            text_before(text, start, 16).rsplit(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty());
        !prev.is_some_and(|w| in_list(&["the", "a", "an"], w))
    };
    // ("Russia's occupied Kherson": the possessive names the occupier, as "Russian-occupied"
    // does.)
    if in_list(ORG_SUFFIXES, next)
        && !imposed_at_home
        && (!possessive || in_list(&["occupied", "annexed", "controlled", "held"], next))
    {
        return Role::Org;
    }
    if !possessive {
        match acts_on_other(after) {
            Acting::Sovereign => return Role::Org,
            Acting::Verb => return Role::Actor,
            Acting::No => {}
        }
    }
    let before = text_before(text, start, 60).trim_end();
    // "arriving from neighbouring Ukraine", "its border with strife-torn neighbour Kyrgyzstan":
    // the adjectives a report puts before a country do not change the lead.
    const QUALIFIERS: &[&str] = &[
        "neighbouring",
        "neighboring",
        "nearby",
        "neighbour",
        "neighbor",
        "strife torn",
        "war torn",
        "conflict torn",
        "crisis hit",
        "conflict hit",
        "embattled",
        "troubled",
        "restive",
        "volatile",
    ];
    let mut before = before;
    let mut adjective = None;
    while let Some(w) = QUALIFIERS.iter().find(|w| ends_with_ci(before, w) && !alnum_before(before, w)) {
        // (Only a neighbour word makes "from" a neighbour's: "fled from war-torn Syria" is not.)
        if w.starts_with("neighbo") || *w == "nearby" {
            adjective = Some(*w);
        }
        before = before[..before.len() - w.len()].trim_end();
    }
    // "… crossed from neighbouring Belarus": a neighbour named as where people come from.
    if adjective.is_some() && ends_with_ci(before, " from") {
        return Role::Neighbour;
    }
    // Every lead below ends in one of these words; most mentions follow none of them.
    let last = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let lead = [
        "between",
        "of",
        "to",
        "for",
        "from",
        "with",
        "the",
        "bordering",
        "on",
        "avec",
        "la",
        "le",
        "de",
        "du",
        "con",
        "a",
        "hacia",
        "desde",
        "entre",
        "vers",
        "via",
        "into",
        "l",
        "in",
        "en",
        "à",
        "a",
    ]
    .iter()
    .any(|w| w.eq_ignore_ascii_case(last));
    // "flights to the United States": the article does not change the lead. (Read again
    // without it only when the word before the article could end a lead: "the" is common.)
    let leads = |b: &str| NEIGHBOUR_LEADS.iter().any(|l| ends_with_ci(b, l));
    let unarticled = last.eq_ignore_ascii_case("the").then(|| before[..before.len() - 3].trim_end());
    let article_lead = unarticled.is_some_and(|u| {
        let w = u.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        in_list(
            &["to", "for", "from", "in", "of", "with", "between", "bordering", "toward", "towards", "via"],
            w,
        ) && leads(u)
    });
    if lead && (article_lead || leads(before) || is_border_with(before)) {
        return Role::Neighbour;
    }
    // "U.S.-bound flights": the place such flights head for.
    if !possessive && ["-bound", "‑bound"].iter().any(|w| text[end..].starts_with(w)) {
        return Role::Neighbour;
    }
    // "Moldova, southwest of Ukraine, also closed its airspace": a place that only locates
    // another, in an aside, is not where the measure holds.
    if last.eq_ignore_ascii_case("of") {
        let rest = before[..before.len() - 2].trim_end();
        let dir = rest.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        const DIRECTIONS: &[&str] =
            &["north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"];
        if DIRECTIONS.iter().any(|d| d.eq_ignore_ascii_case(dir))
            && rest[..rest.len() - dir.len()].trim_end().ends_with([',', '('])
        {
            return Role::Neighbour;
        }
    }
    // "over 1,000 kilometres south of Darwin", "a 50 km de Quito": a distance measured from a
    // place only locates another.
    if matches!(last.to_ascii_lowercase().as_str(), "of" | "from" | "de" | "del") && measured_from(before) {
        return Role::Neighbour;
    }
    // "borders with some neighbouring countries (Algeria, Mali …)": a bracketed list after
    // neighbours named as such is theirs (its later items share the first's role).
    if let Some(head) = before.strip_suffix('(') {
        let head = head.trim_end();
        let last_word = head.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        let near = text_before(text, start, 80).to_ascii_lowercase();
        if in_list(&["countries", "nations", "neighbours", "neighbors", "states"], last_word)
            && (near.contains("neighbo") || near.contains("border"))
        {
            return Role::Neighbour;
        }
    }
    // "Radio France Internationale", "France 24": a broadcaster named after a country.
    if !possessive
        && (ends_with_ci(before, "radio")
            || (next.len() <= 3 && !next.is_empty() && next.bytes().all(|b| b.is_ascii_digit())))
    {
        return Role::Org;
    }
    // "According to Australia's ABC TV, …", "selon la presse sénégalaise": the source of a
    // report is not where its measure holds.
    if ["according to", "selon", "segun"].iter().any(|w| ends_with_ci(before, w) && !alnum_before(before, w))
    {
        return Role::Org;
    }
    // "flights from Amritsar, close to Lahore, to New Delhi": a landmark in an aside only
    // locates the place before it. (In brackets, "Juliaca (near Puno)", it names the city an
    // airport serves, which a traveller there needs.)
    const NEAR: &[&str] = &["close to", "near", "not far from", "pres de", "cerca de", "non loin de"];
    if let Some(w) = NEAR.iter().find(|w| ends_with_ci(before, w) && !alnum_before(before, w))
        && before[..before.len() - w.len()].trim_end().ends_with(',')
    {
        return Role::Neighbour;
    }
    if !possessive && actor_follows(after) && (demonym || !verb_follows(after)) {
        return Role::Actor;
    }
    // "accusing Moscow of steering migrants to the border": the accused is said to act on
    // the place the news is about, not to be it.
    if ACCUSING.iter().any(|w| ends_with_ci(before, w) && !alnum_before(before, w)) {
        return Role::Actor;
    }
    // "Abella announced in Moscow", "told reporters in Paris": where someone spoke is not where
    // the measure holds.
    if matches!(last.to_ascii_lowercase().as_str(), "in" | "at" | "from" | "capital" | "city")
        && spoken_from(text_before(text, start, 160).trim_end())
    {
        return Role::Org;
    }
    // "in force since 8pm in Paris (5am in Noumea)": clock times in two places give a time
    // zone, not where the measure holds.
    if last.eq_ignore_ascii_case("in") && gives_a_time_zone(before, after) {
        return Role::Org;
    }
    if lead
        && ["government of", "embassy of", "ambassade de", "embajada de", "consulat de", "consulado de"]
            .iter()
            .any(|w| ends_with_ci(before, w))
    {
        return Role::Actor;
    }
    Role::Plain
}

/// Whether `before` (ending with "of", "from" or "de") measures a distance from the place
/// after it: a number, a unit, maybe a direction ("1,000 kilometres south of", "20 km from",
/// "a 50 km al norte de").
fn measured_from(before: &str) -> bool {
    const UNITS: &[&str] = &[
        "km",
        "kms",
        "kilometres",
        "kilometers",
        "kilometre",
        "kilometer",
        "miles",
        "mile",
        "kilómetros",
        "kilomètres",
    ];
    const BETWEEN: &[&str] = &[
        "north",
        "south",
        "east",
        "west",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "away",
        "outside",
        "al",
        "norte",
        "sur",
        "este",
        "oeste",
        "au",
        "nord",
        "sud",
        "est",
        "ouest",
    ];
    let mut words = before.rsplit(|c: char| c.is_whitespace()).filter(|w| !w.is_empty());
    words.next();
    for w in words.by_ref() {
        let w = w.trim_end_matches(',');
        if in_list(UNITS, w) {
            return words.next().is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()));
        }
        // "20km from": the number and the unit in one word.
        if let Some(n) = w.strip_suffix("km") {
            return !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b',' || b == b'.');
        }
        if !in_list(BETWEEN, w) {
            return false;
        }
    }
    false
}

/// Whether `before` (ending with "in", "at", "from" or "the capital") says someone spoke there:
/// "announced in", "told reporters in", "a press conference in", "said on Tuesday at the
/// Crisis Centre in the capital". Walking back from the place, only a day, the venue's
/// capitalised name and a few words of place may stand between it and the verb of speech;
/// any other word ("said a curfew holds in") ends the walk.
fn spoken_from(before: &str) -> bool {
    const SPEECH: &[&str] = &[
        "announced",
        "announces",
        "said",
        "says",
        "told",
        "speaking",
        "spoke",
        "stated",
        "reporters",
        "journalists",
        "conference",
        "briefing",
        "interview",
        "remarks",
        "address",
    ];
    const BETWEEN: &[&str] = &[
        "in",
        "at",
        "from",
        "on",
        "the",
        "a",
        "an",
        "capital",
        "city",
        "late",
        "early",
        "this",
        "morning",
        "afternoon",
        "evening",
        "night",
        "today",
        "yesterday",
        "his",
        "her",
        "their",
        "office",
        "offices",
        "headquarters",
        "palace",
        "residence",
        "centre",
        "center",
    ];
    let mut words = before.rsplit(|c: char| !c.is_alphanumeric() && c != ',').filter(|w| !w.is_empty());
    if !words.next().is_some_and(|w| in_list(&["in", "at", "from", "capital", "city"], w)) {
        return false;
    }
    for w in words.take(12) {
        if in_list(SPEECH, w) {
            return true;
        }
        let named = w.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
        if w.contains(',') || !(named || in_list(BETWEEN, w)) {
            return false;
        }
    }
    false
}

/// Whether a place led by "<clock time> in" is one of two clock times given side by side, the
/// second in brackets: "8pm in Paris (5am in Noumea)", "at 20:00 in Moscow (17:00 GMT)".
/// `before` ends with "in"; `after` is the text after the place.
fn gives_a_time_zone(before: &str, after: &str) -> bool {
    let before = before[..before.len() - 2].trim_end();
    let time_at = before.rfind(|c: char| c.is_whitespace() || c == '(').map_or(0, |i| i + 1);
    if !is_clock_time(&before[time_at..]) {
        return false;
    }
    // The second of the pair: the clock time opens a bracket.
    if before[..time_at].ends_with('(') {
        return true;
    }
    // The first: a bracket with a clock time follows the place.
    after.strip_prefix('(').is_some_and(|rest| {
        is_clock_time(rest.split(|c: char| c.is_whitespace() || c == ')').next().unwrap_or(""))
    })
}

/// "8pm", "5 a.m.", "20:00", "1615GMT": a time of day.
fn is_clock_time(w: &str) -> bool {
    let lower = w.to_ascii_lowercase();
    let digits = lower.bytes().take_while(|b| b.is_ascii_digit() || *b == b':').count();
    if digits == 0 {
        return false;
    }
    let rest = &lower[digits..];
    ["am", "pm", "a.m.", "p.m.", "a.m", "p.m", "h", "gmt", "utc", "hrs"].contains(&rest)
        || (rest.is_empty() && lower.contains(':'))
}

/// ASCII case-insensitive `starts_with`.
fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len() && hay.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
}

/// What the words after a place say it does to another place.
#[derive(Clone, Copy, PartialEq)]
enum Acting {
    /// An acting verb ("sent", "is evacuating"): the place is an actor.
    Verb,
    /// It is the sovereign of a territory named next ("French territory of").
    Sovereign,
    No,
}

/// Word classes for `acts_on_other`: auxiliaries, acting verbs, sovereignty nouns.
#[derive(Clone, Copy, PartialEq)]
enum ActWord {
    Aux,
    Verb,
    /// Sovereign when followed by "of".
    OwnerOf,
    /// Sovereign by itself ("overseas").
    Owner,
}

/// An acting verb as the next word, or after a few auxiliaries ("has sent", "is
/// evacuating", "has said it has sent"), within the phrase (no punctuation crossed); or a
/// sovereignty noun ("territory of", "overseas"). Read as bytes with one hash lookup a word:
/// every mention asks.
fn acts_on_other(after: &str) -> Acting {
    static TABLE: std::sync::OnceLock<super::matcher::FastMap<&'static [u8], ActWord>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut m = super::matcher::FastMap::default();
        m.extend(ACTING_AUX.iter().map(|w| (w.as_bytes(), ActWord::Aux)));
        m.extend(ACTING_VERBS.iter().map(|w| (w.as_bytes(), ActWord::Verb)));
        m.extend(SOVEREIGN_OF.iter().map(|w| (w.as_bytes(), ActWord::OwnerOf)));
        m.insert(b"overseas".as_slice(), ActWord::Owner);
        m
    });
    let b = after.as_bytes();
    let mut i = 0;
    for n in 0..6 {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'-' | b'\'') {
            i += 1;
        }
        let start = i;
        // Letters, and the bytes of non-ASCII letters ("évacue", "envió").
        while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] >= 0x80) {
            i += 1;
        }
        let mut buf = [0u8; 16];
        let Some(lower) = buf.get_mut(..i - start) else { return Acting::No };
        if lower.is_empty() {
            return Acting::No;
        }
        lower.copy_from_slice(&b[start..i]);
        lower.make_ascii_lowercase();
        match table.get(&*lower) {
            Some(ActWord::Verb) => return Acting::Verb,
            Some(ActWord::Aux) => continue,
            Some(ActWord::Owner) if n == 0 => return Acting::Sovereign,
            Some(ActWord::OwnerOf) if n == 0 => {
                let rest = after[i..].trim_start();
                let of = rest.len() >= 3 && rest.as_bytes()[..3].eq_ignore_ascii_case(b"of ");
                return if of { Acting::Sovereign } else { Acting::No };
            }
            _ => return Acting::No,
        }
    }
    Acting::No
}

/// "… border with", "border roads with the", "crossings with": a neighbour, not the place.
/// So is the other party of a conflict ("clashes with Cambodia", "war with Armenia").
/// Words that can stand right before "<Country> border" when the country is the far side of
/// the border ("all Syria land borders", "its Iraq border", "closed the Turkey border").
const BORDER_DETERMINERS: &[&str] = &[
    "all", "the", "its", "their", "closes", "closed", "close", "closing", "shut", "shuts", "seals", "sealed",
    "sealing", "reopens", "reopened", "on", "along", "at",
];

/// "Lebanon closes all Syria land borders", "Finland to close last crossing on Russian
/// border": a country (not a city: "the Rafah crossing") named before "border" after a
/// determiner, a closing verb or "on"/"along" is the border's far side.
fn far_side_of_border(text: &str, start: usize, end: usize) -> bool {
    let after = text[end..].trim_start();
    let next = after.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    if !names_a_border(next, after) {
        return false;
    }
    let before = text_before(text, start, 24).trim_end();
    let prev = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    in_list(BORDER_DETERMINERS, prev)
}

/// Whether the words after a place are "border(s)" or "crossing(s)", maybe after "land" or
/// a compass adjective: "Syria land borders", "Iraq border crossings".
fn names_a_border(next: &str, after: &str) -> bool {
    const BORDER: &[&str] = &["border", "borders", "frontier", "frontiers", "crossing", "crossings"];
    if in_list(BORDER, next) {
        return true;
    }
    if !in_list(&["land", "main", "northern", "southern", "eastern", "western"], next) {
        return false;
    }
    let second = after[next.len()..].trim_start().split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    in_list(BORDER, second)
}

fn is_border_with(before: &str) -> bool {
    let article =
        [" the", " la", " le", " el", " les", " los", " las"].iter().find(|a| ends_with_ci(before, a));
    let before = match article {
        Some(a) => &before[..before.len() - a.len()],
        None => before,
    };
    // A word among the last three before the lead that starts with one of `stems`.
    let head_names = |head: &str, stems: &[&str]| {
        head.split_whitespace().rev().take(3).any(|w| {
            let w = w.as_bytes();
            stems.iter().any(|p| w.len() >= p.len() && w[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
        })
    };
    // "the border crossing between Argentina and Chile", "el paso fronterizo entre Argentina y
    // Chile": the first of a pair of countries joined by a border is an end of it, like "with";
    // "Jordan closes border crossing into Syria": where a crossing leads is its far end.
    if let Some(lead) = [" between", " entre", " into"].iter().find(|w| ends_with_ci(before, w)) {
        let head = &before[..before.len() - lead.len()];
        return head_names(head, &["border", "crossing", "frontier", "fronti", "fronter", "checkpoint"]);
    }
    let Some(with) = [" with", " avec", " con"].iter().find(|w| ends_with_ci(before, w)) else {
        return false;
    };
    let head = &before[..before.len() - with.len()];
    head_names(
        head,
        &[
            "border",
            "crossing",
            "frontier",
            "conflict",
            "war",
            "clash",
            "tension",
            "fighting",
            "hostilit",
            "dispute",
            "standoff",
            "fronti",
            "fronter",
            "conflit",
            "guerr",
            "affrontement",
            "enfrentamiento",
        ],
    )
}

/// Whether a country's name is followed by what reads as its verb: a word ending in "-s" or
/// "-ed" that is no actor noun ("Belarus bars Polish men", "Ukraine banned Russian ships").
/// The actor noun after that verb is its object's, not the country's. (A nationality is an
/// adjective, never a verb's subject this way: "Russian armed forces".)
fn verb_follows(after: &str) -> bool {
    let w = after.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let b = w.as_bytes();
    b.len() > 3
        && word_class(b).is_none()
        && ((b.ends_with(b"s") && !b.ends_with(b"ss")) || b.ends_with(b"ed"))
        && !w.eq_ignore_ascii_case("armed")
}

/// An actor noun within the next three non-stop words ("Russian military forces").
fn actor_follows(after: &str) -> bool {
    // Bytes while the words are ASCII (nearly always); any other character, decoded.
    let b = after.as_bytes();
    let mut i = 0;
    for n in 0..3 {
        // Only spaces, hyphens and quotes join a place to the words that describe it: a comma,
        // colon or bracket ends the phrase ("Kazakhstan: Russian-led forces").
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'-' | b'"' | b'\'') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if b.get(i).is_some_and(|&c| c >= 0x80) {
            return actor_follows_decoded(after);
        }
        if start == i {
            return false;
        }
        match classify(&b[start..i], n) {
            Some(found) => return found,
            None => continue,
        }
    }
    false
}

/// Actor nouns that also modify another noun ("state media", "air force", "travel ban") and
/// so count only right after the place: "Estonia declares state of emergency" is no actor.
const FIRST_ONLY: &[&str] = &["state", "air", "high", "security", "travel", "cyber"];

/// What a word says for `actor_follows`: `Some(answer)`, or `None` to read on.
fn classify(w: &[u8], n: usize) -> Option<bool> {
    match word_class(w) {
        Some(WordClass::Actor)
            if n > 0 && FIRST_ONLY.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(w)) =>
        {
            None
        }
        Some(WordClass::Actor) => Some(true),
        Some(WordClass::Stop) => Some(false),
        None if w.first().is_some_and(u8::is_ascii_digit) => Some(false),
        None => None,
    }
}

fn actor_follows_decoded(after: &str) -> bool {
    // The same phrase boundary as the byte reading: up to the first comma, colon, bracket…
    let end = after
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, ' ' | '\t' | '\n' | '-' | '"' | '\'')))
        .unwrap_or(after.len());
    for (n, w) in
        after[..end].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(3).enumerate()
    {
        if w.chars().next().is_some_and(|c| c.is_numeric() && !c.is_ascii_digit()) {
            return false;
        }
        if let Some(found) = classify(w.as_bytes(), n) {
            return found;
        }
    }
    false
}

/// Whether a city mention counts as an affected place given the subject country.
pub fn city_accepted(g: &Gazetteer, city: u32, subject: Option<CountryCode>) -> bool {
    let c = g.city(city);
    if Some(c.country) == subject {
        return true;
    }
    !c.wordlike && c.population >= 200_000
}

/// Resolve a city mention's candidates: the subject country's city if there is one, else the
/// most populous.
pub fn resolve_city(g: &Gazetteer, candidates: &[u32], subject: Option<CountryCode>) -> u32 {
    candidates.iter().copied().find(|&i| Some(g.city(i).country) == subject).unwrap_or(candidates[0])
}

/// Build raw mentions from place hits: drops blocked phrases and mentions inside longer ones.
pub fn mentions(text: &str, mut spans: Vec<(usize, usize, u32)>, title: bool) -> Vec<Mention> {
    let g = Gazetteer::get();
    // Longest first at each start (the matcher's order already; sorting sorted input is a
    // linear pass), then drop anything inside an accepted span.
    spans.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
    // Sorted so, a span lies inside an accepted one exactly when it ends no later than the
    // furthest end accepted so far (every accepted span starts at or before it).
    let mut kept: Vec<(usize, usize, u32)> = Vec::with_capacity(spans.len());
    let mut furthest = None;
    for s in spans {
        if furthest.is_some_and(|e| s.1 <= e) {
            continue;
        }
        furthest = Some(furthest.map_or(s.1, |e: usize| e.max(s.1)));
        kept.push(s);
    }
    let mut out = Vec::new();
    let kept_starts: Vec<usize> = kept.iter().map(|k| k.0).collect();
    let kept_names: Vec<u32> = kept.iter().map(|k| k.2).collect();
    let mut dateline_end: Option<usize> = None;
    for (start, end, name) in kept {
        let name = &g.names()[name as usize];
        let (country, kind, candidates) = match &name.target {
            PlaceTarget::Blocked => continue,
            PlaceTarget::Country(c) => (*c, Kind::Name, &[][..]),
            PlaceTarget::Demonym(c) => (*c, Kind::Demonym, &[][..]),
            PlaceTarget::Cities(ids) => (g.city(ids[0]).country, Kind::City(ids[0]), &ids[..]),
        };
        if !matches!(kind, Kind::City(_))
            && (names_a_feature(&text[end..]) || names_a_war(text_before(text, start, 16)))
        {
            continue;
        }
        if names_a_street(text_before(text, start, 16)) {
            continue;
        }
        if matches!(kind, Kind::City(_)) && inside_a_personal_name(text, start, end) {
            continue;
        }
        // "Saint James parish": a name before a kind of region is a region; when only other
        // countries than the towns' have a region of that name, it is none of those towns.
        if matches!(kind, Kind::City(_)) && super::places::regions::kind_follows(&text[end..]) {
            let owners = super::places::regions::countries_with(&text[start..end]);
            if !owners.is_empty() && !candidates.iter().any(|&c| owners.contains(&g.city(c).country)) {
                continue;
            }
        }
        // "The Bangkok Post", "the Kathmandu Post", "Tehran Times": a newspaper named after a
        // place is no place.
        if names_a_newspaper(&text[end..]) {
            continue;
        }
        // A city before a colon is a dateline only when the sentence after it names another
        // place ("Washington: airspace over all of Ukraine …"); alone it is the heading's place
        // ("Khorog: curfew after clashes").
        let another = || {
            let sentence_end = text[end..].find(['.', '\n']).map_or(text.len(), |i| end + i);
            kept_starts.iter().any(|&s| s > end && s < sentence_end)
        };
        // (A title's "Niger: France closes embassy" labels the advisory: see `subject_country`.)
        // A town of the country itself after it is a digest item's heading, not a site's label:
        // "Angola: Luanda: Plan journeys bypassing protest".
        let place_at = |pos: usize| {
            !title
                && kept_starts.binary_search(&pos).is_ok_and(|i| {
                    match &g.names()[kept_names[i] as usize].target {
                        PlaceTarget::Cities(ids) => !ids.iter().any(|&c| g.city(c).country == country),
                        _ => true,
                    }
                })
        };
        if is_dateline(text, start, end, matches!(kind, Kind::City(_)), another, place_at) {
            dateline_end = Some(end);
            continue;
        }
        // "ISLAMABAD, (UrduPoint / Pakistan Point News …) :": a place inside the agency's bracket
        // names the agency.
        if dateline_end.is_some_and(|e| {
            let between = &text[e..start];
            between.len() < 80 && between.contains('(') && !between.contains(')')
        }) {
            continue;
        }
        // "ATHENS, Greece –": the dateline's country goes with its city.
        if dateline_end.take().is_some_and(|e| matches!(text[e..start].trim(), "," | "/")) {
            continue;
        }
        let mut role = role(text, start, end, kind == Kind::Demonym);
        if role == Role::Plain && !matches!(kind, Kind::City(_)) && far_side_of_border(text, start, end) {
            role = Role::Neighbour;
        }
        // "Paris avait justifié …", "Moscow said …": a capital that speaks is its government,
        // not where the measure it speaks of holds.
        if matches!(kind, Kind::City(_)) && role == Role::Plain && speaks(&text[end..]) {
            role = Role::Actor;
        }
        out.push(Mention { start, end, country, kind, role, candidates });
    }
    out.sort_by_key(|m| m.start);
    demote_regions_named_like_countries(text, &mut out, g);
    share_roles_in_lists(text, &mut out);
    // "the Russia-Ukraine crisis", "Israel-Gaza war": two places joined by a hyphen name a
    // relation between them, not where a measure is.
    // (Normalising turned the hyphen into a space: two names side by side.)
    let paired: Vec<bool> = (0..out.len())
        .map(|i| {
            let next =
                out.get(i + 1).is_some_and(|n| n.kind == Kind::Name && &text[out[i].end..n.start] == " ");
            let prev = i > 0 && out[i - 1].kind == Kind::Name && &text[out[i - 1].end..out[i].start] == " ";
            out[i].kind == Kind::Name && (next || prev)
        })
        .collect();
    for (m, p) in out.iter_mut().zip(paired) {
        if p {
            m.role = Role::Neighbour;
        }
    }
    out
}

/// Whether a country name or demonym is the first word of a feature's proper name — a sea,
/// an ocean, a harbour ("South China Sea", "Arabian Sea", "Dutch Harbor"): it then names no
/// country. `after` is the text right after the mention.
fn names_a_feature(after: &str) -> bool {
    let Some(rest) = after.strip_prefix(' ') else { return false };
    let word = rest.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    // A news agency or broadcaster ("Agence France-Presse", "France Télévisions") names no
    // place either.
    matches!(
        word,
        "Sea"
            | "Seas"
            | "Ocean"
            | "Harbor"
            | "Harbour"
            | "Airways"
            | "Airlines"
            | "Presse"
            | "Press"
            | "Televisions"
            | "Télévisions"
            // A time zone ("5.30pm Malaysian time").
            | "time"
            | "Time"
            // A war named after its country ("the Algerian War", "the Iraq war").
            | "War"
            | "war"
    )
}

/// Whether the words before a country make it a war's name: "la guerre d'Algérie", "la
/// guerra de Corea" (folded text) — a time in history, not a place of the measure.
fn names_a_war(before: &str) -> bool {
    let b = before.trim_end_matches(' ');
    ["guerre d'", "guerre de", "guerre de l'", "guerre du", "guerra de", "guerra del"]
        .iter()
        .any(|w| b.ends_with(w) || before.ends_with(w))
}

/// Whether the word after a place makes it a newspaper's name.
fn names_a_newspaper(after: &str) -> bool {
    let Some(rest) = after.strip_prefix(' ') else { return false };
    let word = rest.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    matches!(word, "Post" | "Times" | "Tribune" | "Herald" | "Gazette" | "Daily" | "Journal" | "Chronicle")
}

/// Whether the words after a place make it the speaker: a verb of saying, after at most one
/// auxiliary ("said", "has announced", "avait justifié", "ha dicho").
fn speaks(after: &str) -> bool {
    // (The text is folded: accents are gone, "justifié" reads "justifie".)
    const AUX: &[&str] = &["has", "had", "have", "a", "avait", "ha", "habia", "is", "was"];
    const SAYING: &[&str] = &[
        "said",
        "says",
        "announced",
        "announces",
        "stated",
        "declared",
        "warned",
        "claimed",
        "justified",
        "insisted",
        "denied",
        "dit",
        "declare",
        "annonce",
        "justifie",
        "affirme",
        "indique",
        "dijo",
        "dicho",
        "anuncio",
        "anunciado",
        "afirmo",
        "declaro",
    ];
    // "Delhi's withdrawal of the special status": the capital's decision is its government's.
    const ACTS: &[&str] = &["withdrawal", "decision", "move", "revocation", "relationship", "policy", "rule"];
    let is = |w: &str, list: &[&str]| list.iter().any(|x| x.eq_ignore_ascii_case(w));
    if let Some(rest) = after.strip_prefix("'s ")
        && rest.split(|c: char| !c.is_alphabetic()).next().is_some_and(|w| is(w, ACTS))
    {
        return true;
    }
    let mut words = after.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty());
    let Some(first) = words.next() else { return false };
    if !after.trim_start().starts_with(first) {
        return false;
    }
    is(first, SAYING) || (is(first, AUX) && words.next().is_some_and(|w| is(w, SAYING)))
}

/// Whether a city's name sits inside a person's name: a capitalised word right before it
/// that is no place word and follows no other capital ("candidate Albert Ondo Ossa"), and a
/// capitalised word right after it that is no kind of place ("Ossa", not "City" or
/// "Province"). A title-case heading ("Protests Rock Lima Streets") has capitals before the
/// first name too, so it is not read as a name.
pub(super) fn inside_a_personal_name(text: &str, start: usize, end: usize) -> bool {
    /// Capitalised words that lead into a place's name or sit before it in running text.
    const LEADS: &[&str] = &[
        "In",
        "At",
        "From",
        "To",
        "Of",
        "And",
        "The",
        "For",
        "On",
        "By",
        "With",
        "Near",
        "Into",
        "Across",
        "Greater",
        "Central",
        "North",
        "South",
        "East",
        "West",
        "Northern",
        "Southern",
        "Eastern",
        "Western",
        "Metropolitan",
        "New",
        "Old",
        "Port",
        "San",
        "Santa",
        "Saint",
        "St",
        "Le",
        "La",
        "El",
        "Los",
        "Las",
        "Les",
        "Lake",
        "Mount",
        "Cape",
        "Fort",
        "Upper",
        "Lower",
        "Outer",
        "Inner",
        "Downtown",
        "Province",
        "Region",
        "State",
        "City",
        "District",
        "Department",
        "Governorate",
        "Capital",
        "En",
        "A",
        "De",
        "Del",
        "Du",
        "Des",
        "Dans",
        "Sur",
        "Desde",
        "Hacia",
        "Entre",
    ];
    /// Capitalised words after a city that continue a place's name, not a person's.
    const FOLLOWS: &[&str] = &[
        "City",
        "Province",
        "Region",
        "State",
        "District",
        "Department",
        "Governorate",
        "County",
        "Oblast",
        "Airport",
        "International",
        "Metropolitana",
        "Metropolitan",
        "Prefecture",
        "Municipality",
        "Valley",
        "Island",
        "Islands",
        "Port",
        "Harbour",
        "Harbor",
        "Bay",
        "River",
        "Road",
        "Street",
        "Avenue",
        "Square",
        "Bridge",
        "Station",
        "University",
        "Stadium",
        "Police",
        "Governor",
        "Mayor",
        "Council",
        "Court",
        "Prison",
        "Strip",
        "Territory",
        "Area",
        "Zone",
        "Peninsula",
        "Delta",
        "Basin",
        "Canal",
        "Corridor",
        "Highway",
        "Metro",
        "Centre",
        "Center",
        "Old",
        "Town",
    ];
    let capitalised = |w: &str| {
        let mut c = w.chars();
        c.next().is_some_and(char::is_uppercase) && c.next().is_some_and(char::is_lowercase)
    };
    // Cheapest test first: a capitalised word right after the city (most cities have none).
    let Some(after) = text[end..].strip_prefix(' ') else { return false };
    let next = after.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    if !capitalised(next) {
        return false;
    }
    // A word before it needs a space between; at the start of the text or of a line there is
    // none ("Vladimir Putin decrees …" opening a paragraph).
    let line_start = start == 0 || text[..start].ends_with('\n');
    let Some(before) = text[..start].strip_suffix(' ').or(line_start.then_some(&text[..start])) else {
        return false;
    };
    // "President Vladimir Putin", "dictator Vladimir Putin": a title before a city that a
    // capitalised word follows makes the city a first name.
    const TITLES: &[&str] = &[
        "president",
        "presidente",
        "minister",
        "ministre",
        "ministro",
        "premier",
        "dictator",
        "leader",
        "general",
        "colonel",
        "coronel",
        "king",
        "queen",
        "mr",
        "mrs",
        "ms",
        "dr",
        "senator",
        "governor",
        "mayor",
        "chancellor",
        "commander",
        "spokesman",
        "spokeswoman",
        "ambassador",
        "envoy",
        "secretary",
        "adviser",
        "advisor",
        "spokesperson",
        "deputy",
        "judge",
        "sheikh",
        "emir",
        "prince",
        "roi",
        "rey",
    ];
    let title_before = {
        let last = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        TITLES.iter().any(|t| t.eq_ignore_ascii_case(last))
    };
    let prev_start = before
        .rfind(|c: char| !c.is_alphabetic())
        .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
    let prev = &before[prev_start..];
    if title_before && capitalised(next) && !FOLLOWS.contains(&next) {
        return true;
    }
    // "Vladimir Putin decrees …" opening a sentence or a heading after its colon: a city, a
    // capitalised word that names no kind of place, then running text is a person's name.
    let opens = line_start || {
        let t = before.trim_end();
        t.is_empty() || t.ends_with([':', '.', '!', '?', '"', '\u{201c}'])
    };
    if opens && capitalised(next) && !FOLLOWS.contains(&next) {
        let rest = after[next.len()..].trim_start();
        let third = rest.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        if third.chars().next().is_some_and(char::is_lowercase) {
            return true;
        }
    }
    // "George Floyd", "Victoria Beckham": a town named like a common first name, before a
    // capitalised word that continues no place's name, is a person.
    if !FOLLOWS.contains(&next) && !FOLLOWS_TOO.contains(&next) && GIVEN_NAMES.contains(&&text[start..end]) {
        return true;
    }
    // "the death of George Floyd … Floyd's neck": the word after the city recurs on its own
    // elsewhere, as a surname does; the city was a first name.
    if !FOLLOWS.contains(&next) && next.len() >= 3 && recurs_alone(text, &text[start..end], next, end + 1) {
        return true;
    }
    if !(capitalised(prev) && capitalised(next)) || LEADS.contains(&prev) || FOLLOWS.contains(&next) {
        return false;
    }
    // The word before the first name, if any, is not capitalised: running text, not a heading.
    let earlier = before[..prev_start].trim_end_matches(' ');
    let before_prev = earlier.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    !(earlier.ends_with(|c: char| c.is_alphabetic()) && capitalised(before_prev))
}

/// Towns of at least 15,000 people named like a common first name (English, French, Spanish).
const GIVEN_NAMES: &[&str] = &[
    "George",
    "Victoria",
    "Florence",
    "Regina",
    "Nelson",
    "Austin",
    "Jackson",
    "Lincoln",
    "Charlotte",
    "Orlando",
    "Eugene",
    "Tyler",
    "Marion",
    "Elizabeth",
    "Douglas",
    "Clinton",
    "Warren",
    "Chester",
    "Sidney",
    "Madison",
    "Preston",
    "Gilbert",
    "Irving",
    "Carmen",
    "Mercedes",
    "Dolores",
    "Lourdes",
    "Rosario",
    "Concepcion",
    "Trinidad",
    "Pilar",
    "Vanessa",
    "Laval",
    "Adrian",
    "Jeffrey",
    "Hamilton",
];

/// Capitalised words after a town named like a first name that still continue a place:
/// "Victoria Falls", "George Town", "Hamilton Island".
const FOLLOWS_TOO: &[&str] = &["Falls", "Town", "Township", "Park", "Beach", "Springs", "Heights", "Hills"];

/// Whether `word` (found at `at`, right after `first`) occurs elsewhere in `text` as a whole
/// word that `first` does not come right before.
fn recurs_alone(text: &str, first: &str, word: &str, at: usize) -> bool {
    text.match_indices(word).any(|(p, _)| {
        p != at
            && !text[..p].strip_suffix(' ').is_some_and(|b| b.ends_with(first))
            && text[..p].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
            && text[p + word.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric())
    })
}

/// Whether a place opening a paragraph is a news dateline — where the report was filed, not
/// where anything happened: "WELLINGTON (Reuters) -", "NOUMEA, France (AFP) —", and for a
/// city, "Washington: …". A country before a colon heads the paragraph's subject instead
/// ("Kenya: curfew extended"), so only a city's colon counts.
fn is_dateline(
    text: &str,
    start: usize,
    end: usize,
    city: bool,
    another: impl Fn() -> bool,
    place_at: impl Fn(usize) -> bool,
) -> bool {
    // At a line's start: only spaces back to a newline or the text's start (scanned from the
    // mention back, so a long paragraph costs nothing).
    let before = text[..start].trim_end_matches([' ', '\t']);
    if !(before.is_empty() || before.ends_with(['\n', '\r'])) {
        return false;
    }
    let mut rest = &text[end..];
    // ", June 24" after them: "ISTANBUL, June 24 —".
    let date = |rest: &'_ str| -> Option<usize> {
        let r = rest.strip_prefix(", ")?;
        let month = r.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        // "Feb. 24": an abbreviated month keeps its full stop.
        let day = &r[month.len()..];
        let day = day.strip_prefix('.').unwrap_or(day);
        let digits = day.trim_start().bytes().take_while(u8::is_ascii_digit).count();
        ((1..=2).contains(&digits) && day.starts_with(' ') && super::modifiers::is_month(month))
            .then(|| rest.len() - day.trim_start()[digits..].len())
    };
    if let Some(n) = date(rest) {
        rest = &rest[n..];
    }
    // "Osh/Moscow :": the cities a report was filed from, joined by a slash.
    if city && let Some(r) = rest.strip_prefix('/') {
        let name_end = r.find(|c: char| !(c.is_alphabetic() || c == ' ' || c == '-')).unwrap_or(r.len());
        if (1..=24).contains(&name_end)
            && r.starts_with(char::is_uppercase)
            && r[name_end..].trim_start().starts_with(':')
        {
            return true;
        }
    }
    // ", France" after the city.
    if let Some(r) = rest.strip_prefix(", ") {
        let word_end = r.find(|c: char| !(c.is_alphabetic() || c == ' ' || c == '-')).unwrap_or(r.len());
        // A dash after a space ends the name ("MOSCOW, Russia - …").
        let word_end = r[..word_end].find(" -").map_or(word_end, |i| i + 1);
        if word_end > 0 && word_end <= 24 && r.starts_with(char::is_uppercase) {
            rest = &r[word_end..];
        }
    }
    if let Some(n) = date(rest) {
        rest = &rest[n..];
    }
    let rest = rest.trim_start();
    // A wire service's city in capitals, then a dash: "MOSCOW, Russia –", "ISTANBUL, June 24 —".
    let capitals = text[start..end].len() > 2 && !text[start..end].chars().any(char::is_lowercase);
    if capitals && rest.starts_with(['-', '\u{2014}', '\u{2013}']) {
        return true;
    }
    // "ISLAMABAD, (UrduPoint / Pakistan Point News - 11th Aug, 2019 ) :": a comma may stand
    // before the agency's bracket, which then may hold its own date.
    let rest = match rest.strip_prefix(',').map(str::trim_start) {
        Some(r) if capitals && r.starts_with('(') => r,
        _ => rest,
    };
    if let Some(r) = rest.strip_prefix('(') {
        // An agency's name in brackets, then a dash or a colon.
        let Some(close) = r.find(')') else { return false };
        if close > if capitals { 60 } else { 30 } {
            return false;
        }
        let after = r[close + 1..].trim_start();
        return after.starts_with(['-', '\u{2014}', '\u{2013}', ':']);
    }
    if city {
        return rest.starts_with(':') && another();
    }
    // "Bulgaria: Egypt Turns Off Internet …": a country before a colon, right before another
    // place that opens the sentence, is a site's or an agency's label, not the news's place.
    rest.strip_prefix(':').is_some_and(|r| {
        let r = r.trim_start_matches([' ', '\t']);
        place_at(text.len() - r.len())
    })
}

/// Whether a place name ends a street's name and so names no place of its own: "the Quai
/// d'Orsay" (the French foreign ministry), "Rue de Paris", "Avenida Brasil". `before` is the
/// text right before the mention.
fn names_a_street(before: &str) -> bool {
    const STREETS: &[&str] = &[
        "Quai d'",
        "Quai d\u{2019}",
        "Quai de ",
        "Rue de ",
        "Rue d'",
        "Rue d\u{2019}",
        "Avenue de ",
        "Boulevard de ",
        "Calle ",
        "Avenida ",
        "Rua ",
        // An airline: "Air New Zealand", "Air India".
        "Air ",
    ];
    STREETS.iter().any(|s| before.ends_with(s))
}

/// Whether the text between two mentions only joins them into one list: a comma, "and",
/// "or", a slash, maybe "most of"/"parts of" ("Israeli, Iranian, and most of Iraqi airspace"),
/// maybe an article ("La Côte d'Ivoire et le Sénégal", "Colombia y la República Dominicana").
pub(super) fn joined(between: &str) -> bool {
    if between.len() > 24 || between.contains(['.', ';', ':', '(', ')']) {
        return false;
    }
    let words: Vec<&str> =
        between.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    let had_comma = between.contains(',');
    match words.as_slice() {
        [] => had_comma,
        ["and" | "or" | "&" | "/" | "et" | "ou" | "y" | "e" | "o"] => true,
        ["and" | "or", q, "of"] | [q, "of"] => matches!(*q, "most" | "parts" | "part" | "much" | "all"),
        [
            "and" | "or" | "et" | "ou" | "y" | "o",
            "the" | "le" | "la" | "les" | "l'" | "el" | "los" | "las",
        ] => true,
        ["the"] => had_comma,
        // "India, along with the Philippines and Pakistan", "as well as".
        ["along", "with"] | ["along", "with", "the"] | ["as", "well", "as"] | ["as", "well", "as", "the"] => {
            true
        }
        _ => false,
    }
}

/// Places in one list share the role that the words around the list give it: a lead before
/// the list reaches forward ("bordering Cambodia and Laos", "citizens of Iran, Iraq and
/// Syria"), a noun or verb after it reaches back ("Russian and Kazakh forces", "Australia
/// and New Zealand dispatched"). A demonym left as a bare word only because a comma follows
/// it ("Israeli, Iranian and Iraqi airspace") takes the role of the list's last item.
fn share_roles_in_lists(text: &str, out: &mut [Mention]) {
    if out.len() < 2 {
        return;
    }
    // link[i]: mentions i and i+1 are joined; a run of links is a list only when a
    // conjunction closes it ("A, B and C"); "fighting with Eritrea, Ethiopia declared" is not.
    let between = |i: usize| &text[out[i].end..out[i + 1].start];
    let link: Vec<bool> = (0..out.len() - 1).map(|i| joined(between(i))).collect();
    let conj = |i: usize| {
        let b = between(i);
        b.split(|c: char| !c.is_alphanumeric() && c != '&' && c != '/')
            .any(|w| matches!(w, "and" | "or" | "&" | "/" | "et" | "ou" | "y" | "e" | "o"))
    };
    let mut in_list = vec![false; link.len()];
    let mut i = 0;
    while i < link.len() {
        if !link[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < link.len() && link[i] {
            i += 1;
        }
        // A headline lists with commas alone ("Australia, New Zealand begin airlifts"): a run
        // that opens its sentence is a list too.
        let opens_sentence = text[..out[start].start]
            .trim_end()
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, '.' | '!' | '?' | ':' | '\n'));
        // So is one that ends it ("… bans entry to travellers from Iran, South Korea, Italy").
        let closes_sentence = text[out[i].end..]
            .trim_start_matches([' ', '\t'])
            .chars()
            .next()
            .is_none_or(|c| matches!(c, '.' | '!' | '?' | '\n'));
        if opens_sentence || closes_sentence || (start..i).any(conj) {
            in_list[start..i].iter_mut().for_each(|x| *x = true);
        }
    }
    for i in 1..out.len() {
        if in_list[i - 1] && out[i - 1].role == Role::Neighbour && out[i].role == Role::Plain {
            out[i].role = Role::Neighbour;
        }
    }
    for i in (0..out.len() - 1).rev() {
        if !in_list[i] {
            continue;
        }
        let (a, b) = (&out[i], &out[i + 1]);
        let bare_demonym = a.kind == Kind::Demonym && a.role == Role::Org && {
            let after = text[a.end..].trim_start();
            after.starts_with(',') || starts_with_ci(after, "and ") || starts_with_ci(after, "or ")
        };
        if b.role == Role::Actor && a.role == Role::Plain
            || bare_demonym && b.kind == Kind::Demonym && b.role != Role::Neighbour
        {
            out[i].role = b.role;
        }
    }
}

/// "Atlanta, Georgia": a country name right after "<city>, " where that city has no namesake
/// in the country is a region (a US state, a province), not the country. "Tbilisi, Georgia"
/// stays the country.
fn demote_regions_named_like_countries(text: &str, out: &mut [Mention], g: &Gazetteer) {
    for i in 1..out.len() {
        let (prev, cur) = (&out[i - 1], &out[i]);
        let Kind::Name = cur.kind else { continue };
        if !matches!(prev.kind, Kind::City(_)) || text.get(prev.end..cur.start) != Some(", ") {
            continue;
        }
        let in_country = prev.candidates.iter().any(|&c| g.city(c).country == cur.country);
        if !in_country {
            out[i].role = Role::Org;
        }
    }
}

/// Salience weight of a mention for choosing the subject country.
pub fn weight(m: &Mention) -> f32 {
    let base = match m.kind {
        Kind::Name => 3.0,
        Kind::Demonym => 2.0,
        Kind::City(_) => 1.5,
    };
    match m.role {
        Role::Plain => base,
        Role::Actor => base * 0.3,
        Role::Org | Role::Neighbour => base * 0.2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_reading_of_following_words_agrees_with_the_decoded_one() {
        for after in [
            " forces entered",
            " direct hire employees",
            " and its forces",
            " 2022 forces",
            "'s  military, police",
            " Été forces",
            " armed\u{2019}s forces",
            " ٣ forces",
            " x y z forces",
            "",
            " ...   ",
            " naïve government",
            " SECURITY",
        ] {
            assert_eq!(actor_follows(after), actor_follows_decoded(after), "{after:?}");
        }
        assert!(actor_follows(" armed forces"));
        assert!(!actor_follows(" and the forces"));
    }

    #[test]
    fn roles() {
        for (text, name, want) in [
            ("under the Russian led Collective Security Treaty", "Russian", Role::Org),
            ("use of lethal force by Kazakhstani security personnel", "Kazakhstani", Role::Actor),
            ("Sudan's border with Chad is closed", "Chad", Role::Neighbour),
            ("Sudan's border with Chad is closed", "Sudan", Role::Plain),
            ("The U.S. government employees must", "U.S.", Role::Actor),
            ("troops arrived in Kazakhstan on Thursday", "Kazakhstan", Role::Plain),
            ("The Government of Peru is organizing", "Peru", Role::Actor),
            ("Japan's government closed", "Japan", Role::Plain),
            ("Border roads with Eritrea are closed", "Eritrea", Role::Neighbour),
            ("ordered the departure of U.S. direct hire employees", "U.S.", Role::Actor),
            ("arrived in Kazakhstan where security forces", "Kazakhstan", Role::Plain),
            ("ferment les frontières (French)", "French", Role::Org),
        ] {
            let start = text.find(name).expect("name in text");
            let demonym = name.ends_with("ian") || name.ends_with("ani") || name == "French";
            assert_eq!(role(text, start, start + name.len(), demonym), want, "{name} in {text:?}");
        }
    }
}
