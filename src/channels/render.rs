//! Rendering an alert for a channel: subject, text and HTML (minijinja templates, HTML
//! auto-escaped), and the webhook's JSON facts. Templates ship in `config/templates/` and are
//! compiled in; a `templates_dir` in config overrides them file by file.

use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::Environment;
use serde::Serialize;
use serde_json::{Value, json};

use super::payload::{DigestPart, Item, Payload, Reason, Recipient};
use crate::detect::places::{CountryCode, Gazetteer};

const BUILTIN: &[(&str, &str)] = &[
    ("alert_subject.txt", include_str!("../../config/templates/alert_subject.txt")),
    ("alert.txt", include_str!("../../config/templates/alert.txt")),
    ("alert.html", include_str!("../../config/templates/alert.html")),
    ("rollup_subject.txt", include_str!("../../config/templates/rollup_subject.txt")),
    ("rollup.txt", include_str!("../../config/templates/rollup.txt")),
    ("rollup.html", include_str!("../../config/templates/rollup.html")),
    ("digest_subject.txt", include_str!("../../config/templates/digest_subject.txt")),
    ("digest.txt", include_str!("../../config/templates/digest.txt")),
    ("digest.html", include_str!("../../config/templates/digest.html")),
    ("escalation_subject.txt", include_str!("../../config/templates/escalation_subject.txt")),
    ("escalation.txt", include_str!("../../config/templates/escalation.txt")),
    ("escalation.html", include_str!("../../config/templates/escalation.html")),
];

/// The advisory facts an alert quotes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AdvisoryInfo {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub source: String,
    pub published: Option<String>,
}

/// What kind of message a stored alert is: it picks the templates and what the message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// To a recipient (traveller or subscriber) about one advisory.
    Alert,
    /// The same alert again to a traveller who has not answered (escalation's reminder).
    Reminder,
    /// To a manager: their travellers concerned by one advisory.
    Rollup,
    /// Several held alerts merged at their digest's release.
    Digest,
    /// To a manager: a traveller asked for help or did not answer.
    Escalation,
}

impl JobKind {
    /// The stored `alerts.kind` value.
    pub fn parse(s: &str) -> Option<JobKind> {
        Some(match s {
            "alert" => JobKind::Alert,
            "reminder" => JobKind::Reminder,
            "rollup" => JobKind::Rollup,
            "digest" => JobKind::Digest,
            "escalation" => JobKind::Escalation,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Alert => "alert",
            JobKind::Reminder => "reminder",
            JobKind::Rollup => "rollup",
            JobKind::Digest => "digest",
            JobKind::Escalation => "escalation",
        }
    }
}

/// One delivery to render: the stored alert plus its advisory.
#[derive(Debug, Clone)]
pub struct Job {
    pub delivery_id: i64,
    pub alert_id: i64,
    pub kind: JobKind,
    pub recipient: String,
    /// The stored payload, read as the shape `kind` has.
    pub payload: Payload,
    pub advisory: AdvisoryInfo,
    /// Alert id of this recipient's first alert about the advisory, to thread onto.
    pub thread: Option<i64>,
    /// The traveller an alert is for (answer links are made for them), if any.
    pub traveller_id: Option<i64>,
    pub created_at: Timestamp,
}

/// A rendered alert.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub recipient_name: String,
    /// The machine-readable facts (webhook JSON).
    pub facts: Value,
}

#[derive(Debug, thiserror::Error)]
#[error("template {name}: {message}")]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

pub struct Templates {
    env: Environment<'static>,
    /// The domain of Message-IDs: the From address's, so ids are ours and not `.invalid`.
    domain: String,
    /// Makes the "I'm safe" / "I need help" links of alerts to travellers.
    links: Option<crate::channels::links::LinkMaker>,
}

