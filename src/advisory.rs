//! The advisory: what every source produces and every later stage reads.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::detect::DetectInput;
use crate::detect::places::CountryCode;

/// A date that may be only a year or a year and month ("2019", "2018-01", "2022-01-06").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// A date value as a header or a feed element gives it (any form `sources::dates` reads),
    /// else the first date found in the text.
    pub fn parse_value(s: &str) -> Option<Self> {
        crate::sources::dates::parse(s)
            .map(|t| {
                let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
                PartialDate { year: d.year() as i32, month: Some(d.month() as u8), day: Some(d.day() as u8) }
            })
            .or_else(|| Self::find(s))
    }

    /// Find the first date in free text: ISO `YYYY[-MM[-DD]]` first, else a bare year.
    pub fn find(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let digits = |from: usize, n: usize| -> Option<u32> {
            let part = s.get(from..from + n)?;
            part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
        };
        for i in 0..b.len() {
            if i > 0 && b[i - 1].is_ascii_digit() {
                continue;
            }
            let Some(year) = digits(i, 4) else { continue };
            if !(1900..=2100).contains(&year) || b.get(i + 4).is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let year = year as i32;
            let month = (b.get(i + 4) == Some(&b'-'))
                .then(|| digits(i + 5, 2))
                .flatten()
                .filter(|m| (1..=12).contains(m));
            let day = month
                .and_then(|_| (b.get(i + 7) == Some(&b'-')).then(|| digits(i + 8, 2)).flatten())
                .filter(|d| (1..=31).contains(d));
            return Some(PartialDate { year, month: month.map(|m| m as u8), day: day.map(|d| d as u8) });
        }
        None
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

/// A normalised advisory from any source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Advisory {
    /// Where it came from (source name, or the file path for local files).
    pub source: String,
    /// The source's own id for it (feed guid, CAP identifier), if any.
    pub guid: Option<String>,
    pub title: String,
    /// Plain text (HTML already stripped).
    pub body: String,
    pub url: Option<String>,
    pub published: Option<PartialDate>,
    /// Countries declared by metadata, in order of mention.
    pub countries: Vec<CountryCode>,
    /// Header lines or fields the product does not interpret, kept as written.
    pub metadata: BTreeMap<String, String>,
    /// What a CAP alert says about itself (only the CAP reader sets it: no header or JSON
    /// field of another format can pose as a CAP status, cancel or area).
    pub cap: Option<CapFacts>,
    /// A hazard event's structured facts (only the GDACS feed reader and the CAP reader set
    /// them: a header or JSON field named `hazard_type` is plain metadata and fires nothing).
    pub hazard: Option<HazardFacts>,
}

/// What a hazard feed says of an event in fields of its own (GDACS `eventtype`, `alertlevel`,
/// `eventname`, `iscurrent`; a CAP `event` mapped to a code). Triggers with a `hazard` code
/// fire from these, not from the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HazardFacts {
    /// The event code a trigger's `hazard` names ("EQ", "TC", "FL", …), upper case.
    pub code: String,
    /// The issuer's alert level as written ("Green", "Orange", "Red").
    pub level: Option<String>,
    /// The event's own name ("Earthquake", "Tropical Cyclone FREDDY-23").
    pub name: Option<String>,
    /// `false` when the feed marks the event as no longer current: it is then historical.
    pub current: bool,
}

/// The CAP `status` of an alert: only `Actual` ones may alert anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CapStatus {
    Actual,
    Exercise,
    System,
    Test,
    Draft,
}

/// The CAP `msgType`: an Update or Cancel continues the alert it references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CapMsgType {
    Alert,
    Update,
    Cancel,
    Ack,
    Error,
}

/// The first `info` block's `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CapSeverity {
    Extreme,
    Severe,
    Moderate,
    Minor,
}

/// The first `info` block's `urgency` (only `Past` changes what is detected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CapUrgency {
    Immediate,
    Expected,
    Future,
    Past,
}

/// The first `info` block's `certainty` (only `Unlikely` changes what is detected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CapCertainty {
    Observed,
    Likely,
    Possible,
    Unlikely,
}

/// The values of a CAP enumeration, by their spelling in the standard (case as written there).
macro_rules! cap_values {
    ($t:ty: $($v:ident),+) => {
        impl $t {
            /// The value as CAP spells it, or `None` for anything else (CAP's own `Unknown`
            /// included).
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() {
                    $(stringify!($v) => Some(Self::$v),)+
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$v => stringify!($v),)+
                }
            }
        }
    };
}
cap_values!(CapStatus: Actual, Exercise, System, Test, Draft);
cap_values!(CapMsgType: Alert, Update, Cancel, Ack, Error);
cap_values!(CapSeverity: Extreme, Severe, Moderate, Minor);
cap_values!(CapUrgency: Immediate, Expected, Future, Past);
cap_values!(CapCertainty: Observed, Likely, Possible, Unlikely);

