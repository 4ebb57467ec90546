//! The spool directory source: `incoming/` → `processing/` (claimed by an atomic rename) →
//! `processed/`, or `failed/` with a `.reason` file. Writers must create files under another
//! name (a leading `.` or a `.tmp`/`.part` suffix) and rename them into `incoming/` when
//! complete, so a file still being written is never read half-way. Files left in
//! `processing/` by a crash are processed again first; re-processing is idempotent.

use std::fs;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use crate::config::Config;
use crate::detect::Engine;
use crate::sources;
use crate::store::{Store, StoreError};

use super::process;

/// What one pass over the spool did.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct SpoolReport {
    pub processed: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub alerts: usize,
    pub rollups: usize,
    /// The pass stopped at its time budget with files still waiting.
    #[serde(skip)]
    pub more: bool,
}

pub const SUBDIRS: [&str; 4] = ["incoming", "processing", "processed", "failed"];

fn ready(name: &str) -> bool {
    !name.starts_with('.') && !name.ends_with(".tmp") && !name.ends_with(".part")
}

fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(ready))
        .collect();
    out.sort();
    Ok(out)
}

/// Move `from` into `dir`, keeping the name unless taken (then `name.N`).
fn move_into(from: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    let name =
        from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "advisory".into());
    let mut to = dir.join(&name);
    let mut n = 1;
    while to.exists() {
        to = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    fs::rename(from, &to)?;
    Ok(to)
}

/// Create the spool folders.
pub fn ensure(spool: &Path) -> std::io::Result<()> {
    for d in SUBDIRS {
        fs::create_dir_all(spool.join(d))?;
    }
    Ok(())
}

/// Process everything waiting in the spool once. `now` is called per file.
pub fn run_once(
    cfg: &Config,
    engine: &Engine,
    store: &mut Store,
    now: &dyn Fn() -> Timestamp,
) -> Result<SpoolReport, SpoolError> {
    run_once_within(cfg, engine, store, now, None)
}

/// `run_once`, taking no new file once `budget` has passed (`more` is then set and the rest
/// waits in `processing/` for the next pass, which takes it first).
pub fn run_once_within(
    cfg: &Config,
    engine: &Engine,
    store: &mut Store,
    now: &dyn Fn() -> Timestamp,
    budget: Option<std::time::Duration>,
) -> Result<SpoolReport, SpoolError> {
    let started = std::time::Instant::now();
    let spool = &cfg.spool_dir;
    ensure(spool).map_err(|e| SpoolError::Io(format!("{}: {e}", spool.display())))?;
    let mut report = SpoolReport::default();
    let mut work = files_in(&spool.join("processing")).map_err(|e| SpoolError::Io(e.to_string()))?;
    for f in files_in(&spool.join("incoming")).map_err(|e| SpoolError::Io(e.to_string()))? {
        // The rename is the claim: if it fails, someone else has the file.
        if let Ok(claimed) = move_into(&f, &spool.join("processing")) {
            work.push(claimed);
        }
    }
    for f in work {
        if budget.is_some_and(|b| started.elapsed() > b) {
            report.more = true;
            break;
        }
        let advisories = match sources::read_all(&f, cfg.max_advisory_bytes) {
            Ok(a) => a,
            Err(e) => {
                let to = move_into(&f, &spool.join("failed")).map_err(|e| SpoolError::Io(e.to_string()))?;
                let reason = PathBuf::from(format!("{}.reason", to.display()));
                fs::write(&reason, format!("{e}\n")).map_err(|e| SpoolError::Io(e.to_string()))?;
                report.failed += 1;
                continue;
            }
        };
        let count = advisories.len();
        let refused = apply(cfg, engine, store, now, advisories, pushed_by(&f).as_deref(), &mut report)?;
        // The file goes to failed/ with the reasons when nothing in it could apply;
        // otherwise to processed/ (with a reason file for the items refused, if any).
        let dir = if refused.len() == count { "failed" } else { "processed" };
        let to = move_into(&f, &spool.join(dir)).map_err(|e| SpoolError::Io(e.to_string()))?;
        if !refused.is_empty() {
            fs::write(PathBuf::from(format!("{}.reason", to.display())), refused.join("\n") + "\n")
                .map_err(|e| SpoolError::Io(e.to_string()))?;
        }
    }
    Ok(report)
}