impl Templates {
    /// Load the built-in templates, overridden by any same-named file in `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { minijinja::AutoEscape::Html } else { minijinja::AutoEscape::None }
        });
        for (name, builtin) in BUILTIN {
            let src = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
                Some(p) => std::fs::read_to_string(&p)
                    .map_err(|e| TemplateError { name: p.display().to_string(), message: e.to_string() })?,
                None => (*builtin).to_owned(),
            };
            env.add_template_owned(*name, src)
                .map_err(|e| TemplateError { name: (*name).to_owned(), message: e.to_string() })?;
        }
        Ok(Templates { env, domain: "tripwatch.invalid".into(), links: None })
    }

    /// Use the domain of `from` (an address or `Name <address>`) for Message-IDs.
    pub fn with_domain_of(mut self, from: &str) -> Templates {
        let addr = from.rsplit_once('<').map_or(from, |(_, a)| a.trim_end_matches('>'));
        if let Some((_, d)) = addr.rsplit_once('@')
            && !d.is_empty()
            && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            self.domain = d.to_ascii_lowercase();
        }
        self
    }

    /// The key answer links are signed with, when links are made.
    pub fn link_key(&self) -> Option<&crate::channels::links::LinkKey> {
        self.links.as_ref().map(|l| &l.key)
    }

    /// Put answer links in every alert to a traveller.
    pub fn with_links(mut self, links: crate::channels::links::LinkMaker) -> Templates {
        self.links = Some(links);
        self
    }

    fn render(&self, name: &str, ctx: &minijinja::Value) -> Result<String, TemplateError> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| TemplateError { name: name.into(), message: e.to_string() })?;
        t.render(ctx).map_err(|e| TemplateError { name: name.into(), message: e.to_string() })
    }

    /// Render a job as if sent when it was created (test sends, previews).
    pub fn render_job(&self, job: &Job) -> Result<Rendered, TemplateError> {
        self.render_job_at(job, job.created_at)
    }

    /// Only the machine-readable facts of a job (what a JSON webhook sends), without rendering
    /// the subject, text and HTML templates.
    pub fn render_facts(&self, job: &Job) -> Rendered {
        let mut facts = facts_of(job);
        self.add_links(job, Some(&mut facts), None);
        let recipient_name = recipient_name(job);
        Rendered {
            subject: String::new(),
            text: String::new(),
            html: String::new(),
            message_id: message_id(job.alert_id, &job.advisory.id, &self.domain),
            in_reply_to: job.thread.map(|first| message_id(first, &job.advisory.id, &self.domain)),
            recipient_name,
            facts,
        }
    }

    /// Answer links (alerts and reminders to a traveller) into the facts and the template
    /// context; the kind of a reminder.
    fn add_links(&self, job: &Job, mut facts: Option<&mut Value>, mut ctx: Option<&mut Value>) {
        if let (Some(links), Some(traveller), JobKind::Alert | JobKind::Reminder) =
            (&self.links, job.traveller_id, job.kind)
        {
            let (safe, help) = links.links(job.alert_id, traveller, job.created_at);
            if let Some(c) = ctx.as_deref_mut() {
                c["respond"] = json!({"safe": safe, "help": help});
            }
            if let Some(f) = facts.as_deref_mut() {
                f["respond"] = json!({"safe": safe, "help": help});
            }
        }
        // A digest to a traveller: each advisory in it has its own links, for the alert it
        // merged (which accountability counts), so the traveller can answer each.
        if let (Some(links), Some(traveller), JobKind::Digest) = (&self.links, job.traveller_id, job.kind) {
            let parts: &[DigestPart] = match &job.payload {
                Payload::Digest(p) => &p.alerts,
                _ => &[],
            };
            for (i, part) in parts.iter().enumerate() {
                let Some(id) = part.alert_id else { continue };
                let (safe, help) = links.links(id, traveller, job.created_at);
                let respond = json!({"safe": safe, "help": help});
                if let Some(c) = ctx.as_deref_mut() {
                    c["alerts"][i]["respond"] = respond.clone();
                }
                if let Some(f) = facts.as_deref_mut() {
                    f["alerts"][i]["respond"] = respond;
                }
            }
        }
        if job.kind == JobKind::Reminder {
            if let Some(c) = ctx {
                c["reminder"] = true.into();
            }
            if let Some(f) = facts {
                f["kind"] = "reminder".into();
            }
        }
    }

    /// Render a job sent at `sent`. Subjects are forced onto one line.
    pub fn render_job_at(&self, job: &Job, sent: jiff::Timestamp) -> Result<Rendered, TemplateError> {
        self.render_with(job, sent, true)
    }

    /// The message only (subject, text, HTML), for an email: no machine-readable facts, which
    /// only webhooks carry.
    pub fn render_message_at(&self, job: &Job, sent: jiff::Timestamp) -> Result<Rendered, TemplateError> {
        self.render_with(job, sent, false)
    }

    fn render_with(
        &self,
        job: &Job,
        sent: jiff::Timestamp,
        with_facts: bool,
    ) -> Result<Rendered, TemplateError> {
        // An email carries no machine-readable facts: they are neither built nor linked.
        let (mut ctx, mut facts, recipient_name) =
            (context(job, sent), with_facts.then(|| facts_of(job)), recipient_name(job));
        // Alerts to a traveller (and their reminders) carry the answer links.
        self.add_links(job, facts.as_mut(), Some(&mut ctx));
        // A reminder reads as the alert it repeats.
        let prefix = match job.kind {
            JobKind::Alert | JobKind::Reminder => "alert",
            other => other.as_str(),
        };
        // One conversion of the context serves the three templates.
        let ctx = minijinja::Value::from_serialize(&ctx);
        let subject = one_line(&self.render(&format!("{prefix}_subject.txt"), &ctx)?);
        let text = self.render(&format!("{prefix}.txt"), &ctx)?;
        let html = self.render(&format!("{prefix}.html"), &ctx)?;
        Ok(Rendered {
            subject,
            text,
            html,
            message_id: message_id(job.alert_id, &job.advisory.id, &self.domain),
            in_reply_to: job.thread.map(|first| message_id(first, &job.advisory.id, &self.domain)),
            recipient_name,
            facts: facts.unwrap_or(Value::Null),
        })
    }
}