/// What a CAP alert says about itself, typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapFacts {
    pub status: CapStatus,
    pub msg_type: CapMsgType,
    pub severity: Option<CapSeverity>,
    pub urgency: Option<CapUrgency>,
    pub certainty: Option<CapCertainty>,
    /// The city each small area (polygon or circle up to a city's size) is at.
    pub area_cities: Vec<(CountryCode, String)>,
}

impl CapFacts {
    /// The issuer's word over the text's: its severity sets the detections' severity
    /// (Extreme → critical, Severe → high, Moderate → medium, Minor → low), `certainty
    /// Unlikely` makes them hypothetical and `urgency Past` historical, and a small area places
    /// a country-wide detection at the area's city.
    pub fn apply(&self, analysis: &mut crate::detect::Analysis) {
        use crate::detect::{Polarity, Severity};
        let severity = self.severity.map(|s| match s {
            CapSeverity::Extreme => Severity::Critical,
            CapSeverity::Severe => Severity::High,
            CapSeverity::Moderate => Severity::Medium,
            CapSeverity::Minor => Severity::Low,
        });
        let polarity = match (self.certainty, self.urgency) {
            (Some(CapCertainty::Unlikely), _) => Some(Polarity::Hypothetical),
            (_, Some(CapUrgency::Past)) => Some(Polarity::Historical),
            _ => None,
        };
        for d in &mut analysis.detections {
            if d.city.is_none()
                && let Some((_, city)) = self.area_cities.iter().find(|(c, _)| Some(*c) == d.country)
            {
                d.city = Some(city.clone());
                d.subnational = true;
            }
            if let Some(s) = severity {
                d.severity = s;
            }
            if let (Some(p), Polarity::Affirmed) = (polarity, d.polarity) {
                d.polarity = p;
            }
        }
    }

    /// Fed to the content hash: a CAP Update or Cancel with the same text as the alert it
    /// replaces is still news. The bytes are those of the earlier `cap_*` metadata (name
    /// order, `\0name=value`), so stored versions keep their hashes across the upgrade.
    fn hash_into(&self, h: &mut Sha256) {
        let cities = self.area_cities.iter().map(|(c, n)| format!("{c}:{n}")).collect::<Vec<_>>().join(";");
        let fields = [
            ("cap_area_cities", (!cities.is_empty()).then_some(cities.as_str())),
            ("cap_certainty", self.certainty.map(CapCertainty::as_str)),
            ("cap_msg_type", Some(self.msg_type.as_str())),
            ("cap_severity", self.severity.map(CapSeverity::as_str)),
            ("cap_status", Some(self.status.as_str())),
            ("cap_urgency", self.urgency.map(CapUrgency::as_str)),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                h.update([0]);
                h.update(k.as_bytes());
                h.update([b'=']);
                h.update(v.as_bytes());
            }
        }
    }
}

impl Advisory {
    /// Stable id: source + guid when the source has one, else source + content hash.
    pub fn id(&self) -> String {
        let key = match &self.guid {
            Some(g) => format!("{}\n{}", self.source, g),
            None => format!("{}\n{}", self.source, self.content_hash()),
        };
        hex(&Sha256::digest(key.as_bytes())[..12])
    }

    /// SHA-256 over what detection reads (title, body, declared places, date).
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.title.as_bytes());
        h.update([0]);
        h.update(self.body.as_bytes());
        h.update([0]);
        for c in &self.countries {
            h.update(c.as_str().as_bytes());
        }
        h.update([0]);
        if let Some(d) = self.published {
            h.update(d.to_string().as_bytes());
        }
        if let Some(cap) = &self.cap {
            cap.hash_into(&mut h);
        }
        hex(&h.finalize())
    }

    /// What the detection engine reads.
    pub fn detect_input(&self) -> DetectInput<'_> {
        DetectInput {
            title: &self.title,
            body: &self.body,
            declared: &self.countries,
            year: self.published.map(|d| d.year),
            day: self.published.and_then(|d| Some((d.month?, d.day?))),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_dates() {
        for (s, want) in [
            ("2022-01-06", Some("2022-01-06")),
            ("2018-01 (feed snapshot 2018-01-24)", Some("2018-01")),
            ("2019 (after 2019-06-24)", Some("2019")),
            ("published 6 January 2022", Some("2022")),
            ("no date", None),
            ("12345", None),
        ] {
            assert_eq!(PartialDate::find(s).map(|d| d.to_string()).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn id_is_stable_and_content_sensitive() {
        let a = Advisory { source: "s".into(), title: "t".into(), body: "b".into(), ..Default::default() };
        let mut b = a.clone();
        assert_eq!(a.id(), b.id());
        b.body.push('!');
        assert_ne!(a.content_hash(), b.content_hash());
        let mut c = a.clone();
        c.guid = Some("g1".into());
        let mut d = c.clone();
        d.body.push('!');
        assert_eq!(c.id(), d.id(), "same guid, same advisory");
    }
}
