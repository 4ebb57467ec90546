//! The admin API under `/api/v1`. One table, [`routes`], lists every secured route with its
//! method, scope, summary and handler: the router is built from it, the scope check is applied
//! from it, and the OpenAPI document is generated from it, so the three cannot drift apart.
//! People routes share their validation with the CLI (`app::people`).

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use serde_json::{Value, json};

use super::{ApiState, answers, authorize, error};
use crate::app::people;
use crate::store::Store;

/// Largest import body accepted (a 100,000-row CSV is about 8 MB).
pub const MAX_IMPORT_BYTES: usize = 64 << 20;
use super::list::{self, MAX_LIMIT};

/// One secured route.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub scope: &'static str,
    pub summary: &'static str,
    pub handler: MethodRouter<Arc<ApiState>>,
}

fn route(
    method: &'static str,
    path: &'static str,
    scope: &'static str,
    summary: &'static str,
    handler: MethodRouter<Arc<ApiState>>,
) -> Route {
    Route { method, path, scope, summary, handler }
}

/// Every secured route.
pub fn routes() -> Vec<Route> {
    vec![
        route(
            "post",
            "/api/v1/advisories",
            "ingest",
            "Push an advisory (text/plain, application/json or CAP XML); 202 once durably queued",
            post(super::post_advisory),
        ),
        route(
            "get",
            "/api/v1/advisories",
            "read",
            "List stored advisory versions, newest first (query: limit, source, country)",
            get(list_advisories),
        ),
        route(
            "get",
            "/api/v1/advisories/{id}",
            "read",
            "One advisory: every version, its detections, and the alerts they caused",
            get(advisory_detail),
        ),
        route(
            "post",
            "/api/v1/preview",
            "read",
            "Detections and would-be recipients for an advisory (same body types as push); nothing is stored or sent",
            post(preview),
        ),
        route("get", "/api/v1/travellers", "read", "List travellers", get(list_travellers)),
        route(
            "put",
            "/api/v1/travellers",
            "manage",
            "Add a traveller, or replace the one with this email",
            put(put_traveller),
        ),
        route(
            "patch",
            "/api/v1/travellers/{email}",
            "manage",
            "Change some fields of a traveller",
            patch(patch_traveller),
        ),
        route(
            "delete",
            "/api/v1/travellers/{email}",
            "manage",
            "Remove a traveller and their trips",
            delete(delete_traveller),
        ),
        route("get", "/api/v1/trips", "read", "List trips", get(list_trips)),
        route("post", "/api/v1/trips", "manage", "Add a trip (idempotent)", post(post_trip)),
        route("patch", "/api/v1/trips/{id}", "manage", "Change a trip's place or dates", patch(patch_trip)),
        route("delete", "/api/v1/trips/{id}", "manage", "Remove a trip", delete(delete_trip)),
        route(
            "post",
            "/api/v1/import",
            "manage",
            "Bulk upsert travellers and trips: text/csv (the DESIGN.md header) or application/toml; all rows or none",
            post(import),
        ),
        route("get", "/api/v1/subscriptions", "read", "List subscriptions", get(list_subscriptions)),
        route("post", "/api/v1/subscriptions", "manage", "Add a subscription", post(post_subscription)),
        route(
            "patch",
            "/api/v1/subscriptions/{id}",
            "manage",
            "Change a subscription",
            patch(patch_subscription),
        ),
        route(
            "delete",
            "/api/v1/subscriptions/{id}",
            "manage",
            "Remove a subscription",
            delete(delete_subscription),
        ),
        route("get", "/api/v1/alerts", "read", "List stored alerts (query: advisory)", get(list_alerts)),
        route("get", "/api/v1/deliveries", "read", "List deliveries (query: status)", get(list_deliveries)),
        route(
            "post",
            "/api/v1/deliveries/{id}/retry",
            "manage",
            "Queue a delivery again",
            post(retry_delivery),
        ),
        route(
            "get",
            "/api/v1/accountability",
            "read",
            "Alerts to travellers with their answers (safe, help, none) and counts per advisory and place (query: advisory, days)",
            get(super::respond::list),
        ),
        route(
            "post",
            "/api/v1/accountability/{alert_id}",
            "manage",
            "Account for a traveller by hand: {\"answer\": \"safe\"|\"help\", \"note\"} (audited)",
            post(super::respond::mark),
        ),
        route(
            "get",
            "/api/v1/reviews",
            "read",
            "The review queue: advisories whose alerts wait for a manager, newest first (query: all=true for decided ones too)",
            get(list_reviews),
        ),
        route(
            "post",
            "/api/v1/reviews/{advisory_id}/approve",
            "manage",
            "Approve a waiting review: its alerts go out ({\"note\"} optional; audited)",
            post(approve_review),
        ),
        route(
            "post",
            "/api/v1/reviews/{advisory_id}/reject",
            "manage",
            "Reject a waiting review: nothing is sent ({\"reason\"} required; audited)",
            post(reject_review),
        ),
        route("get", "/api/v1/triggers", "read", "List the loaded triggers", get(list_triggers)),
        route("get", "/api/v1/sources", "read", "Status of polled sources", get(list_sources)),
        route(
            "get",
            "/api/v1/exposure",
            "read",
            "Travellers in a place on a day or window, with the standing risk there (query: country, city, at, until)",
            get(exposure),
        ),
        route(
            "get",
            "/api/v1/rejected",
            "read",
            "Advisories refused by the pipeline (spool failed/), newest first, with the reason (query: limit)",
            get(list_rejected),
        ),
        route(
            "post",
            "/api/v1/sources/{name}/poll",
            "manage",
            "Poll a configured source now (202); 404 for a name not configured",
            post(poll_source),
        ),
        route(
            "post",
            "/api/v1/reload",
            "admin",
            "Re-read configuration, triggers and templates",
            post(reload),
        ),
    ]
}

