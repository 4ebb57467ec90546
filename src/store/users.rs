//! Console users and their sessions. Passwords are stored as Argon2id PHC strings; a session
//! is stored as the SHA-256 of its cookie token (a stolen database gives no usable session),
//! with its CSRF token and an absolute expiry.

use super::db::{Row, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError};

/// What a user may do in the console.
pub const ROLES: [&str; 3] = ["admin", "manager", "viewer"];

/// A console user.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: i64,
}

fn token_id(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn user_row(r: &Row<'_>) -> Result<User, StoreError> {
    Ok(User { id: r.get(0)?, email: r.get(1)?, role: r.get(2)?, password_hash: r.get(3)? })
}

impl Store {
    /// Create a user, or replace the role and password of an existing one (by email).
    pub fn upsert_user(
        &mut self,
        email: &str,
        role: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        if !ROLES.contains(&role) {
            return Err(StoreError::invalid(format!("unknown role {role:?} (use {})", ROLES.join(", "))));
        }
        let email = email.trim().to_ascii_lowercase();
        self.db.execute(
            "INSERT INTO users (email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
            &params![email, role, password_hash, now],
        )?;
        // A changed password ends the user's sessions.
        self.db.execute(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?1)",
            &params![email],
        )?;
        self.db.query_row("SELECT id FROM users WHERE email = ?1", &params![email], |r| r.get(0))
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.db.query_opt(
            "SELECT id, email, role, password_hash FROM users WHERE email = ?1",
            &params![email.trim().to_ascii_lowercase()],
            user_row,
        )
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        self.db.query_map("SELECT id, email, role, password_hash FROM users ORDER BY email", &[], user_row)
    }

    pub fn remove_user(&mut self, email: &str) -> Result<(), StoreError> {
        let email = email.trim().to_ascii_lowercase();
        self.db.execute(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?1)",
            &params![email],
        )?;
        if self.db.execute("DELETE FROM users WHERE email = ?1", &params![email])? == 0 {
            return Err(StoreError::NotFound(format!("user {email}")));
        }
        Ok(())
    }

    /// Start a session for a user: the cookie token is returned, only its hash is stored.
    pub fn create_session(
        &mut self,
        user_id: i64,
        token: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.db.execute("DELETE FROM sessions WHERE expires_at <= ?1", &params![now])?;
        self.db.execute(
            "INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &params![token_id(token), user_id, csrf, now, expires_at],
        )?;
        Ok(())
    }

    /// The live session a cookie token names, if any.
    pub fn session(&self, token: &str, now: i64) -> Result<Option<Session>, StoreError> {
        self.db.query_opt(
            "SELECT u.id, u.email, u.role, u.password_hash, s.csrf, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1 AND s.expires_at > ?2",
            &params![token_id(token), now],
            |r| Ok(Session { user: user_row(r)?, csrf: r.get(4)?, expires_at: r.get(5)? }),
        )
    }

    pub fn end_session(&mut self, token: &str) -> Result<(), StoreError> {
        self.db.execute("DELETE FROM sessions WHERE id = ?1", &params![token_id(token)])?;
        Ok(())
    }

    /// Record a change in the audit log.
    pub fn audit(&mut self, actor: &str, action: &str, detail: &str, now: i64) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            &params![now, actor, action, detail],
        )?;
        Ok(())
    }

    /// The latest audit entries, newest first: (at, actor, action, detail).
    pub fn audit_log(&self, limit: usize) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        self.db.query_map(
            "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?1",
            &params![limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    /// Per country: travellers on a trip on `day`, and the most severe trigger affirmed there
    /// since `since` (epoch seconds), for the dashboard.
    pub fn situation(&self, day: &str, since: i64) -> Result<Vec<(String, i64, Option<String>)>, StoreError> {
        let mut out: Vec<(String, i64, Option<String>)> = Vec::new();
        for (c, n) in self.db.query_map(
            "SELECT country, COUNT(DISTINCT traveller_id) FROM trips
             WHERE start_date <= ?1 AND end_date >= ?1 GROUP BY country ORDER BY 2 DESC, country",
            &params![day],
            |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
        )? {
            out.push((c, n, None));
        }
        let rank =
            |s: &str| ["info", "low", "medium", "high", "critical"].iter().position(|x| *x == s).unwrap_or(0);
        for (c, sev) in self.db.query_map(
            "SELECT d.country, d.severity FROM detections d
             JOIN advisories a ON a.id = d.advisory_id AND a.version = d.version
             WHERE d.polarity = 'affirmed' AND d.country IS NOT NULL AND a.processed_at >= ?1",
            &params![since],
            |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
        )? {
            match out.iter_mut().find(|(x, _, _)| *x == c) {
                Some(e) => {
                    if e.2.as_deref().is_none_or(|old| rank(&sev) > rank(old)) {
                        e.2 = Some(sev);
                    }
                }
                None => out.push((c, 0, Some(sev))),
            }
        }
        Ok(out)
    }
}
