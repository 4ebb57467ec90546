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
        match sources::read_file(&f, cfg.max_advisory_bytes) {
            Err(e) => {
                let to = move_into(&f, &spool.join("failed")).map_err(|e| SpoolError::Io(e.to_string()))?;
                let reason = PathBuf::from(format!("{}.reason", to.display()));
                fs::write(&reason, format!("{e}\n")).map_err(|e| SpoolError::Io(e.to_string()))?;
                report.failed += 1;
            }
            Ok(adv) => {
                let t = now();
                let outcome = match process::process(store, engine, &cfg.policy, &adv, t, t) {
                    Ok(o) => o,
                    // A well-formed advisory that cannot apply (a CAP Cancel for an unknown
                    // alert): rejected with its reason, the pass goes on.
                    Err(StoreError::Invalid(reason)) => {
                        let to = move_into(&f, &spool.join("failed"))
                            .map_err(|e| SpoolError::Io(e.to_string()))?;
                        fs::write(PathBuf::from(format!("{}.reason", to.display())), format!("{reason}\n"))
                            .map_err(|e| SpoolError::Io(e.to_string()))?;
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
                move_into(&f, &spool.join("processed")).map_err(|e| SpoolError::Io(e.to_string()))?;
            }
        }
    }
    Ok(report)
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool: {0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