/// Refuse the request unless its token has `scope`; runs before any body is read.
pub async fn require(
    State((st, scope)): State<(Arc<ApiState>, &'static str)>,
    req: Request,
    next: Next,
) -> Response {
    let tokens = st.live().tokens;
    match authorize(&tokens, req.headers(), scope) {
        Ok(name) => {
            let mut req = req;
            req.extensions_mut().insert(super::Caller(name));
            next.run(req).await
        }
        Err(denied) => denied.into_response(),
    }
}

fn store(st: &ApiState) -> Result<&Arc<Mutex<Store>>, Box<Response>> {
    st.store.as_ref().ok_or_else(|| Box::new(error(StatusCode::SERVICE_UNAVAILABLE, "store not open")))
}

/// Run `f` on the store and answer its value as JSON, or its error with the right status.
fn run<T: serde::Serialize>(st: &ApiState, f: impl FnOnce(&mut Store) -> anyhow::Result<T>) -> Response {
    let s = match store(st) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    // Store work blocks: move this worker thread's other tasks elsewhere while it runs, so
    // an import or a preview never parks the threads that answer `/healthz`.
    let result = tokio::task::block_in_place(|| {
        let mut guard = s.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    });
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(status_of(&e), &format!("{e:#}")),
    }
}

/// The status of a failed store call: 404 for a missing item, 500 for the database itself,
/// 400 for everything the request got wrong (an unknown status name, a bad date …).
fn status_of(e: &anyhow::Error) -> StatusCode {
    match e.downcast_ref::<crate::store::StoreError>() {
        Some(crate::store::StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
        Some(
            crate::store::StoreError::Sql(_)
            | crate::store::StoreError::Postgres { .. }
            | crate::store::StoreError::Column(_)
            | crate::store::StoreError::NoRow
            | crate::store::StoreError::Open { .. },
        ) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// Run a store read on a blocking-tolerant path and turn the rows into JSON values.
fn with_store<T: serde::Serialize>(
    st: &ApiState,
    f: impl FnOnce(&mut Store) -> anyhow::Result<Vec<T>>,
) -> Result<Vec<Value>, Box<Response>> {
    let s = store(st)?;
    let rows = tokio::task::block_in_place(|| {
        let mut guard = s.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    })
    .map_err(|e| Box::new(error(status_of(&e), &format!("{e:#}"))))?;
    rows.iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())))
}

