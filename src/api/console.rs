//! The managers' console, served by the daemon: sign-in with console users (`tripwatch user
//! add`), a session cookie (`HttpOnly; Secure; SameSite=Strict`), a CSRF token on every form,
//! sign-in rate limiting, sign-out and session expiry; the dashboard shows where travellers
//! are today with the highest recent severity there, who has answered the alerts, and lets a
//! manager account for a traveller by hand. Server-rendered (minijinja, HTML auto-escaped),
//! no script.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::ApiState;
use crate::store::users::Session;

const COOKIE: &str = "tw_session";
/// How long a sign-in lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// Failed sign-ins allowed per email address within `FAILURE_WINDOW`.
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../config/console/base.html")),
    ("login.html", include_str!("../../config/console/login.html")),
    ("dashboard.html", include_str!("../../config/console/dashboard.html")),
    ("advisories.html", include_str!("../../config/console/advisories.html")),
    ("advisory.html", include_str!("../../config/console/advisory.html")),
    ("preview.html", include_str!("../../config/console/preview.html")),
    ("operations.html", include_str!("../../config/console/operations.html")),
    ("travellers.html", include_str!("../../config/console/travellers.html")),
    ("import_check.html", include_str!("../../config/console/import_check.html")),
    ("respond.html", include_str!("../../config/console/respond.html")),
    ("reviews.html", include_str!("../../config/console/reviews.html")),
    ("subscriptions.html", include_str!("../../config/console/subscriptions.html")),
    ("traveller.html", include_str!("../../config/console/traveller.html")),
];

/// Argon2id hash (PHC string) of a password, with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    if password.chars().count() < 10 {
        anyhow::bail!("a console password needs at least 10 characters");
    }
    let mut salt = [0u8; 16];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of nothing anyone knows, verified when the email is unknown so that a wrong email
/// takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no such user, no such password").unwrap_or_default())
}

fn random_hex() -> std::io::Result<String> {
    let mut b = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The console's templates and sign-in failure counts.
pub struct Console {
    env: Environment<'static>,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Default for Console {
    fn default() -> Self {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, src) in TEMPLATES {
            env.add_template(name, src).expect("console templates are valid");
        }
        Console { env, failures: Mutex::new(HashMap::new()) }
    }
}

impl Console {
    pub(crate) fn page(&self, status: StatusCode, name: &str, ctx: Value) -> Response {
        let body = match self.env.get_template(name).and_then(|t| t.render(&ctx)) {
            Ok(b) => b,
            Err(e) => {
                return super::error(StatusCode::INTERNAL_SERVER_ERROR, &format!("template {name}: {e}"));
            }
        };
        secure((status, body).into_response())
    }

    fn locked_out(&self, email: &str) -> bool {
        let f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        f.get(email).is_some_and(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW)
    }

