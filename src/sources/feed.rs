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
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if memchr::memmem::find(head, b"<!DOCTYPE").is_some() || memchr::memmem::find(head, b"<!ENTITY").is_some()
    {
        return Err(ParseError::Feed("documents with a DTD (<!DOCTYPE/<!ENTITY) are refused".into()));
    }
    Ok(())
}

/// The country named at the start of a travel-advice title, before " - Level".
pub fn title_country(title: &str) -> Option<crate::detect::places::CountryCode> {
    let (head, _) = title.split_once(" - Level").or_else(|| title.split_once(" – Level"))?;
    Gazetteer::get().resolve_country(head.trim())
}

/// Parse a feed document into advisories, one per item. `source` names the feed.
pub fn parse(bytes: &[u8], source: &str) -> Result<Vec<Advisory>, ParseError> {
    reject_dtd(bytes)?;
    let feed = feed_rs::parser::parse(bytes).map_err(|e| ParseError::Feed(e.to_string()))?;
    let mut out = Vec::new();
    for entry in feed.entries {
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
        out.push(adv);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
