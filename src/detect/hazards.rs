//! Natural hazards from structured fields. Hazard feeds say what happened and how bad in
//! fields, not sentences: GDACS gives an event type (`EQ`, `TC`, …), an alert level (Green,
//! Orange, Red) and the affected countries; CAP gives an `event` name and a severity. A
//! trigger with `hazard = "EQ"` fires for such an item, once per affected country, with the
//! severity the issuer's level implies.

use super::Severity;

/// The hazard codes (GDACS's): earthquake, tropical cyclone, flood, volcano, tsunami,
/// wildfire, drought.
pub const CODES: [&str; 7] = ["EQ", "TC", "FL", "VO", "TS", "WF", "DR"];

/// The hazard a CAP `event` (or any short event name) names, if any.
pub fn code_of_event(event: &str) -> Option<&'static str> {
    let e = event.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| e.contains(w));
    if has(&["tsunami"]) {
        Some("TS")
    } else if has(&["earthquake", "seismic"]) {
        Some("EQ")
    } else if has(&["hurricane", "typhoon", "cyclone", "tropical storm"]) {
        Some("TC")
    } else if has(&["volcan", "ash fall", "ashfall"]) {
        Some("VO")
    } else if has(&["wildfire", "bushfire", "forest fire", "fire weather", "red flag"]) {
        Some("WF")
    } else if has(&["flood"]) {
        Some("FL")
    } else if has(&["drought"]) {
        Some("DR")
    } else {
        None
    }
}

/// The severity a GDACS alert level implies: Red critical, Orange high, Green low (below
/// the default alerting threshold: recorded, not sent).
pub fn severity_of_level(level: &str) -> Option<Severity> {
    match level.trim().to_ascii_lowercase().as_str() {
        "red" => Some(Severity::Critical),
        "orange" => Some(Severity::High),
        "green" => Some(Severity::Low),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_levels_map() {
        assert_eq!(code_of_event("Tsunami Warning"), Some("TS"), "a tsunami warning is not an earthquake");
        assert_eq!(code_of_event("Earthquake"), Some("EQ"));
        assert_eq!(code_of_event("Hurricane Warning"), Some("TC"));
        assert_eq!(code_of_event("Flash Flood Warning"), Some("FL"));
        assert_eq!(code_of_event("Red Flag Warning"), Some("WF"));
        assert_eq!(code_of_event("Civil unrest"), None);
        assert_eq!(severity_of_level("Red"), Some(Severity::Critical));
        assert_eq!(severity_of_level("orange"), Some(Severity::High));
        assert_eq!(severity_of_level("Green"), Some(Severity::Low));
        assert_eq!(severity_of_level("purple"), None);
    }
}
