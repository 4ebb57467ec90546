//! The SSRF guard for outgoing HTTP: which addresses a webhook or feed may reach.
//!
//! Refused unless an allowlist CIDR names them: loopback, private (RFC 1918), link-local,
//! CGNAT (100.64/10), "this network" (0/8), broadcast, multicast, documentation and benchmark
//! ranges, IPv6 unspecified/loopback/unique-local/link-local/multicast, and IPv4 addresses
//! hidden in IPv6 (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4
//! `2002::/16`). Names are resolved once and the connection goes to a checked address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use serde::Serialize;

/// An address range `a.b.c.d/n` or `x::/n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, bits) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| format!("{s:?} is not an IP address or CIDR"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("{s:?}: bad prefix length"))?,
            None => max,
        };
        Ok(Cidr { net, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            (IpAddr::V4(_), IpAddr::V6(a)) => embedded_v4(&a).is_some_and(|v4| self.contains(IpAddr::V4(v4))),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = (bits / 8) as usize;
    if a[..full] != b[..full] {
        return false;
    }
    let rest = bits % 8;
    rest == 0 || (a[full] ^ b[full]) >> (8 - rest) == 0
}

/// An IPv4 address carried inside an IPv6 one.
fn embedded_v4(a: &Ipv6Addr) -> Option<Ipv4Addr> {
    let o = a.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    let seg = a.segments();
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    if seg[..6] == [0, 0, 0, 0, 0, 0] && !(seg[6] == 0 && seg[7] <= 1) {
        return Some(tail); // IPv4-compatible (deprecated)
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || seg[..2] == [0x64, 0xff9b] && seg[2] == 1 {
        return Some(tail); // NAT64 (well-known and local-use prefixes)
    }
    if seg[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])); // 6to4
    }
    None
}

fn v4_blocked(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xC0) == 64) // CGNAT 100.64/10
        || (o[0] == 198 && (o[1] & 0xFE) == 18) // benchmarking 198.18/15
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || o[0] >= 240 // reserved
}

fn v6_blocked(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || seg[0] == 0x2001 && seg[1] == 0x0db8 // documentation
        || embedded_v4(&ip).is_some_and(v4_blocked)
}

/// Every URL in `text` cut to its origin (`https://hooks.slack.com/…`): paths, queries and
/// user info of webhook and feed URLs are credentials (Slack and Teams URLs, `?apikey=`), so no
/// stored or logged error carries them.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("http://").into_iter().chain(rest.find("https://")).min() {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ',' | ';' | ']'))
            .unwrap_or(tail.len());
        let candidate = &tail[..end];
        match url::Url::parse(candidate) {
            Ok(u) => {
                let host = u.host_str().unwrap_or("?");
                let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
                let more = u.path() != "/"
                    || u.query().is_some()
                    || !u.username().is_empty()
                    || u.password().is_some();
                if more {
                    out.push_str(&format!("{}://{host}{port}/…", u.scheme()));
                } else {
                    // An origin alone is no secret: left as written.
                    out.push_str(candidate);
                }
            }
            Err(_) => out.push_str("[url]"),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Addresses outgoing requests may reach.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allow: Vec<Cidr>,
}

impl Guard {
    pub fn new(allow: Vec<Cidr>) -> Self {
        Guard { allow }
    }

    /// Why `ip` is refused, or `None` if it may be used.
    pub fn refuse(&self, ip: IpAddr) -> Option<Refusal> {
        if self.allow.iter().any(|c| c.contains(ip)) {
            return None;
        }
        let blocked = match ip {
            IpAddr::V4(v4) => v4_blocked(v4),
            IpAddr::V6(v6) => v6_blocked(v6),
        };
        blocked.then_some(Refusal::Internal(ip))
    }

