//! The HTTP API (axum): `POST /api/v1/advisories`, `/healthz`, `/readyz`.
//!
//! Bearer tokens are configured as SHA-256 hashes and compared in constant time; each has
//! scopes (`admin`, `manage`, `ingest`, `read`). No token or a wrong token is 401, a token
//! without the scope 403, and neither says more. An accepted advisory is answered 202 with its
//! id only after it is durably in the spool (written, fsynced, renamed into `incoming/`).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::ApiToken;
use crate::store::Store;
use crate::telemetry::metrics;

pub mod admin;
pub mod answers;
pub mod console;
pub mod list;
pub mod respond;
pub mod server;
use crate::sources;

/// What the handlers share.
pub struct ApiState {
    pub spool_incoming: PathBuf,
    /// Wakes the spool worker when a push lands, so it does not wait for its next tick.
    pub spool_wake: Arc<tokio::sync::Notify>,
    pub max_body: usize,
    pub ready: Arc<std::sync::atomic::AtomicBool>,
    /// For gauges read at scrape time (queue depth) and the admin routes.
    pub store: Option<Arc<std::sync::Mutex<Store>>>,
    /// The engine and routing policy in force, replaced on reload.
    pub live: std::sync::Mutex<Live>,
    /// Wakes the daemon to reload.
    pub reload: Arc<tokio::sync::Notify>,
    /// The managers' console (templates, sign-in failure counts).
    pub console: Arc<console::Console>,
    /// PostgreSQL mode: pushes are committed to the shared inbox (any instance processes
    /// them), not written to this machine's spool.
    pub inbox: bool,
    /// PostgreSQL mode: a connection with a short deadline that `/readyz` pings, so an
    /// unreachable database makes the instance not ready.
    pub health: Option<Arc<std::sync::Mutex<Store>>>,
}

/// What the routes need from the loaded configuration; all of it is replaced on reload.
#[derive(Clone)]
pub struct Live {
    pub engine: Arc<crate::detect::Engine>,
    pub policy: crate::route::policy::Policy,
    pub tokens: Arc<Vec<ApiToken>>,
    /// Names of the configured sources: a push may not write into them.
    pub sources: Arc<Vec<String>>,
    /// Names of the configured webhooks, to refuse a typo in a traveller or subscription.
    pub webhooks: Arc<Vec<String>>,
    /// The key answer links are checked with, and what an answer may escalate.
    pub respond: Option<Arc<respond::RespondConfig>>,
}

/// The name of the token that authorised a request (set by the scope check).
#[derive(Clone, Debug)]
pub struct Caller(pub String);

impl ApiState {
    pub(crate) fn live(&self) -> Live {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub(crate) fn error(status: StatusCode, reason: &str) -> Response {
    (status, axum::Json(answers::ErrorBody { error: reason.to_owned(), errors: None })).into_response()
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No token, or not one of ours: 401.
    Unauthorized,
    /// A valid token without the scope: 403.
    Forbidden,
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        match self {
            Denied::Unauthorized => {
                let mut r = error(StatusCode::UNAUTHORIZED, "authentication required");
                r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
                r
            }
            Denied::Forbidden => error(StatusCode::FORBIDDEN, "forbidden"),
        }
    }
}

/// Check the bearer token for `scope`; returns the token's name.
pub fn authorize(tokens: &[ApiToken], headers: &HeaderMap, scope: &str) -> Result<String, Denied> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Denied::Unauthorized)?;
    let digest = Sha256::digest(presented.trim().as_bytes());
    // Compare against every token, without stopping early, in constant time.
    let mut found: Option<&ApiToken> = None;
    for t in tokens {
        if bool::from(t.sha256.as_slice().ct_eq(digest.as_slice())) {
            found = Some(t);
        }
    }
    let t = found.ok_or(Denied::Unauthorized)?;
    if t.scopes.iter().any(|s| s == scope || s == "admin") {
        Ok(t.name.clone())
    } else {
        Err(Denied::Forbidden)
    }
}

