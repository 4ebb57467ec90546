//! Cron schedules with crontab semantics, evaluated in an explicit time zone.
//!
//! Five fields (`min hour dom month dow`) or six with seconds first. `dow` counts 0–7 from
//! Sunday (0 and 7 are Sunday), so `0 8 * * 1-5` is 08:00 Monday to Friday. As in crontab, when
//! both day-of-month and day-of-week are restricted a day matching either fires. Times that a
//! DST change skips fire at the first instant after the gap; times it repeats fire once.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::Serialize;

use super::model::{Invalid, invalid};

#[derive(Clone, PartialEq, Eq)]
pub struct Cron {
    src: String,
    seconds: u64,
    minutes: u64,
    hours: u32,
    dom: u32,
    months: u16,
    dow: u8,
    dom_any: bool,
    dow_any: bool,
}

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn field(spec: &str, lo: u32, hi: u32, names: &[&str], name_base: u32, what: &str) -> Result<u64, String> {
    let value = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i as u32 + name_base);
        }
        s.parse::<u32>().map_err(|_| format!("{what}: {s:?} is not a number"))
    };
    let mut bits = 0u64;
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|_| format!("{what}: bad step {s:?}"))?),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("{what}: step 0"));
        }
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { hi } else { v })
        };
        if a < lo || b > hi || a > b {
            return Err(format!("{what}: {part:?} is outside {lo}-{hi}"));
        }
        let mut v = a;
        while v <= b {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Cron {
    pub fn parse(src: &str) -> Result<Self, Invalid> {
        let src = src.trim();
        let parts: Vec<&str> = src.split_whitespace().collect();
        let (sec, rest) = match parts.len() {
            5 => ("0", &parts[..]),
            6 => (parts[0], &parts[1..]),
            n => {
                return Err(invalid(
                    "schedule",
                    format!(
                        "{src:?} has {n} fields; use 5 (min hour dom month dow) or 6 (with seconds first)"
                    ),
                ));
            }
        };
        let e = |m: String| invalid("schedule", format!("{src:?}: {m}"));
        let seconds = field(sec, 0, 59, &[], 0, "seconds").map_err(e)?;
        let minutes = field(rest[0], 0, 59, &[], 0, "minutes").map_err(e)?;
        let hours = field(rest[1], 0, 23, &[], 0, "hours").map_err(e)? as u32;
        let dom = field(rest[2], 1, 31, &[], 0, "day of month").map_err(e)? as u32;
        let months = field(rest[3], 1, 12, &MONTHS, 1, "month").map_err(e)? as u16;
        let mut dow = field(rest[4], 0, 7, &DAYS, 0, "day of week").map_err(e)?;
        if dow & (1 << 7) != 0 {
            dow |= 1;
        }
        Ok(Cron {
            src: src.to_owned(),
            seconds,
            minutes,
            hours,
            dom,
            months,
            dow: (dow & 0x7F) as u8,
            dom_any: rest[2] == "*",
            dow_any: rest[4] == "*",
        })
    }

    pub fn as_str(&self) -> &str {
        &self.src
    }

    fn day_matches(&self, d: Date) -> bool {
        if self.months & (1 << d.month()) == 0 {
            return false;
        }
        let dom = self.dom & (1 << d.day()) != 0;
        let dow = self.dow & (1 << d.weekday().to_sunday_zero_offset()) != 0;
        match (self.dom_any, self.dow_any) {
            (false, false) => dom || dow,
            _ => dom && dow,
        }
    }

    /// The first fire time strictly after `after`, in zone `tz`; `None` if none in 5 years.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let start = after.to_zoned(tz.clone()).datetime();
        let mut date = start.date();
        for _ in 0..(366 * 5) {
            if self.day_matches(date) {
                for h in (0..24).filter(|h| self.hours & (1 << h) != 0) {
                    if date == start.date() && h < start.hour() as u32 {
                        continue;
                    }
                    for m in (0..60).filter(|m| self.minutes & (1u64 << m) != 0) {
                        for s in (0..60).filter(|s| self.seconds & (1u64 << s) != 0) {
                            let dt = DateTime::new(
                                date.year(),
                                date.month(),
                                date.day(),
                                h as i8,
                                m as i8,
                                s as i8,
                                0,
                            )
                            .ok()?;
                            let ts = tz.to_ambiguous_zoned(dt).compatible().ok()?.timestamp();
                            if ts > after {
                                return Some(ts);
                            }
                        }
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?})", self.src)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.src)
    }
}

impl Serialize for Cron {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.src)
    }
}

