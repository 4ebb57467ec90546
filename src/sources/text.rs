//! The text advisory format: optional `Key: value` header lines up to the first blank line,
//! then the body. A first paragraph counts as a header only if every line has the
//! `Key: value` shape and at least one key is known (`title`, `source`, `date`, …), so a body
//! that opens with "Warning: do not travel" stays body text.

use crate::advisory::{Advisory, PartialDate};
use crate::detect::places::Gazetteer;

use super::{ParseError, decode::decode};

const KNOWN_KEYS: &[&str] = &[
    "title",
    "source",
    "url",
    "link",
    "date",
    "published",
    "updated",
    "country",
    "countries",
    "author",
    "id",
    "guid",
    "language",
    "lang",
];

/// Parse text-format advisory bytes.
pub fn parse(bytes: &[u8], source: &str) -> Result<Advisory, ParseError> {
    let text = decode(bytes)?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let (headers, body) = split_header(&text);
    let mut adv = Advisory { source: source.to_owned(), body: body.trim().to_owned(), ..Default::default() };
    let g = Gazetteer::get();
    for (key, value) in headers {
        let k = key.to_ascii_lowercase();
        match k.as_str() {
            "title" => adv.title = value.clone(),
            "url" | "link" => adv.url = Some(value.clone()),
            "date" | "published" => adv.published = PartialDate::parse_value(&value),
            "id" | "guid" => adv.guid = Some(value.clone()),
            "country" | "countries" => {
                for part in value.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
                    let code =
                        g.resolve_country(part).ok_or_else(|| ParseError::UnknownCountry(part.to_owned()))?;
                    if !adv.countries.contains(&code) {
                        adv.countries.push(code);
                    }
                }
            }
            _ => {}
        }
        if k == "source" {
            // The declared source names the advisory's origin, so the same report arriving
            // through two paths is recognised as one.
            adv.source = value.clone();
            adv.metadata.insert("source".into(), value);
        } else if !matches!(k.as_str(), "title" | "country" | "countries") {
            adv.metadata.insert(k, value);
        }
    }
    if adv.title.is_empty() && adv.body.is_empty() {
        return Err(ParseError::Empty);
    }
    // "Kazakhstan - Level 3: Reconsider Travel" declares its country.
    if adv.countries.is_empty() {
        adv.countries.extend(super::feed::title_country(&adv.title));
    }
    Ok(adv)
}

/// Split off the header paragraph, if the first paragraph is one.
fn split_header(text: &str) -> (Vec<(String, String)>, &str) {
    let start = text.len() - text.trim_start_matches(['\n', ' ', '\t']).len();
    let rest = &text[start..];
    let (para, body) = match rest.find("\n\n") {
        Some(p) => (&rest[..p], &rest[p + 2..]),
        None => (rest, ""),
    };
    let mut headers = Vec::new();
    for line in para.lines() {
        match header_line(line) {
            Some(kv) => headers.push(kv),
            None => return (Vec::new(), rest),
        }
    }
    if headers.iter().any(|(k, _)| KNOWN_KEYS.contains(&k.to_ascii_lowercase().as_str())) {
        (headers, body)
    } else {
        (Vec::new(), rest)
    }
}

fn header_line(line: &str) -> Option<(String, String)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let ok = !key.is_empty()
        && key.len() <= 30
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '));
    ok.then(|| (key.to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_body() {
        let a = parse(b"title: Curfew in Lima\ndate: 2022-12-16\ncountry: Peru\nsource: embassy\n\nA curfew is in force.", "f").expect("ok");
        assert_eq!(a.title, "Curfew in Lima");
        assert_eq!(a.published.map(|d| d.to_string()).as_deref(), Some("2022-12-16"));
        assert_eq!(a.countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["PE"]);
        assert_eq!(a.body, "A curfew is in force.");
        assert_eq!(a.metadata.get("source").map(String::as_str), Some("embassy"));
    }

    #[test]
    fn a_hazard_header_is_plain_metadata_and_no_hazard_fact() {
        let a = parse(b"title: Quiet day\nhazard_type: EQ\nhazard_level: Red\n\nNothing happened.", "f")
            .expect("ok");
        assert_eq!(a.hazard, None, "only the GDACS and CAP readers set hazard facts");
        assert_eq!(a.metadata.get("hazard_type").map(String::as_str), Some("EQ"));
    }

    #[test]
    fn author_only_header_like_the_seed() {
        let a = parse("Author: A. Writer\n\nBody text here.".as_bytes(), "f").expect("ok");
        assert_eq!(a.metadata.get("author").map(String::as_str), Some("A. Writer"));
        assert_eq!(a.body, "Body text here.");
    }

    #[test]
    fn no_header_and_odd_bytes() {
        let a = parse(b"Warning: do not travel.\n\nMore text.", "f").expect("ok");
        assert!(a.title.is_empty());
        assert!(a.body.starts_with("Warning: do not travel."));
        let crlf = parse(b"\xEF\xBB\xBFtitle: T\r\n\r\nLine one.\r\nLine two.", "f").expect("ok");
        assert_eq!((crlf.title.as_str(), crlf.body.as_str()), ("T", "Line one.\nLine two."));
        let latin1 = parse(b"title: Caf\xE9\n\nBody", "f").expect("ok");
        assert_eq!(latin1.title, "Café");
        assert!(matches!(parse(b"", "f"), Err(ParseError::Empty)));
        assert!(matches!(parse(b"country: Atlantis\n\nx", "f"), Err(ParseError::UnknownCountry(_))));
    }
}