    fn failed(&self, email: &str) {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if f.len() > 100_000 {
            f.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        let e = f.entry(email.to_owned()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= FAILURE_WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    fn succeeded(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(email);
    }
}

/// Headers every console page carries: HTML, never cached, not framed, no script.
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

fn redirect(to: &'static str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_static(to));
    r
}

fn now() -> jiff::Timestamp {
    crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now())
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn with_store<T>(
    st: &ApiState,
    f: impl FnOnce(&mut crate::store::Store) -> Result<T, crate::store::StoreError>,
) -> Option<T> {
    let s = st.store.clone()?;
    tokio::task::block_in_place(|| f(&mut s.lock().unwrap_or_else(|p| p.into_inner()))).ok()
}

fn session_of(st: &ApiState, headers: &HeaderMap) -> Option<(String, Session)> {
    let token = cookie_token(headers)?;
    let t = now().as_second();
    let s = with_store(st, |s| s.session(&token, t)).flatten()?;
    Some((token, s))
}

/// A form post is accepted only with the session's CSRF token.
fn csrf_ok(session: &Session, fields: &HashMap<String, String>) -> bool {
    fields.get("csrf").is_some_and(|c| bool::from(c.as_bytes().ct_eq(session.csrf.as_bytes())))
}

/// `GET /login`.
pub async fn login_page(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    if session_of(&st, &headers).is_some() {
        return redirect("/");
    }
    st.console.page(StatusCode::OK, "login.html", json!({"title": "Sign in", "email": ""}))
}

/// `POST /login` (form: email, password).
pub async fn login(State(st): State<Arc<ApiState>>, body: Bytes) -> Response {
    let f = form(&body);
    let email = f.get("email").map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let page = |status, error: &str| {
        st.console.page(status, "login.html", json!({"title": "Sign in", "email": email, "error": error}))
    };
    if st.console.locked_out(&email) {
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins for this address; try again in 15 minutes.",
        );
    }
    let user = with_store(&st, |s| s.user_by_email(&email)).flatten();
    let hash = user.as_ref().map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let ok = tokio::task::block_in_place(|| verify_password(&password, &hash));
    let Some(user) = user.filter(|_| ok) else {
        st.console.failed(&email);
        return page(StatusCode::UNAUTHORIZED, "Wrong email or password.");
    };
    st.console.succeeded(&email);
    let (Ok(token), Ok(csrf)) = (random_hex(), random_hex()) else {
        return page(StatusCode::SERVICE_UNAVAILABLE, "Could not start a session; try again.");
    };
    let t = now().as_second();
    let expires = t + SESSION_TTL.as_secs() as i64;
    if with_store(&st, |s| {
        s.create_session(user.id, &token, &csrf, t, expires)?;
        s.audit(&format!("user:{}", user.email), "sign-in", "{}", t)
    })
    .is_none()
    {
        return page(StatusCode::SERVICE_UNAVAILABLE, "Could not start a session; try again.");
    }
    let mut r = redirect("/");
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_TTL.as_secs()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `POST /logout` (form: csrf).
pub async fn logout(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((token, session)) = session_of(&st, &headers) else { return redirect("/login") };
    if !csrf_ok(&session, &form(&body)) {
        return secure((StatusCode::FORBIDDEN, "Missing or wrong form token.").into_response());
    }
    with_store(&st, |s| s.end_session(&token));
    let mut r = redirect("/login");
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("tw_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}

/// `GET /`: the dashboard (the sign-in page when not signed in).
pub async fn dashboard(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let t = now();
    let day = t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
    let since = t.as_second() - 14 * 86400;
    let data = with_store(&st, |s| {
        let situation = s.situation(&day, since)?;
        let rows = s.accountability(None, since)?;
        Ok((situation, rows))
    });
    let Some((situation, rows)) = data else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read");
    };
    let g = crate::detect::places::Gazetteer::get();
    let countries: Vec<Value> = situation
        .iter()
        .map(|(code, n, sev)| {
            let name = crate::detect::places::CountryCode::parse(code)
                .and_then(|c| g.country(c).map(|c| c.name.to_owned()))
                .unwrap_or_else(|| code.clone());
            json!({"code": code, "name": name, "travellers": n, "severity": sev,
                   "color": severity_colour(sev.as_deref())})
        })
        .collect();
    let markers: Vec<Value> = situation
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .filter_map(|(code, n, _)| centroid(code).map(|(x, y)| json!({"x": x, "y": y, "n": n})))
        .collect();
    let summary = crate::store::accountability::summarize(&rows);
    let titles: HashMap<&str, &str> =
        rows.iter().filter_map(|r| Some((r.advisory_id.as_str(), r.advisory_title.as_deref()?))).collect();
    let notice = uri.query().is_some_and(|q| q.contains("marked=1")).then_some("Recorded.");
    st.console.page(
        StatusCode::OK,
        "dashboard.html",
        json!({
            "title": "Dashboard", "user": {"email": session.user.email, "role": session.user.role},
            "csrf": session.csrf, "countries": countries, "summary": summary, "titles": titles,
            "alerts": rows.iter().take(200).collect::<Vec<_>>(), "notice": notice,
            "can_manage": session.user.role != "viewer", "map_paths": MAP_PATHS, "markers": markers,
        }),
    )
}

fn iso_day(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(|t| t.strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

fn user_ctx(session: &Session) -> Value {
    json!({"email": session.user.email, "role": session.user.role})
}

/// `GET /advisories`: the newest stored advisory versions.
pub async fn advisories(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let Some(list) = with_store(&st, |s| s.advisories(200, None, None)) else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read");
    };
    let rows: Vec<Value> = list
        .iter()
        .map(|a| {
            json!({"id": a.id, "title": a.title, "source": a.source, "countries": a.countries,
                   "processed": iso_day(a.processed_at), "detections": a.detections, "alerts": a.alerts, "held": a.held})
        })
        .collect();
    st.console.page(
        StatusCode::OK,
        "advisories.html",
        json!({"title": "Advisories", "user": user_ctx(&session), "csrf": session.csrf, "advisories": rows}),
    )
}

/// The body cut into plain and marked parts at the evidence spans (byte offsets into the
/// body; overlapping or out-of-range spans are merged or dropped, cuts stay on characters).
pub fn marked_parts(body: &str, spans: &[(i64, i64)]) -> Vec<Value> {
    let mut spans: Vec<(usize, usize)> = spans
        .iter()
        .filter_map(|&(s, e)| {
            let (s, e) = (usize::try_from(s).ok()?, usize::try_from(e).ok()?.min(body.len()));
            (s < e && body.is_char_boundary(s) && body.is_char_boundary(e)).then_some((s, e))
        })
        .collect();
    spans.sort_unstable();
    let mut parts = Vec::new();
    let mut at = 0;
    for (s, e) in spans {
        if e <= at {
            continue;
        }
        let s = s.max(at);
        if s > at {
            parts.push(json!({"text": &body[at..s], "mark": false}));
        }
        parts.push(json!({"text": &body[s..e], "mark": true}));
        at = e;
    }
    if at < body.len() {
        parts.push(json!({"text": &body[at..], "mark": false}));
    }
    parts
}

/// `GET /advisories/{id}`: the latest version, its detections with the evidence marked in
/// the text, and who was alerted.
pub async fn advisory(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let Some(detail) = with_store(&st, |s| s.advisory(&id)).flatten() else {
        return secure((StatusCode::NOT_FOUND, "No such advisory.").into_response());
    };
    let Some(v) = detail.versions.last() else {
        return secure((StatusCode::NOT_FOUND, "No such advisory.").into_response());
    };
    let spans: Vec<(i64, i64)> = v.detection_list.iter().map(|d| d.span).collect();
    // The first 500 of each list; the page says how many there are in all (the API has them).
    let alerts: Vec<Value> = detail
        .alerts
        .iter()
        .take(500)
        .map(
            |a| json!({"recipient": a.recipient, "kind": a.kind, "severity": a.severity, "status": a.status}),
        )
        .collect();
    st.console.page(
        StatusCode::OK,
        "advisory.html",
        json!({
            "title": v.summary.title, "user": user_ctx(&session), "csrf": session.csrf, "v": v.summary,
            "processed": iso_day(v.summary.processed_at),
            "url": crate::channels::render::safe_url(v.summary.url.as_deref()),
            "detections": v.detection_list, "alerts": alerts, "parts": marked_parts(&v.body, &spans),
            "not_alerted": detail.not_alerted.iter().filter(|p| p.version == v.summary.version).take(500).collect::<Vec<_>>(),
            "alerts_total": detail.alerts.len(),
            "not_alerted_total": detail.not_alerted.iter().filter(|p| p.version == v.summary.version).count(),
        }),
    )
}

/// `GET /operations`: failed and dead deliveries (retry), sources (poll now), the audit log.
pub async fn operations(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let data = with_store(&st, |s| {
        let mut d = s.deliveries(Some("failed"))?;
        d.extend(s.deliveries(Some("dead"))?);
        Ok((d, s.sources()?, s.audit_log(100)?))
    });
    let Some((deliveries, sources, audit)) = data else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read");
    };
    let configured = st.live().sources;
    let mut rows: Vec<Value> = sources
        .iter()
        .map(|s| {
            json!({"name": s.name, "last_success": s.last_success.map(iso_day), "last_error": s.last_error,
                   "items_seen": s.items_seen, "next_run": iso_day(s.next_run), "configured": configured.contains(&s.name)})
        })
        .collect();
    for name in configured.iter().filter(|n| !sources.iter().any(|s| &s.name == *n)) {
        rows.push(json!({"name": name, "items_seen": 0, "next_run": "at start", "configured": true}));
    }
    let audit: Vec<Value> =
        audit.iter().map(|(at, who, what, detail)| json!({"at": iso_day(*at), "actor": who, "action": what, "detail": detail})).collect();
    let notice = uri.query().and_then(|q| {
        if q.contains("retried=1") {
            Some("Queued again.")
        } else if q.contains("polled=1") {
            Some("Poll requested.")
        } else {
            None
        }
    });
    st.console.page(
        StatusCode::OK,
        "operations.html",
        json!({"title": "Operations", "user": user_ctx(&session), "csrf": session.csrf, "deliveries": deliveries,
               "sources": rows, "audit": audit, "notice": notice, "can_manage": session.user.role != "viewer"}),
    )
}

/// The session of a changing form post: signed in, the form token, and not a viewer.
fn manager_post(st: &ApiState, headers: &HeaderMap, body: &[u8]) -> Result<Session, Box<Response>> {
    manager_with(st, headers, &form(body))
}

/// `manager_post` for fields already parsed (a multipart upload).
fn manager_with(
    st: &ApiState,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> Result<Session, Box<Response>> {
    let Some((_, session)) = session_of(st, headers) else { return Err(Box::new(redirect("/login"))) };
    if !csrf_ok(&session, fields) {
        return Err(Box::new(secure(
            (StatusCode::FORBIDDEN, "Missing or wrong form token.").into_response(),
        )));
    }
    if session.user.role == "viewer" {
        return Err(Box::new(secure(
            (StatusCode::FORBIDDEN, "Viewers cannot change anything.").into_response(),
        )));
    }
    Ok(session)
}

fn see_other(to: String) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `POST /console/deliveries/{id}/retry` (form: csrf).
pub async fn retry_delivery(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let session = match manager_post(&st, &headers, &body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let t = now();
    let done = with_store(&st, |s| {
        let n = s.retry_delivery(Some(id), t)?;
        s.audit(
            &format!("user:{}", session.user.email),
            "delivery:retry",
            &json!({"delivery": id}).to_string(),
            t.as_second(),
        )?;
        Ok(n)
    });
    match done {
        Some(n) if n > 0 => see_other("/operations?retried=1".into()),
        _ => secure((StatusCode::NOT_FOUND, "No failed or dead delivery with that id.").into_response()),
    }
}

/// `POST /console/sources/{name}/poll` (form: csrf).
pub async fn poll_source(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let session = match manager_post(&st, &headers, &body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    if !st.live().sources.contains(&name) {
        return secure((StatusCode::NOT_FOUND, "No such configured source.").into_response());
    }
    let t = now();
    let done = with_store(&st, |s| {
        s.source_poll_now(&name, t)?;
        s.audit(
            &format!("user:{}", session.user.email),
            "source:poll",
            &json!({"source": name}).to_string(),
            t.as_second(),
        )
    });
    match done {
        Some(()) => see_other("/operations?polled=1".into()),
        None => super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be written"),
    }
}

/// The `?key=value` of a page's query, decoded.
fn query_value(uri: &axum::http::Uri, key: &str) -> Option<String> {
    uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
    })
}

/// `GET /reviews`: advisories whose alerts wait for a manager, and the latest decisions.
pub async fn reviews(State(st): State<Arc<ApiState>>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let Some(all) = with_store(&st, |s| s.reviews(false)) else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read");
    };
    let row = |r: &crate::store::reviews::ReviewRow| {
        json!({"advisory_id": r.advisory_id, "version": r.version, "title": r.title, "reason": r.reason,
               "detections": r.detections, "alerts": r.alerts, "created": iso_day(r.created_at),
               "decision": r.decision, "note": r.note, "decided_by": r.decided_by,
               "decided": r.decided_at.map(iso_day)})
    };
    let waiting: Vec<Value> = all.iter().filter(|r| r.decision.is_none()).map(row).collect();
    let decided: Vec<Value> = all.iter().filter(|r| r.decision.is_some()).take(50).map(row).collect();
    let notice = match query_value(&uri, "done").as_deref() {
        Some("approved") => Some("Approved: the alerts are on their way."),
        Some("rejected") => Some("Rejected: nothing was sent."),
        _ => None,
    };
    st.console.page(
        StatusCode::OK,
        "reviews.html",
        json!({"title": "Review queue", "user": user_ctx(&session), "csrf": session.csrf, "waiting": waiting,
               "decided": decided, "notice": notice, "can_manage": session.user.role != "viewer"}),
    )
}

/// `POST /console/reviews/{advisory}/{approve|reject}` (form: csrf, reason): decide a waiting
/// review as the signed-in manager; audited by the store with the decision.
pub async fn decide_review(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path((advisory_id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    use crate::store::reviews::Decision;
    let session = match manager_post(&st, &headers, &body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let decision = match action.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => return secure((StatusCode::NOT_FOUND, "No such action.").into_response()),
    };
    let reason = form(&body).remove("reason").filter(|r| !r.trim().is_empty());
    if decision == Decision::Reject && reason.is_none() {
        return secure((StatusCode::BAD_REQUEST, "A rejection needs a reason.").into_response());
    }
    let Some(store) = st.store.clone() else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be written");
    };
    let by = format!("user:{}", session.user.email);
    let t = now();
    let done = tokio::task::block_in_place(|| {
        store.lock().unwrap_or_else(|p| p.into_inner()).decide_review(
            &advisory_id,
            decision,
            reason.as_deref(),
            &by,
            t,
        )
    });
    match done {
        Ok(_) => see_other(format!("/reviews?done={action}d")),
        Err(crate::store::StoreError::NotFound(m)) => secure((StatusCode::NOT_FOUND, m).into_response()),
        Err(e) => secure((StatusCode::BAD_REQUEST, e.to_string()).into_response()),
    }
}

/// `GET /subscriptions`: every subscription, and a form to add one.
pub async fn subscriptions(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    subscriptions_page(
        &st,
        &session,
        StatusCode::OK,
        query_value(&uri, "added")
            .map(|_| "Subscription added.".to_owned())
            .or_else(|| query_value(&uri, "removed").map(|_| "Subscription removed.".to_owned())),
        None,
        json!({}),
    )
}

fn subscriptions_page(
    st: &ApiState,
    session: &Session,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    entered: Value,
) -> Response {
    let Some(subs) = with_store(st, |s| s.subscriptions()) else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read");
    };
    let live = st.live();
    let triggers = super::admin::known_triggers(st);
    let rows: Vec<Value> = subs
        .iter()
        .map(|s| {
            json!({"id": s.id, "email": s.recipient.email.as_str(), "name": s.recipient.name,
                   "scope": s.scope.to_string(),
                   "triggers": if s.triggers.is_empty() { "all".to_owned() } else { s.triggers.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ") },
                   "min_severity": s.min_severity.to_string(),
                   "channels": s.channels.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "),
                   "mode": s.mode.to_string()})
        })
        .collect();
    st.console.page(
        status,
        "subscriptions.html",
        json!({"title": "Subscriptions", "user": user_ctx(session), "csrf": session.csrf, "subscriptions": rows,
               "triggers": triggers, "webhooks": live.webhooks, "notice": notice, "error": error,
               "entered": entered, "can_manage": session.user.role != "viewer"}),
    )
}

/// `POST /subscriptions` (form: csrf, email, name, places, follow_trips, triggers,
/// min_severity, channels, digest): add a subscription, validated as the CLI and API do;
/// audited.
pub async fn add_subscription(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let one = |k: &str| {
        pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty())
    };
    // Multi-selects repeat the field; a text field may hold a comma-separated list.
    let list = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .flat_map(|(_, v)| {
                v.split([',', ' ']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned)
            })
            .collect()
    };
    let args = crate::app::people::SubscriptionArgs {
        email: one("email").unwrap_or_default(),
        name: one("name"),
        timezone: one("timezone"),
        follow_trips: one("follow_trips").is_some(),
        places: list("places"),
        triggers: list("triggers"),
        min_severity: one("min_severity"),
        channels: list("channels"),
        digest: one("digest"),
        digest_critical: one("digest_critical").is_some(),
    };
    let known = super::admin::known_triggers(&st);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let hooks = st.live().webhooks;
    let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
    let r = console_change(&st, &headers, &body, "subscription:add", |s, _| {
        crate::app::people::add_subscription(s, &known, &hooks, &args)
    });
    match r {
        Err(resp) => *resp,
        Ok(Ok(_)) => see_other("/subscriptions?added=1".into()),
        Ok(Err(msg)) => match session_of(&st, &headers) {
            Some((_, session)) => {
                let entered = json!({"email": args.email, "name": args.name, "places": args.places.join(", "),
                                     "digest": args.digest, "follow_trips": args.follow_trips});
                subscriptions_page(&st, &session, StatusCode::BAD_REQUEST, None, Some(msg), entered)
            }
            None => redirect("/login"),
        },
    }
}

/// `GET /travellers[?q=]`: travellers with their trips, searched by name or email.
pub async fn travellers(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let q = uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "q").map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let notice = uri.query().is_some_and(|q| q.contains("imported=1")).then_some("The upload was applied.");
    let Some((rows, total)) = with_store(&st, |s| s.traveller_page(q.trim(), 500)) else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read");
    };
    st.console.page(
        StatusCode::OK,
        "travellers.html",
        json!({"title": "Travellers", "user": user_ctx(&session), "csrf": session.csrf, "q": q, "notice": notice,
               "travellers": rows, "shown": rows.len(), "total": total,
               "can_manage": session.user.role != "viewer"}),
    )
}

/// Run one console change as the signed-in manager (CSRF checked, viewers refused): `f` gets
/// the store and the form and says what it did; the change is audited under `action`.
/// `Ok(sentence)` or `Err(response)` (sign-in, 403) or `Ok(Err(message))` for a refused change.
fn console_change(
    st: &ApiState,
    headers: &HeaderMap,
    body: &[u8],
    action: &str,
    f: impl FnOnce(&mut crate::store::Store, &HashMap<String, String>) -> anyhow::Result<String>,
) -> Result<Result<String, String>, Box<Response>> {
    let session = manager_post(st, headers, body)?;
    let fields = form(body);
    let Some(store) = st.store.clone() else {
        return Err(Box::new(super::error(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be written")));
    };
    let t = now().as_second();
    let by = format!("user:{}", session.user.email);
    Ok(tokio::task::block_in_place(|| {
        let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
        let done = f(&mut s, &fields).map_err(|e| format!("{e:#}"))?;
        let _ = s.audit(&by, action, &json!({"result": done}).to_string(), t);
        Ok(done)
    }))
}

/// A form field, trimmed; `None` when absent or empty.
fn field(f: &HashMap<String, String>, k: &str) -> Option<String> {
    f.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `GET /travellers/{email}`: one traveller, their details and trips, each editable.
pub async fn traveller(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(email): Path<String>,
    uri: axum::http::Uri,
) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    traveller_page(&st, &session, &email, StatusCode::OK, query_value(&uri, "done"), None)
}

fn traveller_page(
    st: &ApiState,
    session: &Session,
    email: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let Ok(address) = crate::route::model::Email::parse(email) else {
        return secure((StatusCode::NOT_FOUND, "No such traveller.").into_response());
    };
    let found = with_store(st, |s| Ok((s.traveller_by_email(&address)?, s.trips(Some(&address))?)));
    let Some((Some(t), trips)) = found else {
        return secure((StatusCode::NOT_FOUND, "No such traveller.").into_response());
    };
    let trips: Vec<Value> = trips
        .iter()
        .map(|p| {
            json!({"id": p.id, "country": p.place.country.as_str(), "city": p.place.city,
                        "start": p.start.to_string(), "end": p.end.to_string()})
        })
        .collect();
    st.console.page(
        status,
        "traveller.html",
        json!({"title": t.name, "user": user_ctx(session), "csrf": session.csrf, "notice": notice, "error": error,
               "t": {"name": t.name, "email": t.email.as_str(), "timezone": t.timezone,
                     "manager": t.manager.as_ref().map(|m| m.as_str())},
               "trips": trips, "can_manage": session.user.role != "viewer"}),
    )
}

/// Where a traveller's page lives.
fn traveller_url(email: &str, done: &str) -> String {
    let e: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    let d: String = url::form_urlencoded::byte_serialize(done.as_bytes()).collect();
    format!("/travellers/{e}?done={d}")
}

/// After a change on a traveller's page: back to it with what was done, or the page again
/// with the refusal.
fn traveller_result(
    st: &ApiState,
    headers: &HeaderMap,
    email: &str,
    r: Result<Result<String, String>, Box<Response>>,
) -> Response {
    match r {
        Err(resp) => *resp,
        Ok(Ok(done)) => see_other(traveller_url(email, &done)),
        Ok(Err(msg)) => match session_of(st, headers) {
            Some((_, session)) => {
                traveller_page(st, &session, email, StatusCode::BAD_REQUEST, None, Some(msg))
            }
            None => redirect("/login"),
        },
    }
}

/// `POST /travellers/{email}` (form: csrf, name, timezone, manager): change a traveller; an
/// empty manager removes the manager.
pub async fn change_traveller(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(email): Path<String>,
    body: Bytes,
) -> Response {
    let hooks = st.live().webhooks;
    let r = console_change(&st, &headers, &body, "traveller:change", |s, f| {
        let change = crate::app::people::TravellerChange {
            name: field(f, "name"),
            timezone: field(f, "timezone"),
            language: None,
            manager: f.get("manager").map(|m| m.trim().to_owned()),
            webhooks: None,
        };
        let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
        crate::app::people::change_traveller(s, &email, &change, &hooks)
    });
    traveller_result(&st, &headers, &email, r)
}

/// `POST /console/travellers` (form: csrf, name, email, timezone, manager): add a traveller.
pub async fn add_traveller(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let hooks = st.live().webhooks;
    let email = field(&form(&body), "email").unwrap_or_default().to_lowercase();
    let r = console_change(&st, &headers, &body, "traveller:add", |s, f| {
        let args = crate::app::people::TravellerArgs {
            name: field(f, "name").unwrap_or_default(),
            email: email.clone(),
            timezone: field(f, "timezone"),
            language: None,
            manager: field(f, "manager"),
            webhooks: Vec::new(),
        };
        let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
        crate::app::people::add_traveller(s, &args, &hooks)
    });
    match r {
        Err(resp) => *resp,
        Ok(Ok(done)) => see_other(traveller_url(&email, &done)),
        Ok(Err(msg)) => secure((StatusCode::BAD_REQUEST, msg).into_response()),
    }
}

/// `POST /console/trips` (form: csrf, email, country, city, start, end): add a trip; the
/// notice carries the destination's standing risk.
pub async fn add_trip(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let email = field(&form(&body), "email").unwrap_or_default();
    let r = console_change(&st, &headers, &body, "trip:add", |s, f| {
        let args = crate::app::people::TripArgs {
            email: email.clone(),
            country: field(f, "country").unwrap_or_default(),
            city: field(f, "city"),
            start: field(f, "start").unwrap_or_default(),
            end: field(f, "end").unwrap_or_default(),
        };
        crate::app::people::add_trip(s, &args)
    });
    traveller_result(&st, &headers, &email, r)
}

/// `POST /console/trips/{id}` (form: csrf, email, country, city, start, end, remove): change
/// or (with `remove`) remove a trip.
pub async fn change_trip(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let email = field(&form(&body), "email").unwrap_or_default();
    let removing = form(&body).contains_key("remove");
    let r =
        console_change(&st, &headers, &body, if removing { "trip:remove" } else { "trip:change" }, |s, f| {
            if removing {
                s.remove_trip(id)?;
                return Ok(format!("trip {id} removed"));
            }
            let change = crate::app::people::TripChange {
                country: field(f, "country"),
                city: Some(f.get("city").map(|c| c.trim().to_owned()).unwrap_or_default()),
                start: field(f, "start"),
                end: field(f, "end"),
            };
            crate::app::people::change_trip(s, id, &change)
        });
    traveller_result(&st, &headers, &email, r)
}

/// `POST /console/subscriptions/{id}/remove` (form: csrf).
pub async fn remove_subscription(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let r = console_change(&st, &headers, &body, "subscription:remove", |s, _| {
        s.remove_subscription(id)?;
        Ok(format!("subscription {id} removed"))
    });
    match r {
        Err(resp) => *resp,
        Ok(Ok(_)) => see_other("/subscriptions?removed=1".into()),
        Ok(Err(msg)) => secure((StatusCode::NOT_FOUND, msg).into_response()),
    }
}

/// The text fields of a `multipart/form-data` body (file parts included, as text).
pub fn multipart_fields(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(boundary) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("boundary=")))
        .map(|b| format!("--{}", b.trim_matches('"')))
    else {
        return out;
    };
    let text = String::from_utf8_lossy(body);
    for part in text.split(boundary.as_str()).skip(1) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else { continue };
        let Some(name) = head
            .split(';')
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_owned())
        else {
            continue;
        };
        let name = name.split('"').next().unwrap_or_default().to_owned();
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        out.insert(name, content.to_owned());
    }
    out
}