/// Filter loaded rows and answer one page of them.
fn list_page(
    uri: &Uri,
    rows: Result<Vec<Value>, Box<Response>>,
    q: &list::ListQuery,
    keep: impl Fn(&Value) -> bool,
    key: impl Fn(&Value) -> String,
) -> Response {
    match rows {
        Ok(rows) => list::page(uri, rows.into_iter().filter(|v| keep(v)).collect(), q, key),
        Err(r) => *r,
    }
}

/// The cursor key of rows with a numeric `id`.
fn id_key(v: &Value) -> String {
    v["id"].to_string()
}

/// Parse a JSON body.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(bytes)
        .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}"))))
}

macro_rules! json_body {
    ($bytes:expr) => {
        match body(&$bytes) {
            Ok(v) => v,
            Err(r) => return *r,
        }
    };
}

/// One query parameter, percent-decoded.
fn query(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn known_triggers(st: &ApiState) -> Vec<String> {
    st.live().engine.triggers().triggers().iter().map(|t| t.id.as_str().to_owned()).collect()
}

fn saved(line: String) -> anyhow::Result<answers::Saved> {
    Ok(answers::Saved { result: line })
}

async fn list_advisories(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match list::parse(&uri, ADVISORY_FILTERS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let since = match q.get("since").map(list::since_seconds).transpose() {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let (source, country) =
        (q.get("source").map(str::to_owned), q.get("country").map(str::to_ascii_uppercase));
    // Newest first; a cursor is `ID@VERSION` of the last row seen.
    let rows =
        with_store(&st, |s| Ok(s.advisories(usize::MAX >> 1, source.as_deref(), country.as_deref())?));
    list_page(
        &uri,
        rows,
        &q,
        |v| since.is_none_or(|t| v["processed_at"].as_i64().unwrap_or(0) >= t),
        |v| format!("{}@{}", v["id"].as_str().unwrap_or(""), v["version"]),
    )
}

async fn advisory_detail(State(st): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    run(&st, |s| {
        s.advisory(&id)?.ok_or_else(|| crate::store::StoreError::NotFound(format!("advisory {id}")).into())
    })
}

async fn preview(State(st): State<Arc<ApiState>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let (advisories, _) = match super::parse_pushed(&headers, &bytes) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let live = st.live();
    let feed = crate::sources::feed::looks_like_feed(&bytes);
    run(&st, |s| {
        let now = crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now());
        let mut items = Vec::new();
        for adv in &advisories {
            let o = crate::app::process::plan(s, &live.engine, &live.policy, adv, now, now)?;
            items.push(answers::PreviewItem {
                id: o.id,
                state: match o.state {
                    crate::store::AdvisoryState::New => "new",
                    crate::store::AdvisoryState::Unchanged { .. } => "unchanged",
                    crate::store::AdvisoryState::Updated { .. } => "updated",
                },
                analysis: o.analysis,
                plan: o.plan,
            });
        }
        // One advisory answers its preview; a feed answers one per item.
        Ok(match items.pop() {
            Some(one) if !feed && items.is_empty() => answers::Preview::One(Box::new(one)),
            last => {
                items.extend(last);
                answers::Preview::Feed(answers::PreviewFeed { items })
            }
        })
    })
}

async fn list_travellers(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match list::parse(&uri, TRAVELLER_FILTERS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let rows = with_store(&st, |s| Ok(s.travellers()?));
    list_page(&uri, rows, &q, |v| q.get("email").is_none_or(|e| list::email_matches(v, e)), id_key)
}

async fn put_traveller(State(st): State<Arc<ApiState>>, bytes: Bytes) -> Response {
    let t: people::TravellerArgs = json_body!(bytes);
    let hooks = st.live().webhooks;
    let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
    run(&st, |s| saved(people::add_traveller(s, &t, &hooks)?))
}

async fn patch_traveller(
    State(st): State<Arc<ApiState>>,
    Path(email): Path<String>,
    bytes: Bytes,
) -> Response {
    let c: people::TravellerChange = json_body!(bytes);
    let hooks = st.live().webhooks;
    let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
    run(&st, |s| saved(people::change_traveller(s, &email, &c, &hooks)?))
}

async fn delete_traveller(State(st): State<Arc<ApiState>>, Path(email): Path<String>) -> Response {
    run(&st, |s| {
        s.remove_traveller(&crate::route::model::Email::parse(&email)?)?;
        saved("removed".into())
    })
}

async fn list_trips(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match list::parse(&uri, TRIP_FILTERS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    // `since`: trips not over before that day.
    let since = match q.get("since").map(list::since_seconds).transpose() {
        Ok(s) => s.map(|t| {
            jiff::Timestamp::from_second(t).unwrap_or_default().to_zoned(jiff::tz::TimeZone::UTC).date()
        }),
        Err(r) => return *r,
    };
    // Each trip with its traveller's email and name.
    let rows = with_store(&st, |s| {
        let people: std::collections::HashMap<i64, (String, String)> =
            s.travellers()?.into_iter().map(|t| (t.id, (t.email.as_str().to_owned(), t.name))).collect();
        let trips = s.trips(None)?;
        Ok(trips
            .into_iter()
            .map(|trip| {
                let who = people.get(&trip.traveller_id);
                answers::ListedTrip {
                    traveller_email: who.map(|w| w.0.clone()),
                    traveller_name: who.map(|w| w.1.clone()),
                    trip,
                }
            })
            .collect::<Vec<_>>())
    });
    list_page(
        &uri,
        rows,
        &q,
        |v| {
            q.get("email").is_none_or(|e| list::email_matches(v, e))
                && q.get("country").is_none_or(|c| list::country_matches(v, c))
                && since.is_none_or(|d| {
                    v["end"].as_str().and_then(|e| e.parse::<jiff::civil::Date>().ok()).is_none_or(|e| e >= d)
                })
        },
        id_key,
    )
}

async fn post_trip(State(st): State<Arc<ApiState>>, bytes: Bytes) -> Response {
    let t: people::TripArgs = json_body!(bytes);
    run(&st, |s| saved(people::add_trip(s, &t)?))
}

async fn patch_trip(State(st): State<Arc<ApiState>>, Path(id): Path<i64>, bytes: Bytes) -> Response {
    let c: people::TripChange = json_body!(bytes);
    run(&st, |s| saved(people::change_trip(s, id, &c)?))
}

async fn delete_trip(State(st): State<Arc<ApiState>>, Path(id): Path<i64>) -> Response {
    run(&st, |s| {
        s.remove_trip(id)?;
        saved("removed".into())
    })
}

async fn import(State(st): State<Arc<ApiState>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let ctype =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return error(StatusCode::BAD_REQUEST, "the import must be UTF-8");
    };
    let rows = if ctype.starts_with("text/csv") {
        crate::app::import::parse_csv(text)
    } else if ctype.starts_with("application/toml") {
        crate::app::import::parse_toml(text)
    } else {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "use text/csv or application/toml");
    };
    match rows {
        Ok(rows) => {
            let hooks = st.live().webhooks;
            let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
            run(&st, |s| {
                people::check_imported_webhooks(&rows.travellers, &hooks)?;
                Ok(s.import(&rows.travellers, &rows.trips)?)
            })
        }
        Err(errors) => (
            StatusCode::BAD_REQUEST,
            Json(answers::ErrorBody {
                error: format!("{} error(s); nothing was imported", errors.len()),
                errors: Some(errors),
            }),
        )
            .into_response(),
    }
}

async fn list_subscriptions(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match list::parse(&uri, SUBSCRIPTION_FILTERS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let rows = with_store(&st, |s| Ok(s.subscriptions()?));
    list_page(&uri, rows, &q, |v| q.get("email").is_none_or(|e| list::email_matches(v, e)), id_key)
}

async fn post_subscription(State(st): State<Arc<ApiState>>, bytes: Bytes) -> Response {
    let a: people::SubscriptionArgs = json_body!(bytes);
    let known = known_triggers(&st);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let hooks = st.live().webhooks;
    let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
    run(&st, |s| saved(people::add_subscription(s, &known, &hooks, &a)?))
}

async fn patch_subscription(State(st): State<Arc<ApiState>>, Path(id): Path<i64>, bytes: Bytes) -> Response {
    let c: people::SubscriptionChange = json_body!(bytes);
    let known = known_triggers(&st);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let hooks = st.live().webhooks;
    let hooks: Vec<&str> = hooks.iter().map(String::as_str).collect();
    run(&st, |s| saved(people::change_subscription(s, &known, &hooks, id, &c)?))
}

async fn delete_subscription(State(st): State<Arc<ApiState>>, Path(id): Path<i64>) -> Response {
    run(&st, |s| {
        s.remove_subscription(id)?;
        saved("removed".into())
    })
}

async fn list_alerts(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match list::parse(&uri, ALERT_FILTERS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let advisory = q.get("advisory").map(str::to_owned);
    let rows = with_store(&st, |s| Ok(s.alerts(advisory.as_deref())?));
    list_page(&uri, rows, &q, |v| q.get("email").is_none_or(|e| list::email_matches(v, e)), id_key)
}

async fn list_deliveries(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match list::parse(&uri, DELIVERY_FILTERS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let status = q.get("status").map(str::to_owned);
    let rows = with_store(&st, |s| Ok(s.deliveries(status.as_deref())?));
    list_page(&uri, rows, &q, |v| q.get("email").is_none_or(|e| list::email_matches(v, e)), id_key)
}

async fn retry_delivery(State(st): State<Arc<ApiState>>, Path(id): Path<i64>) -> Response {
    run(&st, |s| {
        let now = crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now());
        Ok(answers::Queued { queued: s.retry_delivery(Some(id), now)? })
    })
}

async fn list_reviews(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let mut all = false;
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("all", "true") => all = true,
            ("all", "false") => all = false,
            ("all", _) => return error(StatusCode::BAD_REQUEST, "all must be true or false"),
            (other, _) => {
                return error(StatusCode::BAD_REQUEST, &format!("unknown parameter {other:?} (known: all)"));
            }
        }
    }
    run(&st, |s| Ok(s.reviews(!all)?))
}

async fn approve_review(
    st: State<Arc<ApiState>>,
    caller: axum::Extension<super::Caller>,
    id: Path<String>,
    bytes: Bytes,
) -> Response {
    decide(st, caller, id, bytes, crate::store::reviews::Decision::Approve)
}

async fn reject_review(
    st: State<Arc<ApiState>>,
    caller: axum::Extension<super::Caller>,
    id: Path<String>,
    bytes: Bytes,
) -> Response {
    decide(st, caller, id, bytes, crate::store::reviews::Decision::Reject)
}

fn decide(
    State(st): State<Arc<ApiState>>,
    axum::Extension(super::Caller(caller)): axum::Extension<super::Caller>,
    Path(advisory_id): Path<String>,
    bytes: Bytes,
    decision: crate::store::reviews::Decision,
) -> Response {
    use crate::store::reviews::Decision;
    let body: answers::DecisionBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        answers::DecisionBody::default()
    } else {
        json_body!(bytes)
    };
    let note = match decision {
        Decision::Approve => body.note.or(body.reason),
        Decision::Reject => body.reason.or(body.note),
    };
    run(&st, |s| {
        let now = crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now());
        let n = s.decide_review(&advisory_id, decision, note.as_deref(), &format!("api:{caller}"), now)?;
        let decision = if decision == Decision::Approve { "approved" } else { "rejected" };
        Ok(answers::Decided { advisory_id: advisory_id.clone(), decision: decision.into(), deliveries: n })
    })
}

