//! Paging and filtering for the list endpoints: `limit` (1 to 1000, default 100), `cursor`
//! (the `X-Next-Cursor` of the previous page), and the filters each endpoint names (`email`,
//! `country`, `since`, …). An unknown parameter is refused with the valid ones listed, so a
//! typo never silently returns everything. The body stays a JSON array; the next page is
//! announced by the `X-Next-Cursor` header and a `Link: <…>; rel="next"` header.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error;

/// Most rows one page returns.
pub const MAX_LIMIT: usize = 1000;
const DEFAULT_LIMIT: usize = 100;

/// The parsed query of one list request.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub limit: usize,
    pub cursor: Option<String>,
    /// The filters given, by name (only names the endpoint accepts).
    pub filters: Vec<(String, String)>,
}

impl ListQuery {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.filters.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parse `limit`, `cursor` and the endpoint's `filters`; anything else is a 400.
pub fn parse(uri: &Uri, filters: &[&str]) -> Result<ListQuery, Box<Response>> {
    let mut q = ListQuery { limit: DEFAULT_LIMIT, ..ListQuery::default() };
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "limit" => {
                q.limit = v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                    Box::new(error(StatusCode::BAD_REQUEST, &format!("limit must be 1 to {MAX_LIMIT}")))
                })?
            }
            "cursor" if !v.is_empty() => q.cursor = Some(v),
            name if filters.contains(&name) => {
                if !v.is_empty() {
                    q.filters.push((name.to_owned(), v));
                }
            }
            other => {
                let mut known = vec!["limit", "cursor"];
                known.extend_from_slice(filters);
                return Err(Box::new(error(
                    StatusCode::BAD_REQUEST,
                    &format!("unknown parameter {other:?} (use {})", known.join(", ")),
                )));
            }
        }
    }
    Ok(q)
}

/// Whether an item passes the `email` filter: its `email`, `recipient` or `traveller_email`
/// is that address (case-insensitive).
pub fn email_matches(item: &Value, email: &str) -> bool {
    ["email", "recipient", "traveller_email"]
        .iter()
        .filter_map(|f| item[*f].as_str().or_else(|| item[*f]["email"].as_str()))
        .any(|e| e.eq_ignore_ascii_case(email.trim()))
}

/// Whether an item passes the `country` filter: its `country`, `place.country` or one of
/// its `countries` is that ISO code (case-insensitive).
pub fn country_matches(item: &Value, country: &str) -> bool {
    let c = country.trim();
    item["country"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(c))
        || item["place"]["country"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(c))
        || item["countries"]
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(c))))
}

/// `since` as epoch seconds: an RFC 3339 time or a date (midnight UTC).
pub fn since_seconds(since: &str) -> Result<i64, Box<Response>> {
    let s = since.trim();
    let t = s.parse::<jiff::Timestamp>().ok().or_else(|| {
        s.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    });
    t.map(|t| t.as_second()).ok_or_else(|| {
        Box::new(error(StatusCode::BAD_REQUEST, "since must be a date (2026-01-31) or an RFC 3339 time"))
    })
}

/// One page of `items` (already filtered, in their stable order) after `q.cursor`, where
/// `key` names an item for the cursor. A cursor that names no item is a 400 (it went stale:
/// the item was removed), never a silent restart from the top.
pub fn page(uri: &Uri, items: Vec<Value>, q: &ListQuery, key: impl Fn(&Value) -> String) -> Response {
    let start = match &q.cursor {
        None => 0,
        Some(c) => match items.iter().position(|i| key(i) == *c) {
            Some(p) => p + 1,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "cursor does not name an item of this list (start again without it)",
                );
            }
        },
    };
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(q.limit).collect();
    let next = (start + page.len() < total).then(|| page.last().map(&key)).flatten();
    let mut resp = axum::Json(page).into_response();
    if let Some(next) = next {
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let mut query: Vec<String> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| {
                let v: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
                format!("{k}={v}")
            })
            .collect();
        query.push(format!("cursor={encoded}"));
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.join("&"));
        if let (Ok(c), Ok(l)) = (HeaderValue::from_str(&next), HeaderValue::from_str(&link)) {
            resp.headers_mut().insert("x-next-cursor", c);
            resp.headers_mut().insert(header::LINK, l);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uri(s: &str) -> Uri {
        s.parse().expect("uri")
    }

    #[test]
    fn unknown_parameters_and_bad_limits_are_refused() {
        assert!(parse(&uri("/x?limit=5&email=a@b.c"), &["email"]).is_ok());
        for bad in ["/x?emial=a@b.c", "/x?limit=0", "/x?limit=1001", "/x?limit=ten", "/x?country=KZ"] {
            assert!(parse(&uri(bad), &["email"]).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_follow_the_cursor_to_the_end() {
        let items: Vec<Value> = (1..=5).map(|i| json!({"id": i})).collect();
        let key = |v: &Value| v["id"].to_string();
        let u = uri("/api/v1/trips?limit=2&country=KZ");
        let mut q = parse(&u, &["country"]).expect("query");
        let mut seen = Vec::new();
        loop {
            let r = page(&u, items.clone(), &q, key);
            assert_eq!(r.status(), StatusCode::OK);
            let next = r.headers().get("x-next-cursor").map(|v| v.to_str().expect("ascii").to_owned());
            if let Some(l) = r.headers().get(header::LINK) {
                assert!(l.to_str().expect("ascii").contains("country=KZ"), "{l:?}");
            }
            let body = futures_body(r);
            seen.extend(body.as_array().expect("array").iter().map(key));
            match next {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, ["1", "2", "3", "4", "5"]);
        q.cursor = Some("99".into());
        assert_eq!(page(&u, items, &q, key).status(), StatusCode::BAD_REQUEST);
    }

    fn futures_body(r: Response) -> Value {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
        let bytes = rt.block_on(axum::body::to_bytes(r.into_body(), usize::MAX)).expect("body");
        serde_json::from_slice(&bytes).expect("json")
    }

    #[test]
    fn filters_read_the_fields_lists_carry() {
        let trip =
            json!({"place": {"country": "KZ", "city": "Almaty"}, "traveller_email": "Ann@Example.org"});
        assert!(country_matches(&trip, "kz") && email_matches(&trip, "ann@example.org"));
        assert!(country_matches(&json!({"countries": ["RU", "KZ"]}), "KZ"));
        assert!(!country_matches(&trip, "RU"));
        assert_eq!(since_seconds("1970-01-02").ok(), Some(86400));
        assert!(since_seconds("yesterday").is_err());
    }
}