/// `POST /travellers/import` (multipart: csrf, file or csv): what the upload would change.
pub async fn import_check(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let f = multipart_fields(&headers, &body);
    let session = match manager_with(&st, &headers, &f) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let csv =
        f.get("file").filter(|c| !c.trim().is_empty()).or_else(|| f.get("csv")).cloned().unwrap_or_default();
    let (report, errors) = match check_rows(&st, &csv, false) {
        Ok(r) => (Some(r), Vec::new()),
        Err(e) => (None, e),
    };
    st.console.page(
        if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST },
        "import_check.html",
        json!({"title": "Check the upload", "user": user_ctx(&session), "csrf": session.csrf, "csv": csv,
               "report": report, "errors": errors}),
    )
}

/// Parse CSV rows and check (or apply) them: the report, or the errors by line.
fn check_rows(st: &ApiState, csv: &str, apply: bool) -> Result<crate::store::ImportReport, Vec<String>> {
    if csv.trim().is_empty() {
        return Err(vec!["the upload is empty".into()]);
    }
    let rows = crate::app::import::parse_csv(csv)?;
    let hooks = st.live().webhooks;
    let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
    crate::app::people::check_imported_webhooks(&rows.travellers, &hooks).map_err(|e| vec![e.to_string()])?;
    let s = st.store.clone().ok_or_else(|| vec!["no store".to_owned()])?;
    tokio::task::block_in_place(|| {
        let mut s = s.lock().unwrap_or_else(|p| p.into_inner());
        if apply {
            s.import(&rows.travellers, &rows.trips)
        } else {
            s.import_check(&rows.travellers, &rows.trips)
        }
    })
    .map_err(|e| vec![e.to_string()])
}