async fn list_triggers(State(st): State<Arc<ApiState>>) -> Response {
    let list: Vec<answers::TriggerInfo> = st
        .live()
        .engine
        .triggers()
        .triggers()
        .iter()
        .map(|t| answers::TriggerInfo {
            id: t.id.as_str().to_owned(),
            name: t.name.to_string(),
            severity: t.severity,
            clears: t.clears.as_ref().map(|c| c.as_str().to_owned()),
        })
        .collect();
    Json(list).into_response()
}

async fn list_sources(State(st): State<Arc<ApiState>>) -> Response {
    run(&st, |s| Ok(s.sources()?))
}

async fn exposure(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    for (k, _) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if !EXPOSURE_PARAMS.contains(&k.as_ref()) {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("unknown parameter {k:?} (use country, city, at, until)"),
            );
        }
    }
    let Some(country) = query(&uri, "country") else {
        return error(StatusCode::BAD_REQUEST, "country is required");
    };
    let (city, until) = (query(&uri, "city"), query(&uri, "until"));
    let now = crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now());
    let at = query(&uri, "at").unwrap_or_else(|| now.to_zoned(jiff::tz::TimeZone::UTC).date().to_string());
    run(&st, |s| {
        let list = crate::app::people::exposure(s, &country, city.as_deref(), &at, until.as_deref())?;
        let place = crate::route::model::Place::parse(&country, None)?;
        let risk = s.standing_risk(
            place.country.as_str(),
            now.as_second() - crate::app::people::STANDING_RISK_DAYS * 86400,
        )?;
        Ok(answers::Exposure { travellers: list, standing_risk: risk })
    })
}