/// Collapse every control character (CR, LF, tab, …) into single spaces: nothing a template
/// or an advisory title produces can start a new header line.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control()).flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
}

/// The stable Message-ID of an alert, on `domain`.
pub fn message_id(alert_id: i64, advisory_id: &str, domain: &str) -> String {
    let adv: String = advisory_id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("<alert-{alert_id}.{adv}@{domain}>")
}

/// A trigger id as words ("state_of_emergency" → "State of emergency").
fn trigger_words(id: &str) -> String {
    let words = id.replace('_', " ");
    let mut c = words.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn country_name(code: &str) -> String {
    CountryCode::parse(code)
        .and_then(|c| Gazetteer::get().country(c))
        .map_or_else(|| code.to_owned(), |c| c.name.to_owned())
}

fn place_of(country: &str, city: Option<&str>) -> String {
    let country = country_name(country);
    match city {
        Some(city) if !city.is_empty() => format!("{city}, {country}"),
        _ => country,
    }
}

/// Where an alert item applies: the named regions when the advisory gives them, and a note
/// when that is elsewhere in the country than the recipient's trip.
fn item_place(i: &Item) -> String {
    let mut place = place_of(&i.country, i.city.as_deref());
    if !i.regions.is_empty() {
        place = format!("{} ({place})", i.regions.join(", "));
    }
    if i.elsewhere {
        place.push_str(" - elsewhere in the country than your trip");
    }
    place
}

/// The recipient's zone (UTC when none or unknown) and its name.
fn zone_of(r: &Recipient) -> (String, TimeZone) {
    let name = r.timezone.clone().unwrap_or_else(|| "UTC".to_owned());
    let tz = TimeZone::get(&name).unwrap_or(TimeZone::UTC);
    (name, tz)
}

fn why(reasons: &[Reason]) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .map(|r| match r {
            Reason::Trip { place, start, end, .. } => {
                format!("your trip to {} ({start} to {end})", place_of(&place.country, place.city.as_deref()))
            }
            Reason::Subscription { subscription_id } => format!("your subscription {subscription_id}"),
        })
        .collect();
    if parts.is_empty() { "you follow this place".into() } else { parts.join("; ") }
}

/// The name a message greets (managers are addressed by address alone).
fn recipient_name(job: &Job) -> String {
    match &job.payload {
        Payload::Alert(p) => p.recipient.name.clone(),
        Payload::Digest(p) => p.recipient.name.clone(),
        Payload::Rollup(_) | Payload::Escalation(_) => String::new(),
    }
}