/// Write `bytes` into `dir` durably under a fresh name, and return that name. The name carries
/// the pushing token's namespace (see [`crate::app::spool::push_namespace`]). A failed write
/// leaves no temporary file behind.
fn spool_write(
    dir: &std::path::Path,
    caller: &str,
    id: &str,
    ext: &str,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let name = crate::app::spool::push_file_name(caller, stamp, id, ext);
    let tmp = dir.join(format!(".{name}"));
    let write = || -> std::io::Result<PathBuf> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        let final_path = dir.join(&name);
        std::fs::rename(&tmp, &final_path)?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(final_path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Parse a pushed advisory by its content type: the advisories (one, or one per item of an
/// RSS/Atom feed) and the spool file extension.
pub(crate) fn parse_pushed(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Vec<crate::advisory::Advisory>, &'static str), Box<Response>> {
    let ctype =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let (kind, ext) = if ctype.starts_with("text/plain") {
        ("text", "txt")
    } else if ctype.starts_with("application/json") {
        ("json", "json")
    } else if [
        "application/cap+xml",
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
    ]
    .iter()
    .any(|t| ctype.starts_with(t))
    {
        ("cap", "xml")
    } else {
        return Err(Box::new(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "use text/plain (the text advisory format), application/json, CAP XML or an RSS/Atom feed",
        )));
    };
    // A feed (RSS or Atom, whatever the label says) is read item by item, as the spool will
    // read the file.
    if sources::feed::looks_like_feed(body) {
        return sources::parse_all(body, sources::LOCAL_SOURCE)
            .map(|a| (a, "xml"))
            .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, &e.to_string())));
    }
    // The content decides over the label: a CAP alert sent as text/plain (or with a namespace
    // prefix, `<cap:alert>`) is read as CAP, as the spool will read it, so the id answered here
    // is the id stored.
    let (kind, ext) = if sources::cap::looks_like_cap(body) { ("cap", "xml") } else { (kind, ext) };
    let parsed = match kind {
        "json" => sources::json::parse(body, sources::LOCAL_SOURCE),
        "cap" => sources::cap::parse(body).map(|(adv, _)| adv),
        _ => sources::text::parse(body, sources::LOCAL_SOURCE),
    };
    parsed.map(|a| (vec![a], ext)).map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, &e.to_string())))
}

