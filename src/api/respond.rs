//! The public answer pages behind the "I'm safe" / "I need help" links, and the managers'
//! accountability routes. The answer pages need no sign-in: the signed link is the
//! credential (see [`crate::channels::links`]); they are answered with `no-store`, no referrer
//! and a strict content security policy, since the URL carries the token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{ApiState, Caller, error};
use crate::channels::links::{Answer, LinkError};
use crate::store::accountability::GivenAnswer;

pub use crate::channels::links::RespondConfig;

/// A public answer page (a console template): the console's headers, and no referrer at all,
/// since the URL carries the token.
fn page(st: &ApiState, status: StatusCode, ctx: serde_json::Value) -> Response {
    let mut r = st.console.page(status, "respond.html", ctx);
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

fn refused(st: &ApiState, status: StatusCode, why: &LinkError) -> Response {
    page(st, status, json!({"title": "Link not accepted", "refused": why.to_string()}))
}

fn now() -> jiff::Timestamp {
    crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now())
}

/// Check the link: the alert and traveller it names and the answer, or the page to show.
fn check(
    st: &ApiState,
    token: &str,
    answer: &str,
) -> Result<(crate::channels::links::LinkClaim, Answer, Arc<RespondConfig>), Box<Response>> {
    let Some(answer) = Answer::parse(answer) else {
        return Err(Box::new(refused(st, StatusCode::NOT_FOUND, &LinkError::Invalid)));
    };
    let Some(cfg) = st.live().respond else {
        return Err(Box::new(refused(st, StatusCode::SERVICE_UNAVAILABLE, &LinkError::Invalid)));
    };
    match cfg.key.verify(token, now()) {
        Ok(claim) => Ok((claim, answer, cfg)),
        Err(e) => Err(Box::new(refused(st, StatusCode::FORBIDDEN, &e))),
    }
}

/// `GET /respond/{token}/{answer}`: the confirmation form (records nothing).
pub async fn form(
    State(st): State<Arc<ApiState>>,
    Path((token, answer)): Path<(String, String)>,
) -> Response {
    let (claim, answer, _) = match check(&st, &token, &answer) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let Some(store) = st.store.clone() else { return error(StatusCode::SERVICE_UNAVAILABLE, "no store") };
    let found = tokio::task::block_in_place(|| {
        store.lock().unwrap_or_else(|p| p.into_inner()).answered_alert(claim.alert_id, claim.traveller_id)
    });
    match found {
        Ok(Some(a)) => {
            let title = if answer == Answer::Help { "Ask for help" } else { "Confirm you are safe" };
            page(
                &st,
                StatusCode::OK,
                json!({"title": title, "answer": answer.as_str(), "traveller": a.traveller,
                       "advisory_title": a.advisory_title.unwrap_or_default()}),
            )
        }
        Ok(None) => refused(&st, StatusCode::NOT_FOUND, &LinkError::Invalid),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the alert"),
    }
}

/// `POST /respond/{token}/{answer}` (form field `message`, optional): records the answer.
pub async fn answer(
    State(st): State<Arc<ApiState>>,
    Path((token, answer)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (claim, answer, cfg) = match check(&st, &token, &answer) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let message: Option<String> =
        url::form_urlencoded::parse(&body).find(|(k, _)| k == "message").map(|(_, v)| v.into_owned());
    let Some(store) = st.store.clone() else { return error(StatusCode::SERVICE_UNAVAILABLE, "no store") };
    let given = GivenAnswer {
        alert_id: claim.alert_id,
        traveller_id: claim.traveller_id,
        answer: answer.as_str(),
        message: message.as_deref(),
        by: "traveller",
    };
    let done = tokio::task::block_in_place(|| {
        store.lock().unwrap_or_else(|p| p.into_inner()).record_answer(&given, now(), &cfg.escalation)
    });
    match done {
        Ok(_) => page(&st, StatusCode::OK, json!({"title": "Thank you", "done": answer.as_str()})),
        Err(crate::store::StoreError::NotFound(_)) => {
            refused(&st, StatusCode::NOT_FOUND, &LinkError::Invalid)
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "could not record the answer; try again"),
    }
}

/// `GET /api/v1/accountability[?advisory=&days=]`: each alert to a traveller with the answer,
/// and counts per advisory and place.
pub async fn list(State(st): State<Arc<ApiState>>, uri: Uri) -> Response {
    let q = match super::list::parse(&uri, ACCOUNTABILITY_PARAMS) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let days: i64 = match q.get("days").map(str::parse::<i64>) {
        None => 14,
        Some(Ok(d)) if (1..=3650).contains(&d) => d,
        _ => return error(StatusCode::BAD_REQUEST, "days must be 1 to 3650"),
    };
    let Some(store) = st.store.clone() else { return error(StatusCode::SERVICE_UNAVAILABLE, "no store") };
    let since = now().as_second() - days * 86400;
    let advisory = q.get("advisory").map(str::to_owned);
    let rows = tokio::task::block_in_place(|| {
        store.lock().unwrap_or_else(|p| p.into_inner()).accountability(advisory.as_deref(), since)
    });
    match rows {
        Ok(rows) => {
            let summary = crate::store::accountability::summarize(&rows);
            axum::Json(super::answers::Accountability { summary, alerts: rows }).into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// Query parameters of `GET /api/v1/accountability`.
pub const ACCOUNTABILITY_PARAMS: &[&str] = &["advisory", "days"];

/// A manager's mark: `safe` or `help`, with an optional note.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    /// `safe` or `help`.
    pub answer: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/accountability/{alert_id}` `{"answer": "safe", "note": "…"}`: a manager
/// accounts for a traveller by hand (recorded as `manager:TOKEN` in the audit log).
pub async fn mark(
    State(st): State<Arc<ApiState>>,
    axum::Extension(Caller(caller)): axum::Extension<Caller>,
    Path(alert_id): Path<i64>,
    body: Bytes,
) -> Response {
    let m: Mark = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid body: {e}")),
    };
    if Answer::parse(&m.answer).is_none() {
        return error(StatusCode::BAD_REQUEST, "answer must be safe or help");
    }
    let Some(cfg) = st.live().respond else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "accountability is not set up");
    };
    let Some(store) = st.store.clone() else { return error(StatusCode::SERVICE_UNAVAILABLE, "no store") };
    let by = format!("manager:{caller}");
    let done = tokio::task::block_in_place(|| {
        let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
        let traveller = s
            .traveller_of_alert(alert_id)?
            .ok_or_else(|| crate::store::StoreError::NotFound(format!("alert {alert_id} to a traveller")))?;
        let given = GivenAnswer {
            alert_id,
            traveller_id: traveller,
            answer: &m.answer,
            message: m.note.as_deref(),
            by: &by,
        };
        s.record_answer(&given, now(), &cfg.escalation)
    });
    match done {
        Ok(escalations) => {
            axum::Json(super::answers::Marked { alert_id, answer: m.answer, by, escalations }).into_response()
        }
        Err(crate::store::StoreError::NotFound(m)) => error(StatusCode::NOT_FOUND, &m),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}
