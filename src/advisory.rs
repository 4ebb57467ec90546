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
        // A CAP Update or Cancel with the same text as the alert it replaces is still news.
        for (k, v) in self.metadata.iter().filter(|(k, _)| k.starts_with("cap_")) {
            h.update([0]);
            h.update(k.as_bytes());
            h.update([b'=']);
            h.update(v.as_bytes());
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