/// `POST /travellers/import/apply` (form: csrf, csv): apply a checked upload, audited.
pub async fn import_apply(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let session = match manager_post(&st, &headers, &body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let csv = form(&body).remove("csv").unwrap_or_default();
    match check_rows(&st, &csv, true) {
        Ok(report) => {
            let t = now().as_second();
            with_store(&st, |s| {
                s.audit(
                    &format!("user:{}", session.user.email),
                    "import",
                    &serde_json::to_string(&report).unwrap_or_default(),
                    t,
                )
            });
            see_other("/travellers?imported=1".into())
        }
        Err(errors) => st.console.page(
            StatusCode::BAD_REQUEST,
            "import_check.html",
            json!({"title": "Check the upload", "user": user_ctx(&session), "csrf": session.csrf, "csv": csv,
                   "errors": errors}),
        ),
    }
}

/// `GET /preview`: the paste form.
pub async fn preview_page(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    st.console.page(
        StatusCode::OK,
        "preview.html",
        json!({"title": "Preview", "user": user_ctx(&session), "csrf": session.csrf, "text": ""}),
    )
}

/// `POST /preview` (form: csrf, text): detections and would-be recipients, as `tripwatch
/// preview` explains them; nothing is stored or sent.
pub async fn preview(State(st): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((_, session)) = session_of(&st, &headers) else { return redirect("/login") };
    let f = form(&body);
    if !csrf_ok(&session, &f) {
        return secure((StatusCode::FORBIDDEN, "Missing or wrong form token.").into_response());
    }
    let text = f.get("text").cloned().unwrap_or_default();
    let page = |status, report: Option<String>, error: Option<String>| {
        st.console.page(
            status,
            "preview.html",
            json!({"title": "Preview", "user": user_ctx(&session), "csrf": session.csrf, "text": text,
                   "report": report, "error": error}),
        )
    };
    let adv = match crate::sources::parse_bytes(text.as_bytes(), crate::sources::LOCAL_SOURCE) {
        Ok(a) => a,
        Err(e) => return page(StatusCode::BAD_REQUEST, None, Some(e.to_string())),
    };
    let live = st.live();
    let t = now();
    match with_store(&st, |s| crate::app::process::plan(s, &live.engine, &live.policy, &adv, t, t)) {
        Some(o) => page(StatusCode::OK, Some(crate::app::preview::text("pasted advisory", &adv, &o)), None),
        None => page(StatusCode::SERVICE_UNAVAILABLE, None, Some("the store cannot be read".into())),
    }
}

/// The country shapes of the dashboard map (Natural Earth via world-atlas; see
/// `data/build_world_map.py`) and where each country's traveller count is drawn.
const MAP_PATHS: &str = include_str!("world/countries.svg");
const MAP_CENTROIDS: &str = include_str!("world/centroids.tsv");

fn centroid(code: &str) -> Option<(f64, f64)> {
    static C: std::sync::OnceLock<HashMap<&'static str, (f64, f64)>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        MAP_CENTROIDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?, (f.next()?.parse().ok()?, f.next()?.parse().ok()?)))
            })
            .collect()
    })
    .get(code)
    .copied()
}