/// Process the advisories of one document (pushed by `caller`, if a push), counting into
/// `report`; the reasons of those refused are returned. A feed holds many advisories; each is
/// processed on its own. Reprocessing after a crash is idempotent, so a document half done is
/// simply done again.
fn apply(
    cfg: &Config,
    engine: &Engine,
    store: &mut Store,
    now: &dyn Fn() -> Timestamp,
    advisories: Vec<crate::advisory::Advisory>,
    caller: Option<&str>,
    report: &mut SpoolReport,
) -> Result<Vec<String>, SpoolError> {
    let mut refused = Vec::new();
    let count = advisories.len();
    for mut adv in advisories {
        if let Some(caller) = caller {
            adv.source = push_namespace(caller, &adv.source);
        }
        let t = now();
        let outcome = match process::process(store, engine, &cfg.policy, &adv, t, t) {
            Ok(o) => o,
            // A well-formed advisory that cannot apply (a CAP Cancel for an unknown
            // alert): rejected with its reason, the pass goes on.
            Err(StoreError::Invalid(reason)) => {
                refused.push(if count == 1 || adv.title.is_empty() {
                    reason
                } else {
                    format!("{}: {reason}", adv.title)
                });
                report.failed += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        match outcome.committed {
            Some(c) => {
                report.processed += 1;
                report.alerts += c.alerts;
                report.rollups += c.rollups;
            }
            None => report.unchanged += 1,
        }
    }
    Ok(refused)
}

/// How long an instance holds a claimed inbox entry before another may take it over.
const INBOX_LEASE: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// One pass over the shared inbox (PostgreSQL mode): claim each waiting push, process it,
/// delete it. A document that cannot be read, or none of whose advisories could apply, is
/// kept in this machine's `failed/` with its reason (as a spool file would be), so `tripwatch
/// rejected` and `GET /api/v1/rejected` show it.
pub fn run_inbox_once_within(
    cfg: &Config,
    engine: &Engine,
    store: &mut Store,
    now: &dyn Fn() -> Timestamp,
    budget: Option<std::time::Duration>,
) -> Result<SpoolReport, SpoolError> {
    let started = std::time::Instant::now();
    let mut report = SpoolReport::default();
    loop {
        if budget.is_some_and(|b| started.elapsed() > b) {
            report.more = true;
            break;
        }
        let t = now();
        let Some(item) = store.inbox_claim(t, t.saturating_add(INBOX_LEASE).unwrap_or(t))? else { break };
        let caller = pushed_by(Path::new(&item.name));
        let outcome = match sources::parse_all(&item.body, sources::LOCAL_SOURCE) {
            Ok(advisories) => {
                let count = advisories.len();
                let refused = apply(cfg, engine, store, now, advisories, caller.as_deref(), &mut report)?;
                (refused.len() == count).then(|| refused.join("\n"))
            }
            Err(e) => {
                report.failed += 1;
                Some(e.to_string())
            }
        };
        if let Some(reason) = outcome {
            let dir = cfg.spool_dir.join("failed");
            let keep = || -> std::io::Result<()> {
                fs::create_dir_all(&dir)?;
                // The name was made by `push_file_name`; only its last part is used anyway.
                let name = Path::new(&item.name)
                    .file_name()
                    .map_or_else(|| format!("inbox-{}", item.id), |n| n.to_string_lossy().into_owned());
                let to = dir.join(name);
                fs::write(&to, &item.body)?;
                fs::write(PathBuf::from(format!("{}.reason", to.display())), reason + "\n")
            };
            keep().map_err(|e| SpoolError::Io(format!("{}: {e}", dir.display())))?;
        }
        store.inbox_done(item.id)?;
    }
    Ok(report)
}

/// The source a pushed advisory is stored under: the pushing token's namespace, `push:TOKEN`,
/// or `push:TOKEN/SOURCE` when the push names a source. A token can therefore only ever
/// replace advisories it pushed itself, never a configured feed's or another token's.
pub fn push_namespace(caller: &str, source: &str) -> String {
    if source.is_empty() || source == sources::LOCAL_SOURCE {
        format!("push:{caller}")
    } else {
        format!("push:{caller}/{source}")
    }
}

/// The spool file name of a push: `push~TOKEN~STAMP-ID.EXT` (the token name reduced to
/// letters, digits, `-` and `_`).
pub fn push_file_name(caller: &str, stamp: u128, id: &str, ext: &str) -> String {
    format!("push~{}~{stamp}-{id}.{ext}", file_safe(caller))
}

fn file_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The token that pushed a spool file, from its name.
fn pushed_by(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix("push~")?;
    Some(rest.split('~').next()?.to_owned())
}

/// Housekeeping: remove files in `processed/` older than `keep`, and write-in-progress files
/// (`.name`, `*.tmp`, `*.part`) in `incoming/` left for more than an hour by a writer that
/// died. Returns how many files were removed.
pub fn prune(spool: &Path, keep: std::time::Duration, now: std::time::SystemTime) -> usize {
    let old = |e: &fs::DirEntry, age: std::time::Duration| {
        e.metadata().and_then(|m| m.modified()).is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d > age))
    };
    let mut removed = 0;
    for (dir, age, only_partial) in [
        (spool.join("processed"), keep, false),
        (spool.join("incoming"), std::time::Duration::from_secs(3600), true),
    ] {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_file())
                && (!only_partial || !ready(&name))
                && old(&e, age)
                && fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// A spool file that was refused, with its reason.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Rejected {
    pub file: String,
    /// When it was moved to `failed/` (RFC 3339).
    pub at: Option<String>,
    pub reason: String,
}

