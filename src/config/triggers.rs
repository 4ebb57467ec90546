//! Trigger files: parse and validate `triggers.toml` into a [`TriggerSet`].
//!
//! Input: one or more TOML files (or the compiled-in default library). Output: a validated
//! [`TriggerSet`]. Failure policy: the first problem found is returned with file, line,
//! column and field; nothing is half-loaded.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::detect::normalize::normalize_pattern;
use crate::detect::trigger::{FromPlaces, Near, Polarity, Severity, Term, Trigger, TriggerId, TriggerSet};

/// The default library, compiled in from `config/triggers.toml`.
pub const DEFAULT_TRIGGERS: &str = include_str!("../../config/triggers.toml");
/// Name used in messages about the compiled-in library.
pub const DEFAULT_TRIGGERS_NAME: &str = "<built-in config/triggers.toml>";

/// A located problem in a trigger file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {field}: {message}")]
pub struct TriggerFileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    trigger: Vec<Spanned<RawTrigger>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrigger {
    id: Spanned<String>,
    name: Spanned<String>,
    severity: Spanned<String>,
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    #[serde(default)]
    near: Vec<Spanned<RawNear>>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    clears: Option<Spanned<String>>,
    #[serde(default)]
    ignore_modifiers: Vec<Spanned<String>>,
    from_places: Option<Spanned<String>>,
    /// "exclude": flights stopped on routes to or from named countries do not fire it.
    routes: Option<Spanned<String>>,
    /// A one-off event rather than a state that lasts (see `Trigger::event`).
    #[serde(default)]
    event: bool,
    /// Natural-hazard code fired by structured feed fields: EQ, TC, FL, VO, TS, WF or DR.
    hazard: Option<Spanned<String>>,
    /// Phrases, near rules and excludes in another language than English, by language code
    /// (`[trigger.lang.fr]`). Only languages whose modifier cues (negation, modality, lifting)
    /// the engine has are accepted.
    #[serde(default)]
    lang: std::collections::BTreeMap<String, Spanned<RawLang>>,
    /// Free text for humans; not used by the engine.
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLang {
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    #[serde(default)]
    near: Vec<Spanned<RawNear>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

/// Languages whose modifier vocabulary (`detect::cues`) the engine carries, besides English.
pub const CUE_LANGUAGES: &[&str] = &["fr", "es"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNear {
    a: Vec<Spanned<String>>,
    b: Vec<Spanned<String>>,
    #[serde(default = "default_within")]
    within: usize,
    #[serde(default = "default_lift_alone")]
    lift_alone: bool,
}

fn default_lift_alone() -> bool {
    true
}

fn default_within() -> usize {
    6
}

/// Where a trigger came from, for duplicate and `clears` messages.
struct Located {
    trigger: Trigger,
    file: String,
    source: String,
    id_span: Range<usize>,
    clears_span: Option<Range<usize>>,
}

fn locate(file: &str, src: &str, span: Range<usize>, field: &str, message: String) -> TriggerFileError {
    let at = span.start.min(src.len());
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    TriggerFileError { file: file.to_owned(), line, column, field: field.to_owned(), message }
}

fn parse_term(file: &str, src: &str, raw: &Spanned<String>, field: &str) -> Result<Term, TriggerFileError> {
    let text = raw.get_ref().trim();
    let (body, prefix) = match text.strip_suffix('*') {
        Some(b) => (b, true),
        None => (text, false),
    };
    let folded = normalize_pattern(body).to_lowercase();
    if folded.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return Err(locate(
            file,
            src,
            raw.span(),
            field,
            format!("term {text:?} is too short to match safely"),
        ));
    }
    if folded.contains('*') {
        return Err(locate(
            file,
            src,
            raw.span(),
            field,
            format!("term {text:?}: * is only allowed at the end"),
        ));
    }
    Ok(Term { text: folded, prefix })
}

fn parse_terms(
    file: &str,
    src: &str,
    raws: &[Spanned<String>],
    field: &str,
) -> Result<Vec<Term>, TriggerFileError> {
    raws.iter().map(|r| parse_term(file, src, r, field)).collect()
}

fn parse_trigger(file: &str, src: &str, raw: &Spanned<RawTrigger>) -> Result<Located, TriggerFileError> {
    let t = raw.get_ref();
    let err = |span: Range<usize>, field: &str, msg: String| locate(file, src, span, field, msg);
    let id = TriggerId::parse(t.id.get_ref()).map_err(|m| err(t.id.span(), "id", m))?;
    let name = t.name.get_ref().trim().to_owned();
    if name.is_empty() || name.contains(['\r', '\n']) {
        return Err(err(t.name.span(), "name", "name must be one non-empty line".into()));
    }
    let severity: Severity =
        t.severity.get_ref().parse().map_err(|m| err(t.severity.span(), "severity", m))?;
    let mut phrases = parse_terms(file, src, &t.phrases, "phrases")?;
    let mut exclude = parse_terms(file, src, &t.exclude, "exclude")?;
    let mut near_raw: Vec<&Spanned<RawNear>> = t.near.iter().collect();
    for (code, l) in &t.lang {
        if !CUE_LANGUAGES.contains(&code.as_str()) {
            return Err(err(
                l.span(),
                "lang",
                format!(
                    "language {code:?} has no modifier vocabulary (negation, modality, lifting) in this \
                     engine; phrases can be given for: {}",
                    CUE_LANGUAGES.join(", ")
                ),
            ));
        }
        let l = l.get_ref();
        phrases.extend(parse_terms(file, src, &l.phrases, "lang.phrases")?);
        exclude.extend(parse_terms(file, src, &l.exclude, "lang.exclude")?);
        near_raw.extend(l.near.iter());
    }
    let mut near = Vec::new();
    for n in near_raw {
        let r = n.get_ref();
        if r.a.is_empty() || r.b.is_empty() {
            return Err(err(n.span(), "near", "both `a` and `b` need at least one term".into()));
        }
        if r.within == 0 || r.within > 40 {
            return Err(err(n.span(), "near.within", format!("within = {} must be 1..=40 words", r.within)));
        }
        near.push(Near {
            a: parse_terms(file, src, &r.a, "near.a")?,
            b: parse_terms(file, src, &r.b, "near.b")?,
            within: r.within,
            lift_alone: r.lift_alone,
        });
    }
    let mut regex = Vec::new();
    for r in &t.regex {
        let pattern = format!("(?i){}", r.get_ref());
        if let Err(e) = regex::Regex::new(&pattern) {
            let first = e.to_string().lines().last().unwrap_or("invalid").trim().to_owned();
            return Err(err(
                r.span(),
                "regex",
                format!("invalid regular expression {:?}: {first}", r.get_ref()),
            ));
        }
        regex.push(pattern);
    }
    let clears = match &t.clears {
        Some(c) => Some(TriggerId::parse(c.get_ref()).map_err(|m| err(c.span(), "clears", m))?),
        None => None,
    };
    let ignore_modifiers = t
        .ignore_modifiers
        .iter()
        .map(|m| Polarity::parse_modifier(m.get_ref()).map_err(|e| err(m.span(), "ignore_modifiers", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let from_places = match &t.from_places {
        None => FromPlaces::Neutral,
        Some(f) => match f.get_ref().as_str() {
            "neutral" => FromPlaces::Neutral,
            "prefer" => FromPlaces::Prefer,
            "exclude" => FromPlaces::Exclude,
            other => {
                return Err(err(
                    f.span(),
                    "from_places",
                    format!("unknown value {other:?} (expected neutral, prefer or exclude)"),
                ));
            }
        },
    };
    let routes_excluded = match &t.routes {
        None => false,
        Some(r) => match r.get_ref().as_str() {
            "neutral" => false,
            "exclude" => true,
            other => {
                return Err(err(
                    r.span(),
                    "routes",
                    format!("unknown value {other:?} (expected neutral or exclude)"),
                ));
            }
        },
    };
    let hazard = match &t.hazard {
        None => None,
        Some(h) => {
            let code = h.get_ref().trim().to_ascii_uppercase();
            if !crate::detect::hazards::CODES.contains(&code.as_str()) {
                return Err(err(
                    h.span(),
                    "hazard",
                    format!("unknown hazard {code:?} (use {})", crate::detect::hazards::CODES.join(", ")),
                ));
            }
            Some(code)
        }
    };
    if phrases.is_empty() && near.is_empty() && regex.is_empty() && clears.is_none() && hazard.is_none() {
        return Err(err(
            raw.span(),
            "phrases",
            format!("trigger {id} has no phrases, near rules or regex, so it can never fire"),
        ));
    }
    Ok(Located {
        trigger: Trigger {
            id,
            name: name.into(),
            severity,
            phrases,
            near,
            regex,
            exclude,
            clears,
            ignore_modifiers,
            from_places,
            routes_excluded,
            event: t.event,
            hazard,
        },
        file: file.to_owned(),
        source: src.to_owned(),
        id_span: t.id.span(),
        clears_span: t.clears.as_ref().map(|c| c.span()),
    })
}

fn parse_file(file: &str, src: &str) -> Result<Vec<Located>, TriggerFileError> {
    let raw: RawFile = toml::from_str(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().to_owned();
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
            .unwrap_or("toml")
            .to_owned();
        locate(file, src, span, &field, msg)
    })?;
    raw.trigger.iter().map(|t| parse_trigger(file, src, t)).collect()
}

/// Parse and validate trigger sources given as `(name, contents)` pairs, in order.
pub fn parse_sources(sources: &[(String, String)]) -> Result<TriggerSet, TriggerFileError> {
    let mut all: Vec<Located> = Vec::new();
    for (name, src) in sources {
        all.extend(parse_file(name, src)?);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, l) in all.iter().enumerate() {
        if let Some(&first) = seen.get(l.trigger.id.as_str()) {
            let f = &all[first];
            let where_first = locate(&f.file, &f.source, f.id_span.clone(), "id", String::new());
            return Err(locate(
                &l.file,
                &l.source,
                l.id_span.clone(),
                "id",
                format!(
                    "duplicate trigger id {} (first defined at {}:{})",
                    l.trigger.id, where_first.file, where_first.line
                ),
            ));
        }
        seen.insert(l.trigger.id.as_str().to_owned(), i);
    }
    for l in &all {
        if let Some(c) = &l.trigger.clears {
            let span = l.clears_span.clone().unwrap_or(0..0);
            if !seen.contains_key(c.as_str()) {
                return Err(locate(
                    &l.file,
                    &l.source,
                    span,
                    "clears",
                    format!("clears unknown trigger {c}"),
                ));
            }
            if c == &l.trigger.id {
                return Err(locate(
                    &l.file,
                    &l.source,
                    span,
                    "clears",
                    "a trigger cannot clear itself".into(),
                ));
            }
        }
    }
    if all.is_empty() {
        let name = sources.first().map_or("<none>", |s| s.0.as_str());
        return Err(TriggerFileError {
            file: name.to_owned(),
            line: 1,
            column: 1,
            field: "trigger".into(),
            message: "no [[trigger]] entries".into(),
        });
    }
    Ok(TriggerSet::from_validated(all.into_iter().map(|l| l.trigger).collect()))
}

/// The compiled-in default library.
pub fn default_set() -> TriggerSet {
    parse_sources(&[(DEFAULT_TRIGGERS_NAME.to_owned(), DEFAULT_TRIGGERS.to_owned())])
        .unwrap_or_else(|e| panic!("built-in trigger library is invalid: {e}"))
}

/// Load trigger files from disk. A file that cannot be read is reported with its path.
pub fn load_files(paths: &[impl AsRef<Path>]) -> Result<TriggerSet, TriggerFileError> {
    let mut sources = Vec::new();
    for p in paths {
        let p = p.as_ref();
        let name = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|e| TriggerFileError {
            file: name.clone(),
            line: 0,
            column: 0,
            field: "file".into(),
            message: format!("cannot read: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| TriggerFileError {
            file: name.clone(),
            line: 0,
            column: 0,
            field: "file".into(),
            message: format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        })?;
        sources.push((name, text));
    }
    parse_sources(&sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(src: &str, line: usize, field: &str, needle: &str) {
        let err = parse_sources(&[("t.toml".into(), src.into())]).expect_err("should fail");
        assert_eq!((err.line, err.field.as_str()), (line, field), "{err}");
        assert!(err.message.contains(needle), "{err} should mention {needle:?}");
        assert!(err.to_string().starts_with(&format!("t.toml:{line}:")), "{err}");
    }

    #[test]
    fn default_library_loads() {
        let set = default_set();
        for id in crate::app::eval::SCORED {
            assert!(set.get(id).is_some(), "missing {id}");
        }
        let lifted = set.index_of("state_of_emergency_lifted").expect("present");
        assert_eq!(set.clearer_of(set.index_of("state_of_emergency").expect("present")), Some(lifted));
    }

    #[test]
    fn errors_name_line_and_field() {
        let ok = "[[trigger]]\nid = \"a_b\"\nname = \"A\"\nseverity = \"high\"\nphrases = [\"alpha beta\"]\n";
        assert!(parse_sources(&[("t.toml".into(), ok.into())]).is_ok());
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"high\"\nphrasse = [\"ab\"]\n",
            5,
            "phrasse",
            "unknown field",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"severe\"\nphrases = [\"ab\"]\n",
            4,
            "severity",
            "unknown severity",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nregex = [\"(unclosed\"]\n",
            5,
            "regex",
            "invalid regular expression",
        );
        check_err(
            "[[trigger]]\nid = \"Bad-Id\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"ab\"]\n",
            2,
            "id",
            "invalid trigger id",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"ab\"]\nclears = \"nope\"\n",
            6,
            "clears",
            "unknown trigger",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"ab\"]\n[[trigger]]\nid = \"x\"\nname = \"Y\"\nseverity = \"low\"\nphrases = [\"cd\"]\n",
            7,
            "id",
            "duplicate",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\n",
            1,
            "phrases",
            "can never fire",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"a\"]\n",
            5,
            "phrases",
            "too short",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nphrases = [\"ab\"]\n",
            1,
            "severity",
            "missing field",
        );
        check_err(
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"ab\"]\nignore_modifiers = [\"nagated\"]\n",
            6,
            "ignore_modifiers",
            "unknown modifier",
        );
        check_err("[[trigger]\n", 1, "toml", "");
    }
}