    /// Why a URL may not be fetched, or `None`: the one check every outgoing request and every
    /// redirect hop goes through (feeds, CAP links, webhooks). Only http and https; a host
    /// written as an address — `127.0.0.1`, `[::1]`, `0.0.0.0`, or the integer form
    /// `2130706433`, which URL parsing turns into an IPv4 address — is checked here, because
    /// no name lookup (and so no guarded resolver) ever sees it. Host names are checked when
    /// the guarded resolver resolves them.
    pub fn refuse_url(&self, url: &url::Url) -> Option<Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Some(Refusal::Scheme(url.scheme().to_owned()));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return None,
            None => return Some(Refusal::NoHost),
        };
        self.refuse(ip)
    }

    /// A redirect policy that sends every hop through [`Guard::refuse_url`] (at most `max`
    /// hops): a redirect to an internal address is an error, never a request.
    pub fn redirect_policy(self: &Arc<Self>, max: usize) -> reqwest::redirect::Policy {
        let guard = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max {
                return attempt.error(format!("more than {max} redirects"));
            }
            match guard.refuse_url(attempt.url()) {
                Some(reason) => attempt.error(format!("redirect refused: {reason}")),
                None => attempt.follow(),
            }
        })
    }

    /// Resolve `host` once and keep the addresses the guard allows; an error names why none.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Refusal::Lookup { host: host.to_owned(), message: e.to_string() })?
            .collect();
        let mut reasons = Vec::new();
        let ok: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.refuse(a.ip()) {
                Some(r) => {
                    reasons.push(r);
                    false
                }
                None => true,
            })
            .collect();
        if ok.is_empty() {
            return Err(Refusal::Name {
                host: host.to_owned(),
                first: reasons.first().map(|r| Box::new(r.clone())),
            });
        }
        Ok(ok)
    }
}

/// Why the guard refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{0} is a private, loopback, link-local or reserved address (allow it in [network] allow_private)"
    )]
    Internal(IpAddr),
    #[error("scheme {0:?} is not allowed (http or https only)")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("cannot resolve {host}: {message}")]
    Lookup { host: String, message: String },
    /// A name none of whose addresses may be used; the first address's reason.
    #[error("{host} refused: {}", first.as_ref().map_or_else(|| "no address".to_owned(), |r| r.to_string()))]
    Name { host: String, first: Option<Box<Refusal>> },
}

/// A reqwest resolver that applies the guard: reqwest connects only to what this returns.
pub struct GuardedResolver(pub Arc<Guard>);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let addrs = guard
                .resolve(name.as_str(), 0)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            let iter: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(iter)
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn urls_in_errors_are_cut_to_their_origin() {
        let e = "error sending request for url (https://hooks.slack.com/services/T0/B0/secret123): connection refused";
        let r = redact_urls(e);
        assert!(!r.contains("secret123") && r.contains("https://hooks.slack.com/…"), "{r}");
        let r =
            redact_urls("fetch failed for http://user:pw@feeds.example.org:8080/rss?apikey=k3y, retrying");
        assert!(
            !r.contains("k3y") && !r.contains("pw") && r.contains("http://feeds.example.org:8080/…,"),
            "{r}"
        );
        assert_eq!(redact_urls("no url here"), "no url here");
        assert_eq!(redact_urls("see https://example.org/"), "see https://example.org/");
        assert_eq!(
            redact_urls("listening on http://127.0.0.1:8080; state"),
            "listening on http://127.0.0.1:8080; state"
        );
    }
    use super::*;

    #[test]
    fn blocks_every_internal_form() {
        let g = Guard::default();
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::127.0.0.1",
            "198.18.0.1",
            "192.0.2.1",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(g.refuse(ip).is_some(), "{ip} should be refused");
        }
        for ip in
            ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "100.128.0.1", "172.32.0.1"]
        {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(g.refuse(ip).is_none(), "{ip} should be allowed");
        }
    }

    #[test]
    fn allowlist_permits_named_ranges_only() {
        let g = Guard::new(vec![Cidr::parse("127.0.0.0/8").expect("cidr")]);
        assert!(g.refuse("127.0.0.1".parse().expect("ip")).is_none());
        assert!(
            g.refuse("::ffff:127.0.0.1".parse().expect("ip")).is_none(),
            "mapped form of an allowed address"
        );
        assert!(g.refuse("10.0.0.1".parse().expect("ip")).is_some());
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("nonsense").is_err());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let err = Guard::default().resolve("localhost", 80).await.expect_err("refused");
        assert!(matches!(err, Refusal::Name { first: Some(_), .. }), "{err}");
        assert!(err.to_string().contains("localhost refused: 127.0.0.1 is a private"), "{err}");
        let ok = Guard::new(vec![
            Cidr::parse("127.0.0.0/8").expect("cidr"),
            Cidr::parse("::1/128").expect("cidr"),
        ])
        .resolve("localhost", 80)
        .await
        .expect("allowed");
        assert!(!ok.is_empty());
    }
}