/// The files in `failed/`, newest first, with the reason each was refused.
pub fn rejected(spool: &Path, limit: usize) -> std::io::Result<Vec<Rejected>> {
    let dir = spool.join("failed");
    let mut out: Vec<(Option<std::time::SystemTime>, Rejected)> = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".reason") || !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let modified = e.metadata().and_then(|m| m.modified()).ok();
        let reason = fs::read_to_string(dir.join(format!("{name}.reason")))
            .map(|r| r.trim().to_owned())
            .unwrap_or_else(|_| "no reason recorded".into());
        out.push((modified, Rejected { file: name, at: None, reason }));
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.0));
    Ok(out
        .into_iter()
        .take(limit)
        .map(|(m, mut r)| {
            r.at = m.and_then(|t| Timestamp::try_from(t).ok()).map(|t| t.to_string());
            r
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool: {0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_live_in_their_tokens_namespace() {
        assert_eq!(push_namespace("feeder", "local"), "push:feeder");
        assert_eq!(push_namespace("feeder", "state-dept"), "push:feeder/state-dept");
        let name = push_file_name("feed er/../x", 7, "abc", "txt");
        assert_eq!(name, "push~feed_er____x~7-abc.txt");
        assert_eq!(pushed_by(Path::new(&name)).as_deref(), Some("feed_er____x"));
        assert_eq!(pushed_by(Path::new("api-1-abc.txt")), None, "a file dropped by hand is local");
    }

    #[test]
    fn prune_removes_old_processed_files_and_abandoned_partial_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        ensure(dir.path()).expect("spool");
        for (sub, name) in [
            ("processed", "a.txt"),
            ("incoming", ".push~x~1-a.txt"),
            ("incoming", "b.txt.part"),
            ("incoming", "c.txt"),
        ] {
            fs::write(dir.path().join(sub).join(name), "x").expect("write");
        }
        let now = std::time::SystemTime::now();
        assert_eq!(prune(dir.path(), std::time::Duration::from_secs(86400), now), 0, "nothing is old yet");
        let later = now + std::time::Duration::from_secs(2 * 86400);
        assert_eq!(prune(dir.path(), std::time::Duration::from_secs(86400), later), 3);
        assert!(dir.path().join("incoming/c.txt").exists(), "a complete incoming file is work, never pruned");
    }
}