/// The webhook facts of a job: what a JSON webhook receives, without the answer links.
fn facts_of(job: &Job) -> Value {
    let a = &job.advisory;
    let created_at = job.created_at.to_string();
    let id = format!("alert-{}", job.alert_id);
    match &job.payload {
        Payload::Rollup(p) => json!({
            "alert_id": id, "kind": "rollup", "advisory": a, "manager": job.recipient,
            "severity": p.severity, "entries": p.entries, "evidence": p.evidence, "created_at": created_at,
        }),
        Payload::Escalation(p) => json!({
            "alert_id": id, "kind": "escalation", "advisory": a, "manager": job.recipient,
            "traveller": p.traveller, "answer": p.answer, "message": p.message, "original_alert": p.alert_id,
            "severity": p.severity, "detections": p.items, "created_at": created_at,
        }),
        Payload::Digest(p) => {
            let (tz_name, _) = zone_of(&p.recipient);
            json!({
                "alert_id": id, "kind": "digest",
                "recipient": {"name": p.recipient.name, "email": job.recipient, "timezone": tz_name},
                "severity": p.severity, "schedule": p.schedule, "created_at": created_at,
                "alerts": p.alerts.iter().map(|a| json!({"advisory": a.advisory, "severity": a.severity, "detections": a.items})).collect::<Vec<_>>(),
            })
        }
        Payload::Alert(p) => {
            let (tz_name, _) = zone_of(&p.recipient);
            json!({
                "alert_id": id, "kind": "alert", "advisory": a,
                "recipient": {"name": p.recipient.name, "email": job.recipient, "timezone": tz_name},
                "severity": p.severity, "detections": p.items, "created_at": created_at,
            })
        }
    }
}

/// The template context of a job sent at `sent`.
fn context(job: &Job, sent: jiff::Timestamp) -> Value {
    let a = &job.advisory;
    let stamp = |tz: TimeZone| sent.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string();
    match &job.payload {
        Payload::Rollup(p) => {
            // One line per traveller and place, with every trigger concerning them, in words.
            let mut entries: Vec<(String, String, &str, &str, Vec<String>)> = Vec::new();
            for e in &p.entries {
                let place = place_of(&e.place.country, e.place.city.as_deref());
                let names = e.triggers.iter().map(|t| trigger_words(t));
                match entries.iter_mut().find(|x| x.0 == e.traveller && x.1 == place) {
                    Some(x) => {
                        for n in names {
                            if !x.4.contains(&n) {
                                x.4.push(n);
                            }
                        }
                    }
                    None => entries.push((e.traveller.clone(), place, &e.start, &e.end, names.collect())),
                }
            }
            let entries: Vec<Value> = entries
                .into_iter()
                .map(|(who, place, start, end, triggers)| {
                    json!({"traveller": who, "place": place, "start": start, "end": end, "triggers": triggers})
                })
                .collect();
            let mut triggers: Vec<String> = Vec::new();
            let mut places: Vec<String> = Vec::new();
            for e in &p.entries {
                for t in e.triggers.iter().map(|t| trigger_words(t)) {
                    if !triggers.contains(&t) {
                        triggers.push(t);
                    }
                }
                let c = country_name(&e.place.country);
                if !places.contains(&c) {
                    places.push(c);
                }
            }
            // The sentence behind each measure, with where it applies.
            let evidence: Vec<Value> = p
                .evidence
                .iter()
                .map(|e| {
                    json!({
                        "name": if e.name.is_empty() { trigger_words(&e.trigger) } else { e.name.clone() },
                        "place": place_of(&e.country, e.city.as_deref()),
                        "evidence": one_line(&e.evidence),
                    })
                })
                .collect();
            json!({
                "alert_id": job.alert_id, "severity": p.severity, "entries": entries, "trigger_names": triggers,
                "evidence": evidence,
                "place": places.join(", "), "advisory_title": one_line(&a.title), "source": a.source, "url": safe_url(a.url.as_deref()),
                "sent_at": stamp(TimeZone::UTC), "timezone": "UTC",
            })
        }
        Payload::Digest(p) => {
            let (tz_name, tz) = zone_of(&p.recipient);
            let views: Vec<Value> = p
                .alerts
                .iter()
                .map(|a| {
                    let adv = &a.advisory;
                    json!({"advisory_title": one_line(adv.title.as_deref().unwrap_or("")), "source": adv.source, "url": safe_url(adv.url.as_deref()),
                           "published": adv.published, "severity": a.severity, "items": item_views(&a.items)})
                })
                .collect();
            let (names, places) = names_and_places(p.alerts.iter().map(|a| a.items.as_slice()));
            json!({
                "alert_id": job.alert_id, "recipient_name": p.recipient.name, "severity": p.severity, "alerts": views,
                "count": views.len(), "trigger_names": names, "place": places.join(", "), "schedule": p.schedule,
                "sent_at": stamp(tz), "timezone": tz_name,
            })
        }
        Payload::Escalation(p) => {
            // To the traveller's manager: who has not answered (or asked for help), about what.
            let (names, places) = names_and_places([p.items.as_slice()]);
            json!({
                "alert_id": job.alert_id, "severity": p.severity, "help": p.answer == "help",
                "traveller": one_line(&p.traveller.name),
                "traveller_email": p.traveller.email, "message": p.message.as_deref().map(one_line),
                "alerted_at": p.alerted_at, "items": item_views(&p.items), "trigger_names": names, "place": places.join(", "),
                "advisory_title": one_line(&a.title), "source": a.source, "url": safe_url(a.url.as_deref()),
                "sent_at": stamp(TimeZone::UTC), "timezone": "UTC",
            })
        }
        Payload::Alert(p) => {
            let (tz_name, tz) = zone_of(&p.recipient);
            let (names, places) = names_and_places([p.items.as_slice()]);
            let correction =
                p.items.iter().any(|i| matches!(i.bypass.as_deref(), Some("correction" | "all-clear")));
            json!({
                "alert_id": job.alert_id, "recipient_name": p.recipient.name, "severity": p.severity, "items": item_views(&p.items),
                "trigger_names": names, "place": places.join(", "), "advisory_title": one_line(&a.title), "source": a.source,
                "url": safe_url(a.url.as_deref()), "published": a.published, "sent_at": stamp(tz), "timezone": tz_name, "correction": correction,
            })
        }
    }
}

