//! `tripwatch preview FILE`: the detections, then every recipient who would be alerted and
//! why, with the dedup outcome. Reads the store, writes nothing, sends nothing.

use std::fmt::Write as _;

use crate::advisory::Advisory;
use crate::route::policy::{Delivery, Reason};
use crate::store::AdvisoryState;

use super::process::Outcome;

/// The human report of a plan.
pub fn text(file: &str, adv: &Advisory, o: &Outcome) -> String {
    let mut out = super::evaluate::text_report(file, adv, &o.analysis);
    match &o.state {
        AdvisoryState::Unchanged { version } => {
            let _ = writeln!(
                out,
                "\nalready processed unchanged (version {version}): nobody would be alerted again"
            );
            return out;
        }
        AdvisoryState::Updated { previous_version, .. } => {
            let _ = writeln!(
                out,
                "\nan update of version {previous_version}: only detections new since then are routed"
            );
        }
        AdvisoryState::New => {}
    }
    let _ = writeln!(out, "\nwould alert:");
    if o.plan.messages.is_empty() {
        let _ = writeln!(out, "  nobody");
    }
    for m in &o.plan.messages {
        let when = match &m.delivery {
            Delivery::Now => "now".to_owned(),
            Delivery::Digest { release_at, schedule } => {
                format!("in the digest ({schedule}) at {release_at}")
            }
        };
        let channels: Vec<String> = m.channels.iter().map(|c| c.key()).collect();
        let _ = writeln!(
            out,
            "  {} <{}> [{}] {when} via {}",
            m.recipient.name,
            m.recipient.email,
            m.severity.as_str().to_uppercase(),
            channels.join(", ")
        );
        for i in &m.items {
            let why: Vec<String> = i
                .reasons
                .iter()
                .map(|r| match r {
                    Reason::Trip { trip_id, place, start, end } => {
                        format!("trip {trip_id} to {place} {start}..{end}")
                    }
                    Reason::Subscription { subscription_id } => format!("subscription {subscription_id}"),
                })
                .collect();
            let place = i.city.as_ref().map_or(i.country.to_string(), |c| format!("{c}, {}", i.country));
            let bypass = i.bypass.map(|b| format!(" ({b})")).unwrap_or_default();
            let _ = writeln!(out, "    {} in {place}{bypass} because {}", i.trigger, why.join("; "));
        }
    }
    if !o.plan.rollups.is_empty() {
        let _ = writeln!(out, "\nmanager roll-ups:");
        for r in &o.plan.rollups {
            let _ = writeln!(out, "  {} — {} traveller(s):", r.manager, r.entries.len());
            for e in &r.entries {
                let _ = writeln!(
                    out,
                    "    {} in {} {}..{}: {}",
                    e.traveller,
                    e.place,
                    e.start,
                    e.end,
                    e.triggers.join(", ")
                );
            }
        }
    }
    if let Some(reason) = &o.plan.held {
        let _ = writeln!(out, "\nheld, nobody alerted: {reason}");
    }
    if let Some(review) = &o.plan.review {
        let _ = writeln!(
            out,
            "\nwould wait for review ({}): nothing above is sent until a manager approves ({})",
            review.reason,
            review.detections.join(", ")
        );
    }
    let skipped: Vec<_> = o.plan.decisions.iter().filter(|d| !d.alerted()).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nnot alerted:");
        for d in skipped {
            let _ = writeln!(out, "  {} {} in {}: {}", d.recipient, d.trigger, d.country, d.outcome);
        }
    }
    out
}
