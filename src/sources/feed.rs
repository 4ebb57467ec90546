//! RSS 2.0 and Atom feeds (feed-rs) to advisories. HTML item bodies become plain text.
//! Government travel-advice titles ("Kazakhstan - Level 3: Reconsider Travel") name the
//! subject country, which becomes the advisory's declared country. A feed that is not XML,
//! or that uses DTD tricks, is rejected with a reason; the parser never expands entities from
//! a DTD and never fetches anything.

use crate::advisory::{Advisory, PartialDate};
use crate::detect::places::Gazetteer;

use super::{ParseError, html};

/// Refuse documents with a DTD outright: billion-laughs and external entities live there,
/// and no feed needs one.
pub fn reject_dtd(bytes: &[u8]) -> Result<(), ParseError> {
    // The whole document: a declaration is allowed only in the prolog, but a parser that
    // tolerates one later must never see it either.
    if memchr::memmem::find(bytes, b"<!DOCTYPE").is_some()
        || memchr::memmem::find(bytes, b"<!ENTITY").is_some()
    {
        return Err(ParseError::Feed("documents with a DTD (<!DOCTYPE/<!ENTITY) are refused".into()));
    }
    Ok(())
}

/// Whether bytes are an RSS or Atom document: the first element (after the XML declaration,
/// comments and processing instructions) is `rss`, `feed` or `RDF` (RSS 1.0), with or without
/// a namespace prefix.
pub fn looks_like_feed(bytes: &[u8]) -> bool {
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    rest = &rest[..rest.len().min(8192)];
    loop {
        let Some(i) = rest.iter().position(|b| !b.is_ascii_whitespace()) else { return false };
        rest = &rest[i..];
        if rest.starts_with(b"<?") {
            let Some(end) = memchr::memmem::find(rest, b"?>") else { return false };
            rest = &rest[end + 2..];
        } else if rest.starts_with(b"<!--") {
            let Some(end) = memchr::memmem::find(rest, b"-->") else { return false };
            rest = &rest[end + 3..];
        } else if let Some(tag) = rest.strip_prefix(b"<") {
            let end = tag.iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/');
            let name = &tag[..end.unwrap_or(tag.len())];
            let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
            return matches!(local, b"rss" | b"feed" | b"RDF");
        } else {
            return false;
        }
    }
}

/// The country named at the start of a travel-advice title, before " - Level".
pub fn title_country(title: &str) -> Option<crate::detect::places::CountryCode> {
    let (head, _) = title.split_once(" - Level").or_else(|| title.split_once(" – Level"))?;
    Gazetteer::get().resolve_country(head.trim())
}

/// A UTF-8 document (declared so, or not declared) with invalid bytes, made valid by replacing
/// them with U+FFFD, so one stray byte does not silence a whole feed. Documents that declare
/// another encoding are left for the XML parser to decode.
fn lossy_utf8(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if std::str::from_utf8(bytes).is_ok() {
        return bytes.into();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let declared = head
        .split_once("encoding")
        .filter(|_| head.starts_with("<?xml") || head.starts_with("\u{feff}<?xml"))
        .and_then(|(_, rest)| rest.split(['"', '\'']).nth(1).map(str::to_owned));
    match declared.as_deref() {
        None | Some("utf-8" | "utf8") => String::from_utf8_lossy(bytes).into_owned().into_bytes().into(),
        Some(_) => bytes.into(),
    }
}

fn parse_feed(bytes: &[u8]) -> Result<feed_rs::model::Feed, ParseError> {
    reject_dtd(bytes)?;
    let text = lossy_utf8(bytes);
    feed_rs::parser::parse(&*super::dates::normalize_feed_dates(&text))
        .map_err(|e| ParseError::Feed(e.to_string()))
}

/// Parse a feed document into advisories, one per item. `source` names the feed.
pub fn parse(bytes: &[u8], source: &str) -> Result<Vec<Advisory>, ParseError> {
    let feed = parse_feed(bytes)?;
    let mut out = Vec::new();
    let hazards = hazard_fields(bytes);
    for (index, entry) in feed.entries.into_iter().enumerate() {
        let title = entry.title.as_ref().map(|t| html::to_text(&t.content)).unwrap_or_default();
        let body_html = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
            .unwrap_or_default();
        let body = html::to_text(&body_html);
        if title.trim().is_empty() && body.trim().is_empty() {
            continue;
        }
        let published = entry.published.or(entry.updated).map(|d| d.format("%Y-%m-%d").to_string());
        let mut adv = Advisory {
            source: source.to_owned(),
            guid: Some(entry.id.clone()).filter(|g| !g.is_empty()),
            title: title.trim().to_owned(),
            body: body.trim().to_owned(),
            url: entry.links.first().map(|l| l.href.clone()),
            published: published.as_deref().and_then(PartialDate::find),
            ..Default::default()
        };
        if let Some(c) = title_country(&adv.title) {
            adv.countries.push(c);
        }
        if let Some(h) = hazards.get(index) {
            apply_hazard_fields(&mut adv, h);
        }
        out.push(adv);
    }
    Ok(out)
}

/// GDACS's fields of each item, in document order (`gdacs:eventtype`, `gdacs:alertlevel`,
/// `gdacs:country`, `gdacs:eventname`, `gdacs:iscurrent`); an empty map for items without.
fn hazard_fields(bytes: &[u8]) -> Vec<std::collections::BTreeMap<String, String>> {
    use quick_xml::events::Event;
    let mut out = Vec::new();
    if memchr::memmem::find(bytes, b"gdacs:").is_none() {
        return out;
    }
    let text = String::from_utf8_lossy(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut in_item, mut field): (bool, Option<String>) = (false, None);
    loop {
        match reader.read_event() {
            Err(_) | Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                if name == "item" || name == "entry" {
                    in_item = true;
                    out.push(std::collections::BTreeMap::new());
                } else if in_item && name.starts_with("gdacs:") {
                    field = Some(name["gdacs:".len()..].to_owned());
                }
            }
            Ok(Event::Text(t)) => {
                if let (Some(f), Some(m)) = (&field, out.last_mut()) {
                    let v = AsRef::<str>::as_ref(&t).trim().to_owned();
                    if !v.is_empty() {
                        m.insert(f.clone(), v);
                    }
                }
            }
            Ok(Event::End(e)) => {
                let name = e.name();
                let name: &str = name.as_ref();
                if name == "item" || name == "entry" {
                    in_item = false;
                }
                field = None;
            }
            Ok(_) => {}
        }
    }
    out
}