/// A link for a message: only `http` and `https` URLs (a `javascript:` or `data:` URL from a
/// feed must never become a clickable link).
pub fn safe_url(url: Option<&str>) -> Option<String> {
    let u = url::Url::parse(url?.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// Template views of a message's items, most severe first (a stable sort keeps the
/// advisory's order within a severity).
fn item_views(items: &[Item]) -> Vec<Value> {
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by_key(|i| std::cmp::Reverse(i.severity));
    sorted
        .into_iter()
        .map(|i| json!({"name": i.name, "trigger": i.trigger, "severity": i.severity, "place": item_place(i), "evidence": i.evidence, "why": why(&i.reasons), "bypass": i.bypass}))
        .collect()
}

/// Distinct trigger names and country names of some items, in order of appearance.
fn names_and_places<'v>(items: impl IntoIterator<Item = &'v [Item]>) -> (Vec<String>, Vec<String>) {
    let (mut names, mut places): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for list in items {
        for i in list {
            if !names.contains(&i.name) {
                names.push(i.name.clone());
            }
            let c = country_name(&i.country);
            if !places.contains(&c) {
                places.push(c);
            }
        }
    }
    (names, places)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert_payload(v: Value) -> Payload {
        Payload::from_value(JobKind::Alert, v).expect("an alert payload")
    }

    fn job(title: &str, evidence: &str) -> Job {
        Job {
            traveller_id: None,
            delivery_id: 1,
            alert_id: 7,
            kind: JobKind::Alert,
            recipient: "ann@example.org".into(),
            payload: alert_payload(json!({
                "recipient": {"email": "ann@example.org", "name": "Ann Lee", "timezone": "Asia/Almaty"},
                "severity": "critical",
                "items": [{"trigger": "state_of_emergency", "name": "State of emergency", "severity": "high", "country": "KZ", "city": null,
                           "evidence": evidence, "reasons": [{"kind": "trip", "trip_id": 1, "place": {"country": "KZ", "city": "Almaty"}, "start": "2022-01-03", "end": "2022-01-20"}], "bypass": null},
                          {"trigger": "live_ammunition", "name": "Live ammunition", "severity": "critical", "country": "KZ", "city": "Almaty",
                           "evidence": "Police used live rounds.", "reasons": [], "bypass": null}]
            })),
            advisory: AdvisoryInfo {
                id: "abc123".into(),
                title: title.into(),
                url: Some("https://example.org/a".into()),
                source: "analyst".into(),
                published: Some("2022-01-06".into()),
            },
            thread: None,
            created_at: "2022-01-06T12:00:00Z".parse().expect("ts"),
        }
    }

    #[test]
    fn renders_subject_text_and_html() {
        let t = Templates::load(None).expect("templates");
        let r =
            t.render_job(&job("Kazakhstan update", "A state of emergency is in force.")).expect("renders");
        assert_eq!(r.subject, "[CRITICAL] Kazakhstan — State of emergency, Live ammunition");
        assert!(r.text.contains("\"A state of emergency is in force.\""), "{}", r.text);
        assert!(r.text.contains("your trip to Almaty, Kazakhstan (2022-01-03 to 2022-01-20)"), "{}", r.text);
        assert!(r.text.contains("Sent: 2022-01-06 18:00 +06 (Asia/Almaty)"), "{}", r.text);
        assert_eq!(r.facts["alert_id"], "alert-7");
        assert_eq!(r.message_id, "<alert-7.abc123@tripwatch.invalid>");
    }

    #[test]
    fn html_is_escaped_and_subjects_stay_on_one_line() {
        let t = Templates::load(None).expect("templates");
        let r =
            t.render_job(&job("Title\r\nBcc: x@y.z", "<script>alert(1)</script> & more")).expect("renders");
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;") && r.html.contains("&amp; more"), "{}", r.html);
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
        assert_eq!(one_line("a\r\nBcc: b\tc"), "a Bcc: b c");
    }

    #[test]
    fn only_web_links_and_one_line_titles_reach_the_message() {
        let t = Templates::load(None).expect("templates");
        let mut j = job("Curfew\r\n\r\nFake: paragraph", "A curfew is in force.");
        j.advisory.url = Some("javascript:alert(document.cookie)".into());
        let r = t.render_job(&j).expect("renders");
        assert!(!r.html.to_ascii_lowercase().contains("javascript:"), "{}", r.html);
        assert!(!r.text.contains("javascript:"), "{}", r.text);
        assert!(r.text.contains("Curfew Fake: paragraph"), "the title stays on one line: {}", r.text);
        assert_eq!(safe_url(Some("https://example.org/a b")), Some("https://example.org/a%20b".into()));
        assert_eq!(safe_url(Some("data:text/html,x")), None);
        assert_eq!(safe_url(Some(" HTTP://Example.org/")), Some("http://example.org/".into()));
    }

    #[test]
    fn messages_read_well() {
        let t =
            Templates::load(None).expect("templates").with_domain_of("Security Desk <alerts@Corp.example>");
        let j = job("Kazakhstan update", "A state of emergency is in force.");
        let sent: jiff::Timestamp = "2022-01-06T15:30:00Z".parse().expect("ts");
        let r = t.render_job_at(&j, sent).expect("renders");
        assert_eq!(r.message_id, "<alert-7.abc123@corp.example>", "ids on the sender's domain");
        assert!(
            r.text.contains("Sent: 2022-01-06 21:30 +06"),
            "the sending time, not the queueing: {}",
            r.text
        );
        let critical = r.text.find("Live ammunition (critical)").expect("critical item");
        let high = r.text.find("State of emergency (high)").expect("high item");
        assert!(critical < high, "most severe first: {}", r.text);
        // A roll-up: one line per traveller and place, triggers in words, singular agreement.
        let mut rollup = job("Kazakhstan update", "x");
        rollup.kind = JobKind::Rollup;
        rollup.recipient = "boss@example.org".into();
        rollup.payload = Payload::from_value(JobKind::Rollup, json!({"severity": "critical", "entries": [
            {"traveller": "Ann Lee", "place": {"country": "KZ", "city": "Almaty"}, "start": "2022-01-03", "end": "2022-01-20", "triggers": ["state_of_emergency"]},
            {"traveller": "Ann Lee", "place": {"country": "KZ", "city": "Almaty"}, "start": "2022-01-03", "end": "2022-01-20", "triggers": ["live_ammunition", "state_of_emergency"]}],
            "evidence": [{"trigger": "live_ammunition", "name": "Live ammunition", "country": "KZ", "city": "Almaty",
                "evidence": "Troops fired <live rounds>\r\nat protesters in Almaty."}]})).expect("a roll-up");
        // An alert to a traveller carries the answer links, in the text and in the facts.
        let linked =
            Templates::load(None).expect("templates").with_links(crate::channels::links::LinkMaker {
                key: crate::channels::links::LinkKey::from_bytes([3; 32]),
                base_url: "https://tw.example.org".into(),
                ttl: std::time::Duration::from_secs(3600),
            });
        let mut to_ann = job("Kazakhstan update", "x");
        to_ann.traveller_id = Some(5);
        let r = linked.render_job_at(&to_ann, sent).expect("renders");
        let safe = r.facts["respond"]["safe"].as_str().expect("safe link").to_owned();
        assert!(safe.starts_with("https://tw.example.org/respond/7.5.") && safe.ends_with("/safe"), "{safe}");
        // (HTML attributes are entity-escaped, `/` included; browsers decode them.)
        assert!(r.text.contains(&safe) && r.html.replace("&#x2f;", "/").contains(&safe), "{}", r.html);
        assert_eq!(linked.render_facts(&to_ann).facts["respond"]["safe"], safe.as_str());
        // A JSON webhook gets the same facts without the templates being rendered.
        let full = t.render_job_at(&rollup, sent).expect("renders");
        let facts = t.render_facts(&rollup);
        assert_eq!(facts.facts, full.facts);
        assert_eq!(facts.message_id, full.message_id);
        assert!(facts.text.is_empty() && facts.html.is_empty());
        let r = t.render_job_at(&rollup, sent).expect("renders");
        assert!(r.text.starts_with("1 of your travellers is concerned"), "{}", r.text);
        assert_eq!(r.text.matches("* Ann Lee").count(), 1, "{}", r.text);
        assert!(r.text.contains("State of emergency, Live ammunition"), "{}", r.text);
        // What the advisory says, quoted on one line, escaped in HTML.
        assert!(
            r.text.contains("* Live ammunition (Almaty, Kazakhstan): \"Troops fired <live rounds> at protesters in Almaty.\""),
            "{}",
            r.text
        );
        assert!(r.html.contains("&lt;live rounds&gt;") && !r.html.contains("<live rounds>"), "{}", r.html);
        assert!(
            r.subject.contains("State of emergency, Live ammunition") && !r.subject.contains('_'),
            "{}",
            r.subject
        );
    }

    #[test]
    fn a_digest_to_a_traveller_carries_answer_links_for_each_advisory() {
        let linked =
            Templates::load(None).expect("templates").with_links(crate::channels::links::LinkMaker {
                key: crate::channels::links::LinkKey::from_bytes([3; 32]),
                base_url: "https://tw.example.org".into(),
                ttl: std::time::Duration::from_secs(3600),
            });
        let mut d = job("Kazakhstan update", "x");
        d.kind = JobKind::Digest;
        d.alert_id = 30;
        d.traveller_id = Some(5);
        let part = |id: i64, title: &str| {
            json!({"alert_id": id, "advisory": {"id": "a", "title": title, "source": "desk"}, "severity": "high",
                   "items": [{"trigger": "curfew", "name": "Curfew", "severity": "high", "country": "KZ",
                              "evidence": "A curfew is in force.", "reasons": []}]})
        };
        d.payload = Payload::from_value(
            JobKind::Digest,
            json!({"recipient": {"name": "Ann Lee"}, "severity": "high", "schedule": "0 8 * * *",
                           "alerts": [part(11, "First"), part(12, "Second")]}),
        )
        .expect("a digest");
        let sent: jiff::Timestamp = "2022-01-06T15:30:00Z".parse().expect("ts");
        let r = linked.render_job_at(&d, sent).expect("renders");
        for id in [11, 12] {
            let safe = r.facts["alerts"][if id == 11 { 0 } else { 1 }]["respond"]["safe"]
                .as_str()
                .expect("a link per advisory")
                .to_owned();
            assert!(safe.starts_with(&format!("https://tw.example.org/respond/{id}.5.")), "{safe}");
            assert!(r.text.contains(&safe), "{}", r.text);
        }
        // To a manager (no traveller), a digest has no answer links.
        d.traveller_id = None;
        let r = linked.render_job_at(&d, sent).expect("renders");
        assert!(r.facts["alerts"][0].get("respond").is_none() && !r.text.contains("/respond/"), "{}", r.text);
    }
}