async fn list_rejected(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let limit = match query(&uri, "limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => return error(StatusCode::BAD_REQUEST, &format!("limit must be 1..={MAX_LIMIT}")),
    };
    let Some(spool) = st.spool_incoming.parent().map(std::path::Path::to_path_buf) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "no spool");
    };
    match tokio::task::spawn_blocking(move || crate::app::spool::rejected(&spool, limit)).await {
        Ok(Ok(list)) => Json(list).into_response(),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the spool's failed/ folder"),
    }
}

async fn poll_source(State(st): State<Arc<ApiState>>, Path(name): Path<String>) -> Response {
    if !st.live().sources.contains(&name) {
        return error(StatusCode::NOT_FOUND, &format!("no configured source {name:?}"));
    }
    let now = crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now());
    let s = match store(&st) {
        Ok(s) => s.clone(),
        Err(r) => return *r,
    };
    let done = tokio::task::block_in_place(|| {
        s.lock().unwrap_or_else(|p| p.into_inner()).source_poll_now(&name, now)
    });
    match done {
        Ok(()) => {
            (StatusCode::ACCEPTED, Json(answers::Requested { source: Some(name), result: "poll requested" }))
                .into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn reload(State(st): State<Arc<ApiState>>) -> Response {
    st.reload.notify_one();
    (StatusCode::ACCEPTED, Json(answers::Requested { source: None, result: "reload requested" }))
        .into_response()
}

/// Filters each list route accepts besides `limit` and `cursor` (the handlers parse with these
/// lists, and the OpenAPI document is generated from them).
const ADVISORY_FILTERS: &[&str] = &["source", "country", "since"];
const TRAVELLER_FILTERS: &[&str] = &["email"];
const TRIP_FILTERS: &[&str] = &["email", "country", "since"];
const SUBSCRIPTION_FILTERS: &[&str] = &["email"];
const ALERT_FILTERS: &[&str] = &["advisory", "email"];
const DELIVERY_FILTERS: &[&str] = &["status", "email"];
const EXPOSURE_PARAMS: &[&str] = &["country", "city", "at", "until"];

/// The JSON Schema of a type for the OpenAPI document (OpenAPI 3.0 dialect): a reference
/// into `components/schemas`, which [`openapi`] fills from the same generator.
fn schema_of<T: schemars::JsonSchema>(g: &mut schemars::SchemaGenerator) -> Value {
    serde_json::to_value(g.subschema_for::<T>()).unwrap_or(Value::Null)
}

/// Query parameters and request body of a route, for the OpenAPI document.
fn route_docs(method: &str, path: &str, g: &mut schemars::SchemaGenerator) -> (Vec<Value>, Option<Value>) {
    let string = |name: &str, required: bool| json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}});
    let paged = |filters: &[&str]| {
        let mut p = vec![
            json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}),
            json!({"name": "cursor", "in": "query", "schema": {"type": "string"}}),
        ];
        p.extend(filters.iter().map(|f| string(f, false)));
        p
    };
    let json_body =
        |schema: Value| Some(json!({"required": true, "content": {"application/json": {"schema": schema}}}));
    let advisory_body = || {
        let text = json!({"type": "string"});
        Some(json!({"required": true, "content": {
            "text/plain": {"schema": text}, "application/xml": {"schema": text},
            "application/json": {"schema": {"type": "object", "properties": {
                "title": {"type": "string"}, "body": {"type": "string"}, "html": {"type": "string"},
                "url": {"type": "string"}, "published": {"type": "string"},
                "countries": {"type": "array", "items": {"type": "string"}}, "id": {"type": "string"},
                "source": {"type": "string"}}}}
        }}))
    };
    match (method, path) {
        ("get", "/api/v1/advisories") => (paged(ADVISORY_FILTERS), None),
        ("get", "/api/v1/travellers") => (paged(TRAVELLER_FILTERS), None),
        ("get", "/api/v1/trips") => (paged(TRIP_FILTERS), None),
        ("get", "/api/v1/subscriptions") => (paged(SUBSCRIPTION_FILTERS), None),
        ("get", "/api/v1/alerts") => (paged(ALERT_FILTERS), None),
        ("get", "/api/v1/deliveries") => (paged(DELIVERY_FILTERS), None),
        ("get", "/api/v1/accountability") => {
            (super::respond::ACCOUNTABILITY_PARAMS.iter().map(|p| string(p, false)).collect(), None)
        }
        ("get", "/api/v1/rejected") => {
            (paged(&[]).into_iter().filter(|p| p["name"] == "limit").collect(), None)
        }
        ("get", "/api/v1/exposure") => {
            (EXPOSURE_PARAMS.iter().map(|p| string(p, *p == "country")).collect(), None)
        }
        ("post", "/api/v1/advisories") | ("post", "/api/v1/preview") => (Vec::new(), advisory_body()),
        ("post", "/api/v1/import") => (
            Vec::new(),
            Some(json!({"required": true, "content": {"text/csv": {"schema": {"type": "string"}},
                                                      "application/toml": {"schema": {"type": "string"}}}})),
        ),
        ("put", "/api/v1/travellers") => (Vec::new(), json_body(schema_of::<people::TravellerArgs>(g))),
        ("patch", "/api/v1/travellers/{email}") => {
            (Vec::new(), json_body(schema_of::<people::TravellerChange>(g)))
        }
        ("post", "/api/v1/trips") => (Vec::new(), json_body(schema_of::<people::TripArgs>(g))),
        ("patch", "/api/v1/trips/{id}") => (Vec::new(), json_body(schema_of::<people::TripChange>(g))),
        ("post", "/api/v1/subscriptions") => {
            (Vec::new(), json_body(schema_of::<people::SubscriptionArgs>(g)))
        }
        ("patch", "/api/v1/subscriptions/{id}") => {
            (Vec::new(), json_body(schema_of::<people::SubscriptionChange>(g)))
        }
        ("post", "/api/v1/accountability/{alert_id}") => {
            (Vec::new(), json_body(schema_of::<super::respond::Mark>(g)))
        }
        ("get", "/api/v1/reviews") => (
            vec![json!({"name": "all", "in": "query", "required": false,
                        "schema": {"type": "string", "enum": ["true", "false"]}})],
            None,
        ),
        ("post", "/api/v1/reviews/{advisory_id}/approve")
        | ("post", "/api/v1/reviews/{advisory_id}/reject") => (
            Vec::new(),
            Some(
                json!({"required": false, "content": {"application/json": {"schema": schema_of::<answers::DecisionBody>(g)}}}),
            ),
        ),
        _ => (Vec::new(), None),
    }
}

