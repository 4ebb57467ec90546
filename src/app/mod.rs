//! The application layer: each CLI command wired from config, sources and stages.
//! `main.rs` parses arguments into these typed requests and prints what they return.

pub mod daemon;
pub mod deliver;
pub mod eval;
pub mod evaluate;
pub mod import;
pub mod people;
pub mod people_cmd;
pub mod preview;
pub mod process;
pub mod review;
pub mod spool;

use std::path::Path;

use anyhow::Context;

use crate::config::Config;
use crate::detect::Engine;

/// Output format shared by the commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Load config (or the built-in defaults) and build the engine.
pub fn load(config: Option<&Path>) -> anyhow::Result<(Config, Engine)> {
    let env_config = std::env::var_os("TRIPWATCH_CONFIG").map(std::path::PathBuf::from);
    let system = Path::new(SYSTEM_CONFIG);
    let mut cfg = match config.map(Path::to_path_buf).or(env_config) {
        Some(p) => Config::load(&p)?,
        None if system.exists() => Config::load(system)?,
        None => Config::default(),
    };
    apply_env_overrides(&mut cfg);
    let triggers = cfg.load_triggers()?;
    let engine = Engine::new(triggers).context("building the detection engine")?;
    Ok((cfg, engine))
}

/// Where `tripwatch` looks for its config when neither `--config` nor `TRIPWATCH_CONFIG` names
/// one; without it the built-in defaults apply (state in `./var`).
pub const SYSTEM_CONFIG: &str = "/etc/tripwatch/tripwatch.toml";

/// `TRIPWATCH_STATE_DIR` and `TRIPWATCH_SPOOL_DIR` override the config's paths (handy in
/// containers and tests).
fn apply_env_overrides(cfg: &mut Config) {
    if let Some(dir) = std::env::var_os("TRIPWATCH_STATE_DIR") {
        let dir = std::path::PathBuf::from(dir);
        if cfg.spool_dir == cfg.state_dir.join("spool") {
            cfg.spool_dir = dir.join("spool");
        }
        if let crate::config::EmailTransport::File { dir: mail } = &mut cfg.email.transport
            && *mail == cfg.state_dir.join("mail")
        {
            *mail = dir.join("mail");
        }
        if cfg.accountability.key_file == cfg.state_dir.join("respond.key") {
            cfg.accountability.key_file = dir.join("respond.key");
        }
        cfg.state_dir = dir;
    }
    if let Some(dir) = std::env::var_os("TRIPWATCH_SPOOL_DIR") {
        cfg.spool_dir = std::path::PathBuf::from(dir);
    }
}

/// `tripwatch check-config`: validate everything `run` would load. Returns the report lines.
pub fn check_config(config: Option<&Path>) -> anyhow::Result<String> {
    let (cfg, engine) = load(config)?;
    let source = match &cfg.path {
        Some(p) => p.display().to_string(),
        None => "built-in defaults".to_owned(),
    };
    Ok(format!(
        "{source}: ok ({} triggers, {} matcher patterns, state_dir {})",
        engine.triggers().len(),
        engine.matcher().pattern_count(),
        cfg.state_dir.display()
    ))
}

pub use crate::clock::{NOW_ENV, as_of, now, parse_as_of, set_as_of};

/// Open the store under the configured state directory.
pub fn open_store(cfg: &Config) -> anyhow::Result<crate::store::Store> {
    Ok(crate::store::Store::open_configured(&cfg.state_dir, cfg.store.url.as_deref())?)
}