async fn post_advisory(
    State(st): State<Arc<ApiState>>,
    axum::Extension(Caller(caller)): axum::Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Parsing runs on a blocking thread with a deadline: a hostile document never holds the
    // threads that answer `/healthz`.
    let parse_body = body.clone();
    let parsed = tokio::time::timeout(
        sources::PARSE_DEADLINE,
        tokio::task::spawn_blocking(move || parse_pushed(&headers, &parse_body)),
    )
    .await;
    let (mut advisories, ext) = match parsed {
        Ok(Ok(Ok(x))) => x,
        Ok(Ok(Err(r))) => return *r,
        Ok(Err(_)) => return error(StatusCode::INTERNAL_SERVER_ERROR, "the parser failed"),
        Err(_) => return error(StatusCode::BAD_REQUEST, "the advisory took too long to parse"),
    };
    // A push lives in its token's namespace and may not speak for a configured source.
    if let Some(adv) = advisories.iter().find(|a| st.live().sources.contains(&a.source)) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("source {:?} is a configured source; pushes cannot write into it", adv.source),
        );
    }
    let ids: Vec<String> = advisories
        .iter_mut()
        .map(|adv| {
            adv.source = crate::app::spool::push_namespace(&caller, &adv.source);
            adv.id()
        })
        .collect();
    let dir = st.spool_incoming.clone();
    let write_id = ids[0].clone();
    let feed = advisories.len() > 1 || sources::feed::looks_like_feed(&body);
    let inbox = if st.inbox { st.store.clone() } else { None };
    let written = tokio::task::spawn_blocking(move || match inbox {
        // Committed to the shared database before the answer: an instance that dies now
        // loses nothing, another one processes it.
        Some(store) => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let name = crate::app::spool::push_file_name(&caller, stamp, &write_id, ext);
            let now = crate::clock::now().unwrap_or_else(|_| jiff::Timestamp::now());
            store
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .inbox_put(&name, &body, now)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        None => spool_write(&dir, &caller, &write_id, ext, &body).map(|_| ()).map_err(|e| e.to_string()),
    })
    .await;
    match written {
        Ok(Ok(())) => {
            st.spool_wake.notify_one();
            // One advisory answers its id; a feed answers the id of every item.
            let answer = if feed {
                answers::Accepted { id: None, items: Some(ids.len()), ids: Some(ids), status: "accepted" }
            } else {
                answers::Accepted { id: ids.into_iter().next(), ids: None, items: None, status: "accepted" }
            };
            (StatusCode::ACCEPTED, axum::Json(answer)).into_response()
        }
        _ => error(StatusCode::SERVICE_UNAVAILABLE, "could not store the advisory; retry"),
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(st): State<Arc<ApiState>>) -> Response {
    if !st.ready.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response();
    }
    // With a shared database, an instance that cannot reach it is not ready: a load
    // balancer sends pushes elsewhere until it is back.
    if let Some(health) = st.health.clone() {
        let ping = tokio::task::spawn_blocking(move || {
            health.lock().unwrap_or_else(|p| p.into_inner()).ping().map_err(|e| e.to_string())
        });
        match tokio::time::timeout(std::time::Duration::from_secs(3), ping).await {
            Ok(Ok(Ok(()))) => {}
            _ => {
                return (StatusCode::SERVICE_UNAVAILABLE, "not ready: database unreachable\n")
                    .into_response();
            }
        }
    }
    (StatusCode::OK, "ready\n").into_response()
}

async fn metrics_handler(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    // Scrapers present a token with the `metrics` scope (or `read`/`admin`).
    let tokens = st.live().tokens;
    if let Err(d) = authorize(&tokens, &headers, "metrics").or_else(|_| authorize(&tokens, &headers, "read"))
    {
        return d.into_response();
    }
    let mut gauges = Vec::new();
    if let Some(store) = st.store.clone() {
        let counts = tokio::task::spawn_blocking(move || {
            store.lock().unwrap_or_else(|p| p.into_inner()).delivery_counts()
        })
        .await;
        for (status, n) in counts.ok().and_then(Result::ok).unwrap_or_default() {
            gauges.push(("tripwatch_deliveries", format!("status=\"{status}\""), n));
        }
    }
    let open = server::OPEN_CONNECTIONS.load(std::sync::atomic::Ordering::Relaxed) as i64;
    gauges.push(("tripwatch_http_connections_open", String::new(), open));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics::render(&gauges)).into_response()
}

async fn too_large_guard(
    State((_, max)): State<(Arc<ApiState>, usize)>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "request body larger than the configured limit");
    }
    let resp = next.run(req).await;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "request body larger than the configured limit");
    }
    resp
}