/// The success status of a route and the schema of its body, from the type its handler
/// answers with.
fn route_answer(method: &str, path: &str, g: &mut schemars::SchemaGenerator) -> (&'static str, Value) {
    use crate::store;
    match (method, path) {
        ("post", "/api/v1/advisories") => ("202", schema_of::<answers::Accepted>(g)),
        ("get", "/api/v1/advisories") => ("200", schema_of::<Vec<store::AdvisorySummary>>(g)),
        ("get", "/api/v1/advisories/{id}") => ("200", schema_of::<store::AdvisoryDetail>(g)),
        ("post", "/api/v1/preview") => ("200", schema_of::<answers::Preview>(g)),
        ("get", "/api/v1/travellers") => ("200", schema_of::<Vec<crate::route::model::Traveller>>(g)),
        ("get", "/api/v1/trips") => ("200", schema_of::<Vec<answers::ListedTrip>>(g)),
        ("get", "/api/v1/subscriptions") => ("200", schema_of::<Vec<crate::route::model::Subscription>>(g)),
        ("post", "/api/v1/import") => ("200", schema_of::<store::ImportReport>(g)),
        ("get", "/api/v1/alerts") => ("200", schema_of::<Vec<store::StoredAlert>>(g)),
        ("get", "/api/v1/deliveries") => ("200", schema_of::<Vec<store::DeliveryRow>>(g)),
        ("post", "/api/v1/deliveries/{id}/retry") => ("200", schema_of::<answers::Queued>(g)),
        ("get", "/api/v1/accountability") => ("200", schema_of::<answers::Accountability>(g)),
        ("post", "/api/v1/accountability/{alert_id}") => ("200", schema_of::<answers::Marked>(g)),
        ("get", "/api/v1/triggers") => ("200", schema_of::<Vec<answers::TriggerInfo>>(g)),
        ("get", "/api/v1/reviews") => ("200", schema_of::<Vec<store::reviews::ReviewRow>>(g)),
        ("post", "/api/v1/reviews/{advisory_id}/approve")
        | ("post", "/api/v1/reviews/{advisory_id}/reject") => ("200", schema_of::<answers::Decided>(g)),
        ("get", "/api/v1/sources") => ("200", schema_of::<Vec<store::SourceState>>(g)),
        ("get", "/api/v1/exposure") => ("200", schema_of::<answers::Exposure>(g)),
        ("get", "/api/v1/rejected") => ("200", schema_of::<Vec<crate::app::spool::Rejected>>(g)),
        ("post", "/api/v1/sources/{name}/poll") | ("post", "/api/v1/reload") => {
            ("202", schema_of::<answers::Requested>(g))
        }
        // Every other route changes one record and says what it did.
        _ => ("200", schema_of::<answers::Saved>(g)),
    }
}

