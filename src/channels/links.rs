//! Duty of care: the signed "I'm safe" / "I need help" links every alert to a traveller
//! carries, and the small public page behind them.
//!
//! A link names one alert and one traveller and when it expires, and carries an HMAC-SHA256
//! over exactly those, with a key only the service holds: `ALERT.TRAVELLER.EXPIRES.SIGNATURE`.
//! A changed number, another traveller's alert, an expired or a made-up link fails the check
//! (compared in constant time). The answer is the last path segment (`safe`/`help`), so the two
//! links of one alert share a token. Opening a link shows a form; only submitting it records
//! the answer, so mail scanners that prefetch links record nothing. The pages themselves are
//! console templates (`config/console/respond.html`), served by `api::respond`.

use std::path::Path;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::Sha256;

/// The key links are signed with.
#[derive(Clone)]
pub struct LinkKey([u8; 32]);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

/// A traveller's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Safe,
    Help,
}

impl Answer {
    pub fn parse(s: &str) -> Option<Answer> {
        match s {
            "safe" => Some(Answer::Safe),
            "help" => Some(Answer::Help),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Safe => "safe",
            Answer::Help => "help",
        }
    }
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Invalid,
    #[error("this link has expired")]
    Expired,
}

/// What a verified link names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkClaim {
    pub alert_id: i64,
    pub traveller_id: i64,
    pub expires: i64,
}

/// Write a key file: base64 of the 32 bytes, mode 0600, via a temporary file and a rename.
fn write_key(path: &Path, bytes: &[u8; 32]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        #[cfg(unix)]
        let mut f = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?
        };
        #[cfg(not(unix))]
        let mut f = std::fs::File::create(&tmp)?;
        writeln!(f, "{}", base64::engine::general_purpose::STANDARD.encode(bytes))?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

impl LinkKey {
    pub fn from_bytes(b: [u8; 32]) -> LinkKey {
        LinkKey(b)
    }

    /// The key's bytes (to share it between instances through their database).
    pub fn bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Replace the key file with this key (mode 0600, written whole).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        write_key(path, &self.0)
    }

    /// Read the key file, or create it (mode 0600) with 32 random bytes when it is missing.
    pub fn load_or_create(path: &Path) -> std::io::Result<LinkKey> {
        if let Ok(text) = std::fs::read_to_string(path) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{}: expected 32 bytes in base64", path.display()),
                    )
                })?;
            return Ok(LinkKey(bytes));
        }
        let mut bytes = [0u8; 32];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
        write_key(path, &bytes)?;
        Ok(LinkKey(bytes))
    }

    fn mac(&self, alert_id: i64, traveller_id: i64, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("tripwatch-respond\n{alert_id}\n{traveller_id}\n{expires}").as_bytes());
        mac
    }

    /// The token of one alert to one traveller, valid until `expires` (epoch seconds).
    pub fn token(&self, alert_id: i64, traveller_id: i64, expires: i64) -> String {
        let sig = self.mac(alert_id, traveller_id, expires).finalize().into_bytes();
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sig[..20]);
        format!("{alert_id}.{traveller_id}.{expires}.{sig}")
    }

    /// Check a token at `now`: the claim it carries, or why not.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<LinkClaim, LinkError> {
        let mut parts = token.split('.');
        let (Some(a), Some(t), Some(e), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let (Ok(alert_id), Ok(traveller_id), Ok(expires)) = (a.parse(), t.parse(), e.parse::<i64>()) else {
            return Err(LinkError::Invalid);
        };
        let sig =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).map_err(|_| LinkError::Invalid)?;
        if sig.len() != 20 {
            return Err(LinkError::Invalid);
        }
        self.mac(alert_id, traveller_id, expires)
            .verify_truncated_left(&sig)
            .map_err(|_| LinkError::Invalid)?;
        if now.as_second() > expires {
            return Err(LinkError::Expired);
        }
        Ok(LinkClaim { alert_id, traveller_id, expires })
    }
}

/// The two answer links of one alert to one traveller.
pub fn links(
    key: &LinkKey,
    base_url: &str,
    alert_id: i64,
    traveller_id: i64,
    expires: i64,
) -> (String, String) {
    let token = key.token(alert_id, traveller_id, expires);
    (format!("{base_url}/respond/{token}/safe"), format!("{base_url}/respond/{token}/help"))
}

/// Everything alert rendering needs to put answer links in a message.
#[derive(Debug, Clone)]
pub struct LinkMaker {
    pub key: LinkKey,
    pub base_url: String,
    pub ttl: std::time::Duration,
}

/// The answer-link key could not be read or made.
#[derive(Debug, thiserror::Error)]
#[error("accountability key {}: {source}", path.display())]
pub struct KeyError {
    pub path: std::path::PathBuf,
    pub source: std::io::Error,
}

impl LinkMaker {
    /// From the `[accountability]` settings; the key file is created on first use.
    pub fn from_config(cfg: &crate::config::Config) -> Result<LinkMaker, KeyError> {
        let a = &cfg.accountability;
        let key = LinkKey::load_or_create(&a.key_file)
            .map_err(|source| KeyError { path: a.key_file.clone(), source })?;
        Ok(LinkMaker { key, base_url: a.base_url(), ttl: a.link_ttl })
    }

    /// Links for an alert created at `created`; they expire `ttl` later.
    pub fn links(&self, alert_id: i64, traveller_id: i64, created: Timestamp) -> (String, String) {
        let expires = created.as_second().saturating_add(self.ttl.as_secs() as i64);
        links(&self.key, &self.base_url, alert_id, traveller_id, expires)
    }
}

/// The answer pages' part of the configuration: the signing key and the escalation policy.
#[derive(Debug, Clone)]
pub struct RespondConfig {
    pub key: LinkKey,
    pub escalation: crate::store::accountability::EscalationPolicy,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    #[test]
    fn links_are_bound_to_alert_traveller_and_time() {
        let key = LinkKey::from_bytes([7; 32]);
        let now = ts("2022-01-06T12:00:00Z");
        let exp = now.as_second() + 3600;
        let token = key.token(41, 9, exp);
        assert_eq!(key.verify(&token, now), Ok(LinkClaim { alert_id: 41, traveller_id: 9, expires: exp }));
        // Another traveller, another alert, a later expiry: the signature no longer fits.
        let sig = token.rsplit('.').next().expect("sig");
        for forged in
            [format!("41.10.{exp}.{sig}"), format!("42.9.{exp}.{sig}"), format!("41.9.{}.{sig}", exp + 86400)]
        {
            assert_eq!(key.verify(&forged, now), Err(LinkError::Invalid), "{forged}");
        }
        // Another key, garbage, a truncated signature.
        assert_eq!(LinkKey::from_bytes([8; 32]).verify(&token, now), Err(LinkError::Invalid));
        for bad in ["", "1.2.3", "a.b.c.d", "1.2.3.4.5", &token[..token.len() - 4]] {
            assert_eq!(key.verify(bad, now), Err(LinkError::Invalid), "{bad}");
        }
        // After its time: expired, even though genuine.
        assert_eq!(key.verify(&token, ts("2022-01-06T13:00:01Z")), Err(LinkError::Expired));
    }

    #[test]
    fn the_key_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state/respond.key");
        let a = LinkKey::load_or_create(&path).expect("created");
        let b = LinkKey::load_or_create(&path).expect("read");
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "short").expect("write");
        assert!(LinkKey::load_or_create(&path).is_err(), "a damaged key is an error, not a new key");
    }
}
