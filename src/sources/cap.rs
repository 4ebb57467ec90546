//! CAP 1.2 alerts (OASIS Common Alerting Protocol) to advisories.
//!
//! `identifier` and `sender` give the advisory's id; `headline` (or `event`) its title;
//! `description` and `instruction` its body; `area` (`areaDesc` names, `geocode` ISO 3166
//! codes) its declared countries. `status`, `msgType`, `references` and the first `info`'s
//! severity, urgency and certainty are kept for processing: only `Actual` alerts may alert; an
//! `Update` becomes a new version of the alert it references; a `Cancel` withdraws it.
//! Documents with a DTD are refused.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::advisory::{Advisory, PartialDate};
use crate::detect::places::Gazetteer;

use super::ParseError;

/// The CAP fields that steer processing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CapMeta {
    pub identifier: String,
    pub sender: String,
    pub status: String,
    pub msg_type: String,
    /// (sender, identifier) of each referenced alert.
    pub references: Vec<(String, String)>,
    pub severity: Option<String>,
    pub urgency: Option<String>,
    pub certainty: Option<String>,
}

/// Deepest element nesting accepted in a CAP document.
pub const MAX_DEPTH: usize = 32;

/// Whether bytes look like a CAP alert.
pub fn looks_like_cap(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    // The root element, with or without a namespace prefix (`<alert`, `<cap:alert`).
    let root = memchr::memmem::find_iter(head, b"alert").any(|i| {
        let after = matches!(head.get(i + 5), Some(b' ' | b'>' | b'\n' | b'\r' | b'\t'));
        let Some(open) = head[..i].iter().rposition(|b| *b == b'<') else { return false };
        let prefix = &head[open + 1..i];
        let named = prefix.is_empty()
            || (prefix.ends_with(b":")
                && prefix[..prefix.len() - 1]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'));
        after && named
    });
    root && memchr::memmem::find(head, b"urn:oasis:names:tc:emergency:cap").is_some()
}

/// Parse one CAP alert.
pub fn parse(bytes: &[u8]) -> Result<(Advisory, CapMeta), ParseError> {
    super::feed::reject_dtd(bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::Cap("not UTF-8".into()))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut meta = CapMeta::default();
    let (mut headline, mut event, mut description, mut instruction, mut web, mut sent) =
        (String::new(), String::new(), String::new(), String::new(), None, String::new());
    let mut area_descs: Vec<String> = Vec::new();
    let mut geocodes: Vec<(String, String)> = Vec::new();
    let mut value_name = String::new();
    let mut infos = 0;
    let mut buf = String::new();
    loop {
        match reader.read_event() {
            Err(e) => return Err(ParseError::Cap(format!("at byte {}: {e}", reader.buffer_position()))),
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => return Err(ParseError::Cap("DTD refused".into())),
            Ok(Event::Start(e)) => {
                // CAP nests five deep (alert/info/area/geocode/value); a document that nests
                // far deeper is not CAP and is refused before it can cost anything.
                if path.len() >= MAX_DEPTH {
                    return Err(ParseError::Cap(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                let name = AsRef::<str>::as_ref(&e.local_name()).to_owned();
                if name == "info" {
                    infos += 1;
                }
                path.push(name);
                buf.clear();
            }
            Ok(Event::End(_)) => {
                // Only paths of CAP's own depth carry fields: anything deeper is skipped
                // without building its path, so each end tag costs O(1).
                if !buf.is_empty() && path.len() <= 5 {
                    append(
                        &path,
                        &buf,
                        infos,
                        &mut meta,
                        &mut headline,
                        &mut event,
                        &mut description,
                        &mut instruction,
                        &mut web,
                        &mut sent,
                        &mut area_descs,
                        &mut geocodes,
                        &mut value_name,
                    );
                    buf.clear();
                }
                path.pop();
            }
            Ok(Event::Text(t)) => buf.push_str(t.as_ref()),
            Ok(Event::CData(t)) => buf.push_str(t.as_ref()),
            // Entity and character references arrive as their own events.
            Ok(Event::GeneralRef(r)) => {
                let name: &str = r.as_ref();
                let decoded = crate::sources::html::decode_entities(&format!("&{name};"));
                buf.push_str(&decoded);
            }
            Ok(_) => {}
        }
    }
    if meta.identifier.is_empty()
        || meta.sender.is_empty()
        || meta.status.is_empty()
        || meta.msg_type.is_empty()
    {
        return Err(ParseError::Cap("missing identifier, sender, status or msgType".into()));
    }
    let g = Gazetteer::get();
    let mut countries = Vec::new();
    for (name, value) in &geocodes {
        if (name.to_ascii_lowercase().contains("iso3166") || name.eq_ignore_ascii_case("country"))
            && let Some(c) = g.resolve_country(value)
        {
            countries.push(c);
        }
    }
    for desc in &area_descs {
        for part in desc.split([',', ';', '/']) {
            if let Some(c) = g.resolve_country(part.trim()) {
                countries.push(c);
            }
        }
    }
    countries.dedup();
    let body = [description.trim(), instruction.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut adv = Advisory {
        source: meta.sender.clone(),
        guid: Some(meta.identifier.clone()),
        title: if headline.is_empty() { event.clone() } else { headline },
        body,
        url: web,
        published: PartialDate::parse_value(&sent),
        countries,
        ..Default::default()
    };
    if let Some(code) = crate::detect::hazards::code_of_event(&event) {
        adv.metadata.insert("hazard_type".into(), code.into());
        adv.metadata.insert("hazard_name".into(), event.clone());
    }
    for (k, v) in [("cap_status", &meta.status), ("cap_msg_type", &meta.msg_type)] {
        adv.metadata.insert(k.into(), v.clone());
    }
    for (k, v) in
        [("cap_severity", &meta.severity), ("cap_urgency", &meta.urgency), ("cap_certainty", &meta.certainty)]
    {
        if let Some(v) = v {
            adv.metadata.insert(k.into(), v.clone());
        }
    }
    // An Update or Cancel continues the alert it references: same id, a new version.
    if matches!(meta.msg_type.as_str(), "Update" | "Cancel")
        && let Some((sender, identifier)) = meta.references.first()
    {
        adv.source = sender.clone();
        adv.guid = Some(identifier.clone());
    }
    Ok((adv, meta))
}

#[allow(clippy::too_many_arguments)]
fn append(
    path: &[String],
    v: &str,
    infos: usize,
    meta: &mut CapMeta,
    headline: &mut String,
    event: &mut String,
    description: &mut String,
    instruction: &mut String,
    web: &mut Option<String>,
    sent: &mut String,
    area_descs: &mut Vec<String>,
    geocodes: &mut Vec<(String, String)>,
    value_name: &mut String,
) {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["alert", "identifier"] => meta.identifier = v.trim().to_owned(),
        ["alert", "sender"] => meta.sender = v.trim().to_owned(),
        ["alert", "sent"] => *sent = v.trim().to_owned(),
        ["alert", "status"] => meta.status = v.trim().to_owned(),
        ["alert", "msgType"] => meta.msg_type = v.trim().to_owned(),
        ["alert", "references"] => {
            meta.references = v
                .split_whitespace()
                .filter_map(|r| {
                    let mut it = r.split(',');
                    Some((it.next()?.to_owned(), it.next()?.to_owned()))
                })
                .collect()
        }
        // Only the first info block (the primary language) is read.
        _ if infos > 1 => {}
        ["alert", "info", "headline"] => *headline = v.trim().to_owned(),
        ["alert", "info", "event"] => *event = v.trim().to_owned(),
        ["alert", "info", "description"] => *description = v.trim().to_owned(),
        ["alert", "info", "instruction"] => *instruction = v.trim().to_owned(),
        ["alert", "info", "web"] => *web = Some(v.trim().to_owned()),
        ["alert", "info", "severity"] => meta.severity = Some(v.trim().to_owned()),
        ["alert", "info", "urgency"] => meta.urgency = Some(v.trim().to_owned()),
        ["alert", "info", "certainty"] => meta.certainty = Some(v.trim().to_owned()),
        ["alert", "info", "area", "areaDesc"] => area_descs.push(v.trim().to_owned()),
        ["alert", "info", "area", "geocode", "valueName"] => *value_name = v.trim().to_owned(),
        ["alert", "info", "area", "geocode", "value"] => {
            geocodes.push((value_name.clone(), v.trim().to_owned()))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(status: &str, msg_type: &str, refs: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KZ-2022-001</identifier><sender>alerts@example.gov</sender><sent>2022-01-06T10:00:00+06:00</sent>
  <status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}
  <info><category>Security</category><event>Civil unrest</event><urgency>Immediate</urgency><severity>Severe</severity>
    <certainty>Observed</certainty><headline>Curfew imposed in Almaty</headline>
    <description>A curfew is in force in Almaty from 11pm to 7am &amp; roads are closed.</description>
    <instruction>Stay indoors.</instruction>
    <area><areaDesc>Almaty, Kazakhstan</areaDesc><geocode><valueName>ISO3166-1</valueName><value>KZ</value></geocode></area>
  </info>
</alert>"#
        )
    }

    #[test]
    fn prefixed_cap_is_recognised_and_parsed() {
        let plain = cap("Actual", "Alert", "");
        let prefixed = plain
            .replace("<alert xmlns=", "<cap:alert xmlns:cap=")
            .replace("</alert>", "</cap:alert>")
            .replace("<identifier>", "<cap:identifier>")
            .replace("</identifier>", "</cap:identifier>");
        assert!(looks_like_cap(plain.as_bytes()) && looks_like_cap(prefixed.as_bytes()));
        let (a, _) = parse(prefixed.as_bytes()).expect("parses");
        assert_eq!(a.guid.as_deref(), Some("KZ-2022-001"));
        assert_eq!(a.id(), parse(plain.as_bytes()).expect("plain").0.id(), "the same alert either way");
        assert!(!looks_like_cap(
            b"<rss><channel><title>alert urn:oasis:names:tc:emergency:cap</title></channel></rss>"
        ));
        assert!(!looks_like_cap(b"Title: alerts\n\n<alertness> urn:oasis:names:tc:emergency:cap"));
    }

    #[test]
    fn deep_nesting_is_refused_and_wide_documents_parse_in_one_pass() {
        // 200,000 nested elements inside a valid alert: refused at depth 32, not parsed.
        let deep = format!(
            "{}{}{}",
            cap("Actual", "Alert", "").replace("</alert>", ""),
            "<x>".repeat(200_000),
            "</x>".repeat(200_000) + "</alert>"
        );
        let err = parse(deep.as_bytes()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("nested deeper than 32"), "{err}");
        // Many shallow unknown elements (4 MB) are read once and ignored.
        let wide =
            cap("Actual", "Alert", "").replace("</alert>", &("<x><y>z</y></x>".repeat(250_000) + "</alert>"));
        let (adv, _) = parse(wide.as_bytes()).expect("parses");
        assert_eq!(adv.title, "Curfew imposed in Almaty");
    }

    #[test]
    fn parses_an_alert() {
        let text = cap("Actual", "Alert", "");
        assert!(looks_like_cap(text.as_bytes()));
        let (adv, meta) = parse(text.as_bytes()).expect("parses");
        assert_eq!(adv.title, "Curfew imposed in Almaty");
        assert_eq!(
            adv.body,
            "A curfew is in force in Almaty from 11pm to 7am & roads are closed.\n\nStay indoors."
        );
        assert_eq!(adv.countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["KZ"]);
        assert_eq!(adv.guid.as_deref(), Some("KZ-2022-001"));
        assert_eq!((meta.status.as_str(), meta.msg_type.as_str()), ("Actual", "Alert"));
        assert_eq!(meta.severity.as_deref(), Some("Severe"));
        // The issuer's assessment steers severity and polarity.
        let engine = crate::detect::Engine::new(crate::config::triggers::default_set()).expect("engine");
        let mut a = engine.analyze(&adv.detect_input());
        crate::app::process::apply_cap_info(&adv, &mut a);
        let curfew = a.affirmed().find(|d| d.trigger.as_str() == "curfew").expect("curfew");
        assert_eq!(curfew.severity, crate::detect::Severity::High);
        let (unlikely, _) = parse(
            text.replace("<certainty>Observed", "<certainty>Unlikely")
                .replace("<severity>Severe", "<severity>Minor")
                .as_bytes(),
        )
        .expect("parses");
        let mut a = engine.analyze(&unlikely.detect_input());
        crate::app::process::apply_cap_info(&unlikely, &mut a);
        assert_eq!(a.affirmed().count(), 0, "an unlikely event alerts nobody");
        assert!(a.detections.iter().all(|d| d.severity == crate::detect::Severity::Low));
        let (_, meta) = parse(
            cap(
                "Actual",
                "Cancel",
                "<references>alerts@example.gov,KZ-2021-9,2022-01-05T10:00:00Z</references>",
            )
            .as_bytes(),
        )
        .expect("cancel");
        assert_eq!(meta.references, [("alerts@example.gov".to_string(), "KZ-2021-9".to_string())]);
    }

    #[test]
    fn rejects_bad_cap() {
        assert!(parse(b"<alert><identifier>x</identifier></alert>").is_err(), "missing fields");
        assert!(parse(b"<not-closed").is_err());
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"#;
        assert!(parse(xxe.as_bytes()).is_err());
    }
}