/// The router: the open endpoints, then every secured route from [`admin::routes`] behind
/// its scope check.
pub fn router(state: Arc<ApiState>) -> Router {
    let limit = state.max_body;
    let mut r = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_handler))
        .route("/api/v1/openapi.json", get(admin::openapi_json))
        // The managers' console: its own sign-in and sessions (see `console`).
        .route("/", get(console::dashboard))
        .route(
            "/login",
            get(console::login_page).post(console::login).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route("/logout", axum::routing::post(console::logout).layer(DefaultBodyLimit::max(16 * 1024)))
        .route("/advisories", get(console::advisories))
        .route("/operations", get(console::operations))
        .route("/travellers", get(console::travellers))
        .route(
            "/travellers/import",
            axum::routing::post(console::import_check).layer(DefaultBodyLimit::max(8 << 20)),
        )
        .route(
            "/travellers/import/apply",
            axum::routing::post(console::import_apply).layer(DefaultBodyLimit::max(8 << 20)),
        )
        .route(
            "/console/deliveries/{id}/retry",
            axum::routing::post(console::retry_delivery).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/sources/{name}/poll",
            axum::routing::post(console::poll_source).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/preview",
            get(console::preview_page).post(console::preview).layer(DefaultBodyLimit::max(1 << 20)),
        )
        .route("/advisories/{id}", get(console::advisory))
        .route("/reviews", get(console::reviews))
        .route(
            "/travellers/{email}",
            get(console::traveller).post(console::change_traveller).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/travellers",
            axum::routing::post(console::add_traveller).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/trips",
            axum::routing::post(console::add_trip).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/trips/{id}",
            axum::routing::post(console::change_trip).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/subscriptions/{id}/remove",
            axum::routing::post(console::remove_subscription).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/reviews/{advisory}/{action}",
            axum::routing::post(console::decide_review).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/subscriptions",
            get(console::subscriptions)
                .post(console::add_subscription)
                .layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/console/alerts/{id}/safe",
            axum::routing::post(console::mark_safe).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        // The travellers' answer pages: public, the signed link is the credential.
        .route(
            "/respond/{token}/{answer}",
            get(respond::form).post(respond::answer).layer(DefaultBodyLimit::max(16 * 1024)),
        );
    for route in admin::routes() {
        let body_limit = if route.path == "/api/v1/import" { admin::MAX_IMPORT_BYTES } else { limit };
        let handler: axum::routing::MethodRouter<Arc<ApiState>> = route
            .handler
            .route_layer(axum::middleware::from_fn_with_state((state.clone(), route.scope), admin::require))
            .layer::<_, std::convert::Infallible>(axum::middleware::from_fn_with_state(
                (state.clone(), body_limit),
                too_large_guard,
            ))
            .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(body_limit));
        r = r.route(route.path, handler);
    }
    r.with_state(state)
}

/// A new random token (hex, 256 bits) and its SHA-256, for `tripwatch token`.
pub fn new_token() -> std::io::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    let token = format!("tw_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let hash = hash_of(&token);
    Ok((token, hash))
}

/// The hex SHA-256 of a token, as written in config.
pub fn hash_of(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<ApiToken> {
        let t = |name: &str, token: &str, scopes: &[&str]| ApiToken {
            name: name.into(),
            sha256: Sha256::digest(token.as_bytes()).to_vec(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        vec![
            t("ops", "tw_admin", &["admin"]),
            t("feed", "tw_ingest", &["ingest"]),
            t("dash", "tw_read", &["read"]),
        ]
    }

    fn check(auth: Option<&str>, scope: &str) -> Result<String, Denied> {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, a.parse().expect("header"));
        }
        authorize(&tokens(), &h, scope)
    }

    #[test]
    fn every_scope() {
        for scope in ["admin", "manage", "ingest", "read"] {
            assert_eq!(check(Some("Bearer tw_admin"), scope), Ok("ops".into()), "admin has {scope}");
            assert_eq!(check(None, scope), Err(Denied::Unauthorized));
            assert_eq!(check(Some("Bearer nope"), scope), Err(Denied::Unauthorized));
            assert_eq!(check(Some("Basic dHc6YWRtaW4="), scope), Err(Denied::Unauthorized));
        }
        assert_eq!(check(Some("Bearer tw_ingest"), "ingest"), Ok("feed".into()));
        assert_eq!(check(Some("Bearer tw_ingest"), "read"), Err(Denied::Forbidden));
        assert_eq!(check(Some("Bearer tw_read"), "read"), Ok("dash".into()));
        assert_eq!(check(Some("Bearer tw_read"), "manage"), Err(Denied::Forbidden));
    }
}