/// The OpenAPI 3 document, generated from [`routes`] plus the open endpoints; request and
/// response schemas come from the Rust types the handlers parse and answer with.
pub fn openapi() -> Value {
    let mut g = schemars::generate::SchemaSettings::openapi3().into_generator();
    let error = schema_of::<answers::ErrorBody>(&mut g);
    let mut paths = serde_json::Map::new();
    for r in routes() {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let ty = if matches!(name, "id" | "alert_id") { "integer" } else { "string" };
                json!({"name": name, "in": "path", "required": true, "schema": {"type": ty}})
            })
            .collect();
        let (query, body) = route_docs(r.method, r.path, &mut g);
        params.extend(query);
        let (ok, answer) = route_answer(r.method, r.path, &mut g);
        let refused =
            |what: &str| json!({"description": what, "content": {"application/json": {"schema": error}}});
        let mut responses = json!({
            "400": refused("Invalid input, with a reason"),
            "401": refused("No or unknown token"),
            "403": refused("Token lacks the scope"),
            "404": refused("No such item"),
        });
        responses[ok] = json!({"description": "OK", "content": {"application/json": {"schema": answer}}});
        entry[r.method] = json!({
            "summary": r.summary,
            "security": [{"bearer": [r.scope]}],
            "parameters": params,
            "responses": responses,
        });
        if let Some(b) = body {
            entry[r.method]["requestBody"] = b;
        }
    }
    for (path, summary) in [
        ("/healthz", "Alive"),
        ("/readyz", "Store open and workers running"),
        ("/metrics", "Prometheus metrics"),
        ("/api/v1/openapi.json", "This document"),
    ] {
        paths.insert(
            path.into(),
            json!({"get": {"summary": summary, "responses": {"200": {"description": "OK"}}}}),
        );
    }
    let schemas: serde_json::Map<String, Value> = g.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.0.3",
        "info": {"title": "tripwatch", "version": env!("CARGO_PKG_VERSION")},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "paths": paths,
    })
}

pub async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}
