//! The application layer: each CLI command wired from config, sources and stages.
//! `main.rs` parses arguments into these typed requests and prints what they return.

pub mod eval;
pub mod process;
pub mod evaluate;

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
    let cfg = match config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let triggers = cfg.load_triggers()?;
    let engine = Engine::new(triggers).context("building the detection engine")?;
    Ok((cfg, engine))
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
