//! Dates as real feeds and advisories write them. RFC 3339 (`2025-10-07T14:00:00Z`), ISO dates
//! (`2025-10-07`), RFC 822/2822 with or without weekday, seconds, time or zone
//! (`Tue, 07 Oct 2025`, `7 Oct 2025 14:00 EDT`), and the written forms of reports
//! (`6 January 2022`, `January 6, 2022`). A date without a time is midnight UTC of that day.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// The month a word names ("Oct", "October", "Sept"), 1-based.
pub fn month_of(word: &str) -> Option<i8> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    // The whole word must be the month's name or a prefix of it ("Sept" is allowed).
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    FULL[i].starts_with(w.as_str()).then_some(i as i8 + 1)
}

/// Offset of a zone name or numeric offset, in minutes east of UTC.
fn zone_minutes(z: &str) -> Option<i32> {
    let up = z.trim_matches(|c| c == '(' || c == ')').to_ascii_uppercase();
    let named = match up.as_str() {
        "GMT" | "UT" | "UTC" | "Z" => Some(0),
        "EST" => Some(-300),
        "EDT" => Some(-240),
        "CST" => Some(-360),
        "CDT" => Some(-300),
        "MST" => Some(-420),
        "MDT" => Some(-360),
        "PST" => Some(-480),
        "PDT" => Some(-420),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let (sign, digits) = match up.as_bytes().first()? {
        b'+' => (1, &up[1..]),
        b'-' => (-1, &up[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Some(sign * (h * 60 + m))
}

fn time_of(t: &str) -> Option<(i8, i8, i8)> {
    let mut parts = t.split(':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let s: i8 = match parts.next() {
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    ((0..24).contains(&h) && (0..60).contains(&m) && (0..61).contains(&s)).then_some((h, m, s.min(59)))
}

fn year_of(t: &str) -> Option<i16> {
    let y: i16 = t.parse().ok()?;
    match t.len() {
        4 if (1900..=2100).contains(&y) => Some(y),
        // RFC 822 two-digit years.
        2 => Some(if y < 50 { 2000 + y } else { 1900 + y }),
        _ => None,
    }
}

/// Parse one date value (a whole header or element text). `None` when it is not a date.
pub fn parse(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = s.parse::<DateTime>() {
        return dt.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    if let Ok(d) = s.parse::<Date>() {
        return d.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    let tokens: Vec<&str> =
        s.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
    let mut i = 0;
    // An optional weekday.
    if tokens.first().is_some_and(|t| t.chars().all(char::is_alphabetic) && month_of(t).is_none()) {
        i = 1;
    }
    let (day, month, year, rest) = match (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2)) {
        // 07 Oct 2025
        (Some(d), Some(m), Some(y)) if d.parse::<i8>().is_ok() && month_of(m).is_some() => {
            (d.parse::<i8>().ok()?, month_of(m)?, year_of(y)?, i + 3)
        }
        // October 7 2025 (the comma was a separator)
        (Some(m), Some(d), Some(y))
            if month_of(m).is_some()
                && d.trim_end_matches(['s', 't', 'h', 'n', 'd', 'r']).parse::<i8>().is_ok() =>
        {
            (
                d.trim_end_matches(['s', 't', 'h', 'n', 'd', 'r']).parse::<i8>().ok()?,
                month_of(m)?,
                year_of(y)?,
                i + 3,
            )
        }
        _ => return None,
    };
    let date = Date::new(year, month, day).ok()?;
    let (mut h, mut m, mut sec, mut offset) = (0, 0, 0, 0);
    if let Some(t) = tokens.get(rest).and_then(|t| time_of(t)) {
        (h, m, sec) = t;
        if let Some(z) = tokens.get(rest + 1).and_then(|z| zone_minutes(z)) {
            offset = z;
        }
    }
    let local = date.at(h, m, sec, 0).to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    local.checked_sub(jiff::SignedDuration::from_mins(offset as i64)).ok()
}

/// Feeds write dates that feed parsers refuse (RSS `pubDate` without a time, as the US State
/// Department does). Rewrite every date element we can read into the form the parser expects
/// (RFC 2822 for RSS, RFC 3339 for Atom and Dublin Core), leaving the rest untouched, so each
/// item keeps its event time.
pub fn normalize_feed_dates(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::bytes::Regex::new(
            r"<(pubDate|lastBuildDate|dc:date|updated|published|a10:updated|a10:published)>\s*([^<]{4,80}?)\s*</(?:pubDate|lastBuildDate|dc:date|updated|published|a10:updated|a10:published)>",
        )
        .expect("date pattern")
    });
    re.replace_all(bytes, |c: &regex::bytes::Captures<'_>| {
        let tag = String::from_utf8_lossy(&c[1]).into_owned();
        let raw = String::from_utf8_lossy(&c[2]).into_owned();
        match parse(&raw) {
            Some(t) if tag == "pubDate" || tag == "lastBuildDate" => {
                let text = jiff::fmt::rfc2822::to_string(&t.to_zoned(jiff::tz::TimeZone::UTC))
                    .unwrap_or_else(|_| raw.clone());
                format!("<{tag}>{text}</{tag}>").into_bytes()
            }
            Some(t) => format!("<{tag}>{t}</{tag}>").into_bytes(),
            None => c[0].to_vec(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_real_feeds_use() {
        for (s, want) in [
            ("Tue, 07 Oct 2025", "2025-10-07T00:00:00Z"),
            ("Tue, 07 Oct 2025 14:05:09 GMT", "2025-10-07T14:05:09Z"),
            ("Tue, 07 Oct 2025 14:05 -0400", "2025-10-07T18:05:00Z"),
            ("7 Oct 25 14:05 EDT", "2025-10-07T18:05:00Z"),
            ("2025-10-07", "2025-10-07T00:00:00Z"),
            ("2025-10-07T14:05:09+02:00", "2025-10-07T12:05:09Z"),
            ("2025-10-07T14:05:09", "2025-10-07T14:05:09Z"),
            ("6 January 2022", "2022-01-06T00:00:00Z"),
            ("January 6, 2022", "2022-01-06T00:00:00Z"),
            ("Thursday, September 4th, 2025", "2025-09-04T00:00:00Z"),
        ] {
            assert_eq!(parse(s).map(|t| t.to_string()).as_deref(), Some(want), "{s}");
        }
        for bad in ["", "soon", "31 Feb 2025", "Level 3", "May the fourth"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn feed_dates_are_rewritten_for_the_parser() {
        let xml = b"<rss><channel><item><pubDate>Tue, 07 Oct 2025</pubDate></item><item><dc:date>2025-10-08</dc:date></item><item><pubDate>whenever</pubDate></item></channel></rss>";
        let out = String::from_utf8(normalize_feed_dates(xml).into_owned()).expect("utf8");
        assert!(out.contains("<pubDate>Tue, 7 Oct 2025 00:00:00 +0000</pubDate>"), "{out}");
        assert!(out.contains("<dc:date>2025-10-08T00:00:00Z</dc:date>"), "{out}");
        assert!(out.contains("<pubDate>whenever</pubDate>"), "{out}");
    }
}
