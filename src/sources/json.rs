//! The JSON advisory shape:
//! `{"title", "body" | "html", "url", "published", "countries": ["KZ", "Kazakhstan"], "id", "source", …}`.
//! Unknown string fields are kept as metadata.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::advisory::{Advisory, PartialDate};
use crate::detect::places::Gazetteer;

use super::{ParseError, html};

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    title: String,
    body: Option<String>,
    html: Option<String>,
    url: Option<String>,
    published: Option<String>,
    #[serde(default)]
    countries: Vec<String>,
    id: Option<String>,
    source: Option<String>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_json::Value>,
}

/// Parse one JSON advisory.
pub fn parse(bytes: &[u8], source: &str) -> Result<Advisory, ParseError> {
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| ParseError::Json(e.to_string()))?;
    let body = match (raw.body, raw.html) {
        (Some(b), _) => b,
        (None, Some(h)) => html::to_text(&h),
        (None, None) => String::new(),
    };
    if raw.title.trim().is_empty() && body.trim().is_empty() {
        return Err(ParseError::Json("needs a non-empty `title`, `body` or `html`".into()));
    }
    let g = Gazetteer::get();
    let mut countries = Vec::new();
    for c in &raw.countries {
        let code = g.resolve_country(c).ok_or_else(|| ParseError::UnknownCountry(c.clone()))?;
        if !countries.contains(&code) {
            countries.push(code);
        }
    }
    if countries.is_empty() {
        countries.extend(super::feed::title_country(&raw.title));
    }
    let metadata = raw
        .extra
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Number(n) => Some((k, n.to_string())),
            _ => None,
        })
        .collect();
    Ok(Advisory {
        source: raw.source.unwrap_or_else(|| source.to_owned()),
        guid: raw.id,
        title: raw.title.trim().to_owned(),
        body: body.trim().to_owned(),
        url: raw.url,
        published: raw.published.as_deref().and_then(PartialDate::parse_value),
        countries,
        metadata,
        cap: None,
        hazard: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json() {
        let a = parse(br#"{"title":"T","html":"<p>A curfew.</p><p>B.</p>","countries":["kz","Burma"],"published":"2022-01-06T10:00:00Z","severity":"x"}"#, "f").expect("ok");
        assert_eq!(a.body, "A curfew.\n\nB.");
        assert_eq!(a.countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["KZ", "MM"]);
        assert_eq!(a.published.map(|d| d.to_string()).as_deref(), Some("2022-01-06"));
        assert_eq!(a.metadata.get("severity").map(String::as_str), Some("x"));
        assert!(matches!(parse(b"{\"title\": 3}", "f"), Err(ParseError::Json(_))));
        assert!(matches!(parse(b"{}", "f"), Err(ParseError::Json(_))));
        assert!(matches!(
            parse(br#"{"title":"x","countries":["Narnia"]}"#, "f"),
            Err(ParseError::UnknownCountry(_))
        ));
    }
}
