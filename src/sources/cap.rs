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

use crate::advisory::{
    Advisory, CapCertainty, CapFacts, CapMsgType, CapSeverity, CapStatus, CapUrgency, PartialDate,
};
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
    let mut shapes: Vec<Shape> = Vec::new();
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
                        &mut shapes,
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
    let status = CapStatus::parse(&meta.status).ok_or_else(|| {
        ParseError::Cap(format!("status {:?} is not Actual, Exercise, System, Test or Draft", meta.status))
    })?;
    let msg_type = CapMsgType::parse(&meta.msg_type).ok_or_else(|| {
        ParseError::Cap(format!("msgType {:?} is not Alert, Update, Cancel, Ack or Error", meta.msg_type))
    })?;
    let g = Gazetteer::get();
    let mut countries = Vec::new();
    for (name, value) in &geocodes {
        if let Some(c) = geocode_country(name, value) {
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
    // Polygons and circles: the centre's nearest gazetteer city gives the country; a small
    // area (a city's size) also gives the city, so travellers elsewhere in the country are
    // told it is elsewhere.
    let mut area_cities = Vec::new();
    for shape in &shapes {
        let Some((lat, lon, radius)) = shape.centre() else { continue };
        let Some((city, _)) = g.nearest_city(lat, lon, NEAREST_CITY_KM) else { continue };
        countries.push(city.country);
        if radius <= CITY_AREA_KM {
            let entry = (city.country, city.name.to_string());
            if !area_cities.contains(&entry) {
                area_cities.push(entry);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    countries.retain(|c| seen.insert(*c));
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
        adv.hazard = Some(crate::advisory::HazardFacts {
            code: code.into(),
            level: None,
            name: Some(event.clone()),
            current: true,
        });
    }
    adv.cap = Some(CapFacts {
        status,
        msg_type,
        severity: meta.severity.as_deref().and_then(CapSeverity::parse),
        urgency: meta.urgency.as_deref().and_then(CapUrgency::parse),
        certainty: meta.certainty.as_deref().and_then(CapCertainty::parse),
        area_cities,
    });
    // An Update or Cancel continues the alert it references: same id, a new version.
    if matches!(meta.msg_type.as_str(), "Update" | "Cancel")
        && let Some((sender, identifier)) = meta.references.first()
    {
        adv.source = sender.clone();
        adv.guid = Some(identifier.clone());
    }
    Ok((adv, meta))
}

/// The country a CAP `geocode` names: ISO 3166 codes or names (`ISO3166-1`, `country`), and
/// the United States' own schemes — NWS zones (`UGC`, "AKZ185": a state or territory and a
/// zone) and county codes (`FIPS6`/`SAME`, "002013": state 02). US territories with their own
/// ISO code (Puerto Rico, Guam, …) resolve to that code, as the gazetteer keeps them.
fn geocode_country(name: &str, value: &str) -> Option<crate::detect::places::CountryCode> {
    use crate::detect::places::CountryCode;
    let name = name.to_ascii_lowercase();
    let value = value.trim();
    // Territories by USPS abbreviation and by FIPS state number.
    const TERRITORIES: [(&str, &str, &str); 5] =
        [("PR", "72", "PR"), ("GU", "66", "GU"), ("VI", "78", "VI"), ("AS", "60", "AS"), ("MP", "69", "MP")];
    if name.contains("iso3166") || name == "country" {
        return Gazetteer::get().resolve_country(value);
    }
    if name == "ugc" {
        // SSZNNN or SSCNNN: two letters, Z (zone) or C (county), three digits.
        let b = value.as_bytes();
        if b.len() == 6 && b[..2].iter().all(u8::is_ascii_uppercase) && matches!(b[2], b'Z' | b'C') {
            let state = &value[..2];
            let cc = TERRITORIES.iter().find(|t| t.0 == state).map_or("US", |t| t.2);
            return CountryCode::parse(cc);
        }
        return None;
    }
    if name == "fips6" || name == "same" {
        // [P]SSCCC: an optional part-of-county digit, a two-digit state, a three-digit county.
        if !(5..=6).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let state = &value[value.len() - 5..value.len() - 3];
        let n: u32 = state.parse().ok()?;
        if !(1..=78).contains(&n) {
            return None;
        }
        let cc = TERRITORIES.iter().find(|t| t.1 == state).map_or("US", |t| t.2);
        return CountryCode::parse(cc);
    }
    None
}

/// How far from an area's centre the nearest gazetteer city may be and still name the place
/// (a quake at sea 300 km out names no city).
const NEAREST_CITY_KM: f64 = 150.0;
/// An area at most this wide (radius, km) is "at" its nearest city; a larger one is only in
/// that city's country.
const CITY_AREA_KM: f64 = 50.0;

/// A CAP `polygon` ("lat,lon lat,lon …", closed) or `circle` ("lat,lon radius_km").
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Polygon(String),
    Circle(String),
}

fn point(p: &str) -> Option<(f64, f64)> {
    let (lat, lon) = p.split_once(',')?;
    let (lat, lon): (f64, f64) = (lat.trim().parse().ok()?, lon.trim().parse().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

impl Shape {
    /// The centre (latitude, longitude) and the radius in km that covers the area. A polygon's
    /// centre is the mean of its distinct vertices: CAP areas are small enough for that.
    fn centre(&self) -> Option<(f64, f64, f64)> {
        use crate::detect::places::great_circle_km;
        match self {
            Shape::Circle(v) => {
                let mut it = v.split_whitespace();
                let (lat, lon) = point(it.next()?)?;
                let radius: f64 = it.next()?.parse().ok().filter(|r: &f64| r.is_finite() && *r >= 0.0)?;
                Some((lat, lon, radius))
            }
            Shape::Polygon(v) => {
                let mut pts: Vec<(f64, f64)> = v.split_whitespace().map(point).collect::<Option<_>>()?;
                if pts.len() > 1 && pts.first() == pts.last() {
                    pts.pop();
                }
                if pts.len() < 3 {
                    return None;
                }
                let n = pts.len() as f64;
                let lat = pts.iter().map(|p| p.0).sum::<f64>() / n;
                let lon = pts.iter().map(|p| p.1).sum::<f64>() / n;
                let radius = pts.iter().map(|p| great_circle_km(lat, lon, p.0, p.1)).fold(0.0, f64::max);
                Some((lat, lon, radius))
            }
        }
    }
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
    shapes: &mut Vec<Shape>,
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
        ["alert", "info", "area", "polygon"] => shapes.push(Shape::Polygon(v.trim().to_owned())),
        ["alert", "info", "area", "circle"] => shapes.push(Shape::Circle(v.trim().to_owned())),
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

    /// An alert whose only place is its area shape, with a text that names no place.
    fn shaped(area: &str) -> String {
        format!(
            r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>S-1</identifier><sender>alerts@example.gov</sender><sent>2022-01-06T10:00:00+06:00</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><category>Safety</category><event>Curfew</event><urgency>Immediate</urgency><severity>Severe</severity>
    <certainty>Observed</certainty><headline>Curfew tonight</headline>
    <description>A curfew is in force from 11pm to 7am.</description>
    <area><areaDesc>City centre</areaDesc>{area}</area>
  </info>
</alert>"#
        )
    }

    #[test]
    fn geocodes_name_countries_in_every_scheme() {
        let cc = |n: &str, v: &str| geocode_country(n, v).map(|c| c.to_string());
        assert_eq!(cc("ISO3166-1", "KZ"), Some("KZ".into()));
        assert_eq!(cc("country", "Kazakhstan"), Some("KZ".into()));
        assert_eq!(cc("UGC", "AKZ185"), Some("US".into()));
        assert_eq!(cc("UGC", "PRZ001"), Some("PR".into()));
        assert_eq!(cc("FIPS6", "002013"), Some("US".into()));
        assert_eq!(cc("SAME", "072127"), Some("PR".into()));
        assert_eq!(cc("FIPS6", "66010"), Some("GU".into()));
        for (n, v) in
            [("UGC", "AK185"), ("FIPS6", "99999"), ("FIPS6", "00x13"), ("SAME", "1"), ("postcode", "10115")]
        {
            assert_eq!(cc(n, v), None, "{n}={v}");
        }
    }

    #[test]
    fn area_shapes_give_the_country_and_for_small_areas_the_city() {
        let countries = |a: &Advisory| a.countries.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        // A 10 km circle in Almaty: Kazakhstan, at Almaty.
        let (a, _) = parse(shaped("<circle>43.25,76.92 10</circle>").as_bytes()).expect("parses");
        assert_eq!(countries(&a), ["KZ"]);
        assert_eq!(
            a.cap
                .as_ref()
                .map_or(&[][..], |c| &c.area_cities)
                .iter()
                .map(|(c, n)| format!("{c}:{n}"))
                .collect::<Vec<_>>(),
            ["KZ:Almaty"]
        );
        // The detection from the text is placed at that city.
        let engine = crate::detect::Engine::new(crate::config::triggers::default_set()).expect("engine");
        let mut an = engine.analyze(&a.detect_input());
        a.cap.as_ref().expect("cap").apply(&mut an);
        let curfew = an.affirmed().find(|d| d.trigger.as_str() == "curfew").expect("curfew");
        assert_eq!(
            (curfew.country.map(|c| c.to_string()), curfew.city.as_deref()),
            (Some("KZ".into()), Some("Almaty"))
        );
        // A closed polygon around central Almaty (a few km across) is the same.
        let poly = "<polygon>43.20,76.85 43.30,76.85 43.30,77.00 43.20,77.00 43.20,76.85</polygon>";
        let (a, _) = parse(shaped(poly).as_bytes()).expect("parses");
        assert_eq!(a.cap.as_ref().map_or(&[][..], |c| &c.area_cities).len(), 1);
        // A wide area (hundreds of km) gives the country, not a city.
        let wide = "<polygon>41.0,70.0 47.0,70.0 47.0,80.0 41.0,80.0 41.0,70.0</polygon>";
        let (a, _) = parse(shaped(wide).as_bytes()).expect("parses");
        assert!(a.cap.as_ref().map_or(&[][..], |c| &c.area_cities).is_empty());
        assert!(!a.countries.is_empty(), "the centre's nearest city still gives a country");
        // Open sea far from any city, malformed or out-of-range shapes: no place, no error.
        for area in [
            "<circle>-40.0,-120.0 5</circle>",
            "<circle>not a point</circle>",
            "<polygon>1,2 3,4</polygon>",
            "<circle>95.0,10.0 5</circle>",
        ] {
            let (a, _) = parse(shaped(area).as_bytes()).expect("parses");
            assert!(
                a.countries.is_empty() && a.cap.as_ref().map_or(&[][..], |c| &c.area_cities).is_empty(),
                "{area}: {:?}",
                a.countries
            );
        }
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
        adv.cap.as_ref().expect("cap").apply(&mut a);
        let curfew = a.affirmed().find(|d| d.trigger.as_str() == "curfew").expect("curfew");
        assert_eq!(curfew.severity, crate::detect::Severity::High);
        let (unlikely, _) = parse(
            text.replace("<certainty>Observed", "<certainty>Unlikely")
                .replace("<severity>Severe", "<severity>Minor")
                .as_bytes(),
        )
        .expect("parses");
        let mut a = engine.analyze(&unlikely.detect_input());
        unlikely.cap.as_ref().expect("cap").apply(&mut a);
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
