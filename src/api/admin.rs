//! The admin API under `/api/v1`: travellers, trips, subscriptions, alerts, deliveries,
//! triggers, sources, reload — the same validation as the CLI — and the OpenAPI document that
//! lists exactly these routes.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiState, authorize, error};
use crate::store::Store;

fn store(st: &ApiState) -> Result<&Arc<Mutex<Store>>, Box<Response>> {
    st.store.as_ref().ok_or_else(|| Box::new(error(StatusCode::SERVICE_UNAVAILABLE, "store not open")))
}

fn run<T: serde::Serialize>(st: &ApiState, f: impl FnOnce(&mut Store) -> anyhow::Result<T>) -> Response {
    let s = match store(st) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let mut guard = s.lock().unwrap_or_else(|p| p.into_inner());
    match f(&mut guard) {
        Ok(v) => Json(v).into_response(),
        Err(e) => {
            let status = match e.downcast_ref::<crate::store::StoreError>() {
                Some(crate::store::StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
                Some(crate::store::StoreError::Sql(_)) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            error(status, &format!("{e:#}"))
        }
    }
}

macro_rules! guard {
    ($st:expr, $headers:expr, $scope:expr) => {
        if let Err(d) = authorize(&$st.tokens, &$headers, $scope) {
            return d.into_response();
        }
    };
}

pub async fn list_travellers(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    run(&st, |s| Ok(s.travellers()?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravellerIn {
    name: String,
    email: String,
    timezone: Option<String>,
    language: Option<String>,
    manager: Option<String>,
    #[serde(default)]
    webhooks: Vec<String>,
}

/// Parse a JSON body after authentication, so anonymous callers learn nothing about it.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(bytes)
        .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}"))))
}

pub async fn put_traveller(
    State(st): State<Arc<ApiState>>,
    h: HeaderMap,
    bytes: axum::body::Bytes,
) -> Response {
    guard!(st, h, "manage");
    let t: TravellerIn = match body(&bytes) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    run(&st, |s| {
        let args = crate::app::people::TravellerArgs {
            name: t.name,
            email: t.email,
            timezone: t.timezone,
            language: t.language,
            manager: t.manager,
            webhooks: t.webhooks,
        };
        Ok(json!({ "result": crate::app::people::add_traveller(s, &args)? }))
    })
}

pub async fn delete_traveller(
    State(st): State<Arc<ApiState>>,
    h: HeaderMap,
    Path(email): Path<String>,
) -> Response {
    guard!(st, h, "manage");
    run(&st, |s| {
        s.remove_traveller(&crate::route::model::Email::parse(&email)?)?;
        Ok(json!({ "result": "removed" }))
    })
}

pub async fn list_trips(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    run(&st, |s| Ok(s.trips(None)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripIn {
    email: String,
    country: String,
    city: Option<String>,
    start: String,
    end: String,
}

pub async fn post_trip(State(st): State<Arc<ApiState>>, h: HeaderMap, bytes: axum::body::Bytes) -> Response {
    guard!(st, h, "manage");
    let t: TripIn = match body(&bytes) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    run(&st, |s| {
        Ok(
            json!({ "result": crate::app::people::add_trip(s, &t.email, &t.country, t.city.as_deref(), &t.start, &t.end)? }),
        )
    })
}

pub async fn delete_trip(State(st): State<Arc<ApiState>>, h: HeaderMap, Path(id): Path<i64>) -> Response {
    guard!(st, h, "manage");
    run(&st, |s| {
        s.remove_trip(id)?;
        Ok(json!({ "result": "removed" }))
    })
}

pub async fn list_subscriptions(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    run(&st, |s| Ok(s.subscriptions()?))
}

pub async fn delete_subscription(
    State(st): State<Arc<ApiState>>,
    h: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    guard!(st, h, "manage");
    run(&st, |s| {
        s.remove_subscription(id)?;
        Ok(json!({ "result": "removed" }))
    })
}

pub async fn list_alerts(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    run(&st, |s| Ok(s.alerts(None)?))
}

pub async fn list_deliveries(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    run(&st, |s| Ok(s.deliveries(None)?))
}

pub async fn retry_delivery(State(st): State<Arc<ApiState>>, h: HeaderMap, Path(id): Path<i64>) -> Response {
    guard!(st, h, "manage");
    run(&st, |s| Ok(json!({ "queued": s.retry_delivery(Some(id), jiff::Timestamp::now())? })))
}

pub async fn list_triggers(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    Json(st.triggers.lock().unwrap_or_else(|p| p.into_inner()).clone()).into_response()
}

pub async fn list_sources(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "read");
    run(&st, |s| Ok(s.sources()?))
}

pub async fn reload(State(st): State<Arc<ApiState>>, h: HeaderMap) -> Response {
    guard!(st, h, "admin");
    st.reload.notify_one();
    (StatusCode::ACCEPTED, Json(json!({ "result": "reload requested" }))).into_response()
}

/// Every route, for the OpenAPI document: (method, path, scope, summary).
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    (
        "post",
        "/api/v1/advisories",
        "ingest",
        "Push an advisory (text/plain, application/json or CAP XML); 202 once durably queued",
    ),
    ("get", "/api/v1/travellers", "read", "List travellers"),
    ("put", "/api/v1/travellers", "manage", "Add a traveller, or update the one with this email"),
    ("delete", "/api/v1/travellers/{email}", "manage", "Remove a traveller and their trips"),
    ("get", "/api/v1/trips", "read", "List trips"),
    ("post", "/api/v1/trips", "manage", "Add a trip (idempotent)"),
    ("delete", "/api/v1/trips/{id}", "manage", "Remove a trip"),
    ("get", "/api/v1/subscriptions", "read", "List subscriptions"),
    ("delete", "/api/v1/subscriptions/{id}", "manage", "Remove a subscription"),
    ("get", "/api/v1/alerts", "read", "List stored alerts"),
    ("get", "/api/v1/deliveries", "read", "List deliveries"),
    ("post", "/api/v1/deliveries/{id}/retry", "manage", "Queue a delivery again"),
    ("get", "/api/v1/triggers", "read", "List the loaded triggers"),
    ("get", "/api/v1/sources", "read", "Status of polled sources"),
    ("post", "/api/v1/reload", "admin", "Re-read configuration, triggers and templates"),
];

/// The OpenAPI 3 document.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, scope, summary) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        entry[*method] = json!({
            "summary": summary,
            "security": [{"bearer": [scope]}],
            "parameters": params,
            "responses": {
                "200": {"description": "OK"}, "202": {"description": "Accepted"},
                "400": {"description": "Invalid input, with a reason"}, "401": {"description": "No or unknown token"},
                "403": {"description": "Token lacks the scope"}
            }
        });
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
    json!({
        "openapi": "3.0.3",
        "info": {"title": "tripwatch", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    })
}

pub async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}