impl schemars::JsonSchema for Cron {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cron".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "description": "Five-field cron schedule in the recipient's time zone"})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(spec: &str, after: &str, zone: &str) -> String {
        let tz = TimeZone::get(zone).expect("zone");
        let after: Timestamp = after.parse().expect("timestamp");
        let c = Cron::parse(spec).expect("cron parses");
        c.next_after(after, &tz).expect("fires").to_zoned(tz).strftime("%a %Y-%m-%d %H:%M:%S %Z").to_string()
    }

    #[test]
    fn crontab_weekday_semantics() {
        // 2026-11-28 is a Saturday: "1-5" means Monday to Friday, so the next is Monday.
        assert_eq!(next("0 8 * * 1-5", "2026-11-28T12:00:00Z", "UTC"), "Mon 2026-11-30 08:00:00 UTC");
        assert_eq!(next("0 8 * * 1-5", "2026-11-30T07:59:59Z", "UTC"), "Mon 2026-11-30 08:00:00 UTC");
        assert_eq!(next("0 8 * * 1-5", "2026-11-30T08:00:00Z", "UTC"), "Tue 2026-12-01 08:00:00 UTC");
        assert_eq!(next("0 8 * * 0", "2026-11-28T12:00:00Z", "UTC"), "Sun 2026-11-29 08:00:00 UTC");
        assert_eq!(next("0 8 * * 7", "2026-11-28T12:00:00Z", "UTC"), "Sun 2026-11-29 08:00:00 UTC");
        assert_eq!(next("0 9 * * sat,sun", "2026-11-26T12:00:00Z", "UTC"), "Sat 2026-11-28 09:00:00 UTC");
        // Day of month OR day of week when both are restricted (crontab rule).
        assert_eq!(next("0 0 13 * 5", "2026-11-01T00:00:00Z", "UTC"), "Fri 2026-11-06 00:00:00 UTC");
        // Six fields: seconds first.
        assert_eq!(next("30 */15 * * * *", "2026-11-28T10:01:00Z", "UTC"), "Sat 2026-11-28 10:15:30 UTC");
        // In the recipient's zone.
        assert_eq!(next("0 8 * * 1-5", "2026-11-30T00:00:00Z", "Asia/Almaty"), "Mon 2026-11-30 08:00:00 +05");
        assert_eq!(next("0 8 * * 1-5", "2026-11-30T03:00:00Z", "Asia/Almaty"), "Tue 2026-12-01 08:00:00 +05");
    }

    #[test]
    fn dst_changes() {
        // Europe/Berlin springs forward 2026-03-29 02:00 -> 03:00: 02:30 does not exist.
        assert_eq!(
            next("30 2 * * *", "2026-03-29T00:00:00Z", "Europe/Berlin"),
            "Sun 2026-03-29 03:30:00 CEST"
        );
        assert_eq!(
            next("0 8 * * *", "2026-03-28T08:00:00Z", "Europe/Berlin"),
            "Sun 2026-03-29 08:00:00 CEST"
        );
        // Falls back 2026-10-25 03:00 -> 02:00: 02:30 happens twice, fires once.
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        let c = Cron::parse("30 2 * * *").expect("ok");
        let first = c.next_after("2026-10-24T23:00:00Z".parse().expect("ts"), &tz).expect("fires");
        let second = c.next_after(first, &tz).expect("fires");
        assert_eq!(first.to_zoned(tz.clone()).strftime("%d %H:%M %Z").to_string(), "25 02:30 CEST");
        assert_eq!(second.to_zoned(tz).strftime("%d %H:%M %Z").to_string(), "26 02:30 CET");
    }

    #[test]
    fn bad_schedules() {
        for bad in [
            "",
            "* * * *",
            "61 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "a * * * *",
            "5-1 * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Cron::parse("0 8 * jan-mar mon-fri").is_ok());
    }
}