/// Carry an item's hazard fields as the advisory's hazard facts, and the countries they name
/// as declared places.
fn apply_hazard_fields(adv: &mut Advisory, h: &std::collections::BTreeMap<String, String>) {
    let Some(code) = h.get("eventtype").map(|k| k.trim().to_ascii_uppercase()) else { return };
    let text = |k: &str| h.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    adv.hazard = Some(crate::advisory::HazardFacts {
        code,
        level: text("alertlevel"),
        name: text("eventname"),
        current: !h.get("iscurrent").is_some_and(|c| c.trim().eq_ignore_ascii_case("false")),
    });
    for name in h.get("country").map(|c| c.split([',', ';'])).into_iter().flatten() {
        if let Some(c) = Gazetteer::get().resolve_country(name.trim())
            && !adv.countries.contains(&c)
        {
            adv.countries.push(c);
        }
    }
}

/// The items of a CAP index feed: for each entry, a key (its id and update time, so a changed
/// entry is fetched again) and the link to its CAP alert — the link typed as CAP, else one
/// ending in `.cap`/`.xml`, else the entry's first link.
pub fn cap_links(bytes: &[u8]) -> Result<Vec<(String, String)>, ParseError> {
    let feed = parse_feed(bytes)?;
    let mut out = Vec::new();
    for entry in feed.entries {
        let typed = entry.links.iter().find(|l| l.media_type.as_deref().is_some_and(|t| t.contains("cap")));
        let named = entry.links.iter().find(|l| l.href.ends_with(".cap") || l.href.ends_with(".xml"));
        let Some(link) = typed.or(named).or(entry.links.first()) else { continue };
        let updated = entry.updated.or(entry.published).map(|d| d.to_rfc3339()).unwrap_or_default();
        out.push((format!("{}@{updated}", entry.id), link.href.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_are_told_by_their_root_element() {
        assert!(looks_like_feed(
            b"<?xml version=\"1.0\"?>\n<!-- a note -->\n<rss version=\"2.0\"><channel/></rss>"
        ));
        assert!(looks_like_feed(b"\xEF\xBB\xBF<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(looks_like_feed(b"<rdf:RDF xmlns:rdf=\"x\">"));
        assert!(looks_like_feed(b"<atom:feed xmlns:atom=\"x\">"));
        assert!(!looks_like_feed(b"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"));
        assert!(!looks_like_feed(b"Title: the rss feed was down\n\n<rss> in text"));
        assert!(!looks_like_feed(b"<feedback>no</feedback>"));
        assert!(!looks_like_feed(b"{\"title\": \"<rss>\"}"));
    }

    #[test]
    fn a_dtd_is_refused_wherever_it_hides() {
        let mut doc = b"<?xml version=\"1.0\"?><rss><channel>".to_vec();
        doc.extend(std::iter::repeat_n(b' ', 200_000));
        doc.extend_from_slice(b"<!ENTITY x \"y\"></channel></rss>");
        assert!(reject_dtd(&doc).is_err(), "past the first 64 KiB too");
        assert!(reject_dtd(b"<rss><channel></channel></rss>").is_ok());
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Travel advice</title><link>https://example.org/</link><description>d</description>
<item><title>Kazakhstan - Level 3: Reconsider Travel</title><link>https://example.org/kz</link>
<guid isPermaLink="false">kz-2022-01-06</guid><pubDate>Thu, 06 Jan 2022 10:00:00 GMT</pubDate>
<description><![CDATA[<p>A state of emergency is in place across the country.</p><ul><li>Foreigners are barred from entering.</li></ul>]]></description></item>
<item><title>Empty</title><guid>e</guid></item>
</channel></rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Alerts</title><id>urn:x</id><updated>2022-01-06T10:00:00Z</updated>
<entry><title>Curfew in Lima</title><id>urn:alert:1</id><updated>2022-12-16T10:00:00Z</updated><link href="https://example.org/pe"/>
<content type="html">&lt;p&gt;A curfew is in force in Lima.&lt;/p&gt;</content></entry></feed>"#;

    #[test]
    fn gdacs_fields_become_typed_hazard_facts() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0" xmlns:gdacs="http://www.gdacs.org"><channel><title>GDACS</title>
<item><title>Orange earthquake alert in Nowhere</title><guid>EQ1</guid><description>An earthquake.</description>
<gdacs:eventtype> eq </gdacs:eventtype><gdacs:alertlevel>Orange</gdacs:alertlevel><gdacs:eventname></gdacs:eventname>
<gdacs:iscurrent>false</gdacs:iscurrent><gdacs:country>Chile</gdacs:country></item>
<item><title>Plain item</title><guid>P1</guid><description>Text.</description></item>
</channel></rss>"#;
        let items = parse(rss.as_bytes(), "gdacs").expect("feed");
        assert_eq!(
            items[0].hazard,
            Some(crate::advisory::HazardFacts {
                code: "EQ".into(),
                level: Some("Orange".into()),
                name: None,
                current: false
            })
        );
        assert_eq!(items[0].countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["CL"]);
        assert!(items[0].metadata.is_empty(), "{:?}", items[0].metadata);
        assert_eq!(items[1].hazard, None);
    }

    #[test]
    fn invalid_utf8_in_a_utf8_feed_is_decoded_lossily() {
        let mut bytes = RSS.as_bytes().to_vec();
        let at = bytes.windows(5).position(|w| w == b"state").expect("word");
        bytes[at] = 0xff;
        let items = parse(&bytes, "x").expect("decoded lossily");
        assert!(items[0].body.starts_with("A \u{FFFD}tate of emergency"), "{}", items[0].body);
    }

    #[test]
    fn cap_index_entries_link_to_their_alerts() {
        let index = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Alerts</title><id>urn:idx</id><updated>2022-01-06T10:00:00Z</updated>
<entry><id>urn:a:1</id><title>Curfew</title><updated>2022-01-06T10:00:00Z</updated>
<link href="https://example.org/page/1" type="text/html"/><link href="/cap/1" type="application/cap+xml"/></entry>
<entry><id>urn:a:2</id><title>Closure</title><updated>2022-01-06T11:00:00Z</updated><link href="https://example.org/alerts/2.xml"/></entry>
<entry><id>urn:a:3</id><title>No link</title><updated>2022-01-06T11:00:00Z</updated></entry>
</feed>"#;
        let links = cap_links(index.as_bytes()).expect("index");
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].1, "/cap/1", "the CAP-typed link wins over the first");
        assert!(links[0].0.starts_with("urn:a:1@2022-01-06T10:00:00"), "{}", links[0].0);
        assert_eq!(links[1].1, "https://example.org/alerts/2.xml");
        assert!(cap_links(b"not xml").is_err());
    }

    #[test]
    fn rss_and_atom_items_become_advisories() {
        let items = parse(RSS.as_bytes(), "state-dept").expect("rss");
        assert_eq!(items.len(), 2);
        let kz = &items[0];
        assert_eq!(kz.guid.as_deref(), Some("kz-2022-01-06"));
        assert_eq!(kz.countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["KZ"]);
        assert_eq!(kz.published.map(|d| d.to_string()).as_deref(), Some("2022-01-06"));
        assert!(
            kz.body
                .contains("A state of emergency is in place across the country.\n\n• Foreigners are barred"),
            "{}",
            kz.body
        );
        let atom = parse(ATOM.as_bytes(), "atom").expect("atom");
        assert_eq!(atom[0].title, "Curfew in Lima");
        assert_eq!(atom[0].body, "A curfew is in force in Lima.");
        assert_eq!(atom[0].url.as_deref(), Some("https://example.org/pe"));
    }

    #[test]
    fn hostile_feeds_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><rss><channel><item><title>&lol2;</title></item></channel></rss>"#;
        assert!(matches!(parse(laughs.as_bytes(), "x"), Err(ParseError::Feed(m)) if m.contains("DTD")));
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&x;</title></item></channel></rss>"#;
        assert!(parse(xxe.as_bytes(), "x").is_err());
        assert!(matches!(parse(b"this is not xml", "x"), Err(ParseError::Feed(_))));
        assert!(parse(&[0xff, 0xfe, 0x00], "x").is_err());
    }
}