/// The map colour of a severity.
fn severity_colour(s: Option<&str>) -> Option<&'static str> {
    match s? {
        "critical" => Some("#b42318"),
        "high" => Some("#f04438"),
        "medium" => Some("#fdb022"),
        "low" => Some("#fedf89"),
        _ => Some("#d0d5dd"),
    }
}

/// `POST /console/alerts/{id}/safe` (form: csrf): a manager accounts for a traveller.
pub async fn mark_safe(
    State(st): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(alert_id): Path<i64>,
    body: Bytes,
) -> Response {
    let session = match manager_post(&st, &headers, &body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let Some(cfg) = st.live().respond else {
        return super::error(StatusCode::SERVICE_UNAVAILABLE, "accountability is not set up");
    };
    let by = format!("manager:{}", session.user.email);
    let done = with_store(&st, |s| {
        let traveller = s
            .traveller_of_alert(alert_id)?
            .ok_or_else(|| crate::store::StoreError::NotFound(format!("alert {alert_id}")))?;
        let given = crate::store::accountability::GivenAnswer {
            alert_id,
            traveller_id: traveller,
            answer: "safe",
            message: Some("marked safe in the console"),
            by: &by,
        };
        s.record_answer(&given, now(), &cfg.escalation)
    });
    match done {
        Some(_) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, HeaderValue::from_static("/?marked=1"));
            r
        }
        None => secure((StatusCode::NOT_FOUND, "No such alert to a traveller.").into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_marked_on_character_boundaries() {
        let body = "Calm day. A curfew is in force — stay in. End.";
        let s = body.find("A curfew").expect("s") as i64;
        let e = body.find(" End").expect("e") as i64;
        let parts = marked_parts(body, &[(s, e), (s + 2, s + 8), (-1, 3), (0, 999_999)]);
        let marked: Vec<&str> =
            parts.iter().filter(|p| p["mark"] == true).filter_map(|p| p["text"].as_str()).collect();
        assert_eq!(marked.concat(), body, "the last span covers the rest; nothing is lost or doubled");
        let joined: String = parts.iter().filter_map(|p| p["text"].as_str()).collect();
        assert_eq!(joined, body);
        // A cut inside a multi-byte character is dropped, not a panic.
        let dash = body.find('—').expect("dash") as i64;
        assert!(marked_parts(body, &[(dash + 1, dash + 2)]).iter().all(|p| p["mark"] == false));
    }

    #[test]
    fn the_answer_page_escapes_what_it_shows() {
        let c = Console::default();
        let r = c.page(
            StatusCode::OK,
            "respond.html",
            json!({"title": "t", "answer": "safe", "traveller": "<b>Ann</b>", "advisory_title": "Curfew & \"unrest\""}),
        );
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
        let body = rt.block_on(axum::body::to_bytes(r.into_body(), usize::MAX)).expect("body");
        let page = String::from_utf8_lossy(&body);
        assert!(
            page.contains("&lt;b&gt;Ann&lt;&#x2f;b&gt;") && page.contains("Curfew &amp; &quot;unrest&quot;"),
            "{page}"
        );
        assert!(page.contains("<label for=\"message\">") && page.contains("method=\"post\""), "{page}");
        assert!(!page.contains("Sign out"), "no console header on the public page");
    }

    #[test]
    fn passwords_are_argon2id_and_checked() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(hash_password("short").is_err(), "too short a password is refused");
        assert_ne!(hash_password("correct horse battery").expect("hash"), h, "salted");
    }

    #[test]
    fn cookies_are_read_strictly() {
        let mut h = HeaderMap::new();
        let token = "a".repeat(64);
        h.insert(header::COOKIE, HeaderValue::from_str(&format!("x=1; tw_session={token}; y=2")).expect("v"));
        assert_eq!(cookie_token(&h).as_deref(), Some(token.as_str()));
        h.insert(header::COOKIE, HeaderValue::from_static("tw_session=../../etc"));
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn sign_in_failures_lock_an_address_out() {
        let c = Console::default();
        for _ in 0..MAX_FAILURES {
            assert!(!c.locked_out("ann@example.org"));
            c.failed("ann@example.org");
        }
        assert!(c.locked_out("ann@example.org"));
        assert!(!c.locked_out("bob@example.org"), "per address");
        c.succeeded("ann@example.org");
        assert!(!c.locked_out("ann@example.org"));
    }
}
