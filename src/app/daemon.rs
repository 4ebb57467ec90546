//! `tripwatch run`: the long-running service. Opens the store, binds the HTTP API, tells
//! systemd READY=1, then loops: process the spool, deliver what is due, ping the watchdog.
//! SIGHUP reloads config, triggers and templates (an invalid config is logged and the old one
//! kept); SIGTERM/SIGINT stop taking work, let the current pass finish, and exit 0. Deliveries
//! claimed but not finished are released or, after a hard kill, re-claimed when their lease
//! expires — nothing accepted is lost.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use crate::api::{self, ApiState};
use crate::config::Config;
use crate::detect::Engine;
use crate::outbox::Outbox;
use crate::store::Store;

/// Send a state line to systemd's notify socket, if there is one.
pub fn sd_notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
    let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() else { return };
    let path = PathBuf::from(path);
    let bytes = path.as_os_str().as_encoded_bytes();
    let _ = if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name)
            .and_then(|a| sock.send_to_addr(state.as_bytes(), &a))
    } else {
        sock.send_to(state.as_bytes(), &path)
    };
}

/// One log line: human text on a terminal, a JSON object when systemd's journal is the
/// output (`JOURNAL_STREAM` is set). Messages carry counts and names, never addresses or tokens.
pub fn emit(level: &str, msg: &str) {
    // URL paths and queries can be credentials (webhook URLs, feed API keys): logs keep the
    // origin only.
    let msg = &crate::channels::ssrf::redact_urls(msg);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        let line = serde_json::json!({"ts": jiff::Timestamp::now().to_string(), "level": level, "msg": msg});
        println!("{line}");
    } else if level == "info" {
        println!("tripwatch: {msg}");
    } else {
        eprintln!("tripwatch: {msg}");
    }
}

fn log(msg: &str) {
    emit("warn", msg);
}

struct Loaded {
    cfg: Config,
    engine: Arc<Engine>,
    outbox: Arc<Outbox>,
}

fn load(config: Option<&Path>, store: &Arc<Mutex<Store>>) -> anyhow::Result<Loaded> {
    let (cfg, engine) = super::load(config)?;
    let outbox = Arc::new(Outbox::new(&cfg, store.clone())?);
    Ok(Loaded { cfg, engine: Arc::new(engine), outbox })
}

/// Run until SIGTERM or SIGINT.
pub fn run(config: Option<&Path>) -> anyhow::Result<()> {
    let rt = super::deliver::runtime()?;
    rt.block_on(serve(config.map(Path::to_path_buf)))
}

async fn serve(config: Option<PathBuf>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let (cfg0, _) = super::load(config.as_deref())?;
    let store = Arc::new(Mutex::new(Store::open(&cfg0.state_dir).context("opening the store")?));
    let mut loaded = load(config.as_deref(), &store)?;
    crate::app::spool::ensure(&loaded.cfg.spool_dir)
        .with_context(|| format!("spool {}", loaded.cfg.spool_dir.display()))?;
    let ready = Arc::new(AtomicBool::new(false));
    let reload_requested = Arc::new(tokio::sync::Notify::new());
    let api_state = Arc::new(ApiState {
        tokens: loaded.cfg.api_tokens.clone(),
        spool_incoming: loaded.cfg.spool_dir.join("incoming"),
        max_body: loaded.cfg.max_advisory_bytes as usize,
        ready: ready.clone(),
        store: Some(store.clone()),
        live: std::sync::Mutex::new(live(&loaded)),
        reload: reload_requested.clone(),
    });
    let listener = tokio::net::TcpListener::bind(&loaded.cfg.api_listen)
        .await
        .with_context(|| format!("binding {}", loaded.cfg.api_listen))?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(tokio::sync::Notify::new());
    let stop_http = stop.clone();
    let api_for_reload = api_state.clone();
    let http = tokio::spawn(async move {
        axum::serve(listener, api::router(api_state))
            .with_graceful_shutdown(async move { stop_http.notified().await })
            .await
    });
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    // SIGTERM/SIGINT set this at once, so a long delivery pass stops claiming new work.
    let stopping = Arc::new(AtomicBool::new(false));
    let stop_loop = Arc::new(tokio::sync::Notify::new());
    {
        let (stopping, stop_loop) = (stopping.clone(), stop_loop.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            stopping.store(true, Ordering::SeqCst);
            stop_loop.notify_one();
        });
    }
    let mut hup = signal(SignalKind::hangup())?;
    let reloads_failed = AtomicU64::new(0);
    ready.store(true, Ordering::SeqCst);
    emit("info", &format!("listening on http://{addr}; state {}", loaded.cfg.state_dir.display()));
    sd_notify("READY=1");
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                pass(&loaded, &store, &stopping).await;
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                sd_notify("WATCHDOG=1");
            }
            _ = async { tokio::select! { _ = hup.recv() => (), _ = reload_requested.notified() => () } } => {
                sd_notify("RELOADING=1");
                match load(config.as_deref(), &store) {
                    Ok(new) => {
                        loaded = new;
                        *api_for_reload.live.lock().unwrap_or_else(|p| p.into_inner()) = live(&loaded);
                        crate::api::metrics::add("tripwatch_reloads_total", &[("result", "ok")], 1);
                        emit("info", "configuration reloaded");
                    }
                    Err(e) => {
                        let n = reloads_failed.fetch_add(1, Ordering::SeqCst) + 1;
                        crate::api::metrics::add("tripwatch_reloads_total", &[("result", "failed")], 1);
                        log(&format!("reload failed ({n} so far), keeping the previous configuration: {e:#}"));
                    }
                }
                sd_notify("READY=1");
            }
            _ = stop_loop.notified() => break,
        }
    }
    sd_notify("STOPPING=1");
    ready.store(false, Ordering::SeqCst);
    stop.notify_waiters();
    let _ = http.await;
    emit("info", "stopped");
    Ok(())
}

fn live(loaded: &Loaded) -> crate::api::Live {
    crate::api::Live { engine: loaded.engine.clone(), policy: loaded.cfg.policy.clone() }
}

/// One pass: the spool, then due deliveries.
async fn pass(loaded: &Loaded, store: &Arc<Mutex<Store>>, stopping: &AtomicBool) {
    let now = super::now().unwrap_or_else(|_| jiff::Timestamp::now());
    let polled = crate::sources::poll::poll_due(&loaded.cfg, &loaded.engine, store, now).await;
    if polled.polled > 0 {
        emit(
            "info",
            &format!(
                "sources: {} polled, {} items, {} new or updated, {} failed",
                polled.polled, polled.items, polled.processed, polled.failed
            ),
        );
    }
    let (cfg, engine, store2) = (loaded.cfg.clone(), loaded.engine.clone(), store.clone());
    let spool = tokio::task::spawn_blocking(move || {
        let mut guard = store2.lock().unwrap_or_else(|p| p.into_inner());
        let clock = || super::now().unwrap_or_else(|_| jiff::Timestamp::now());
        crate::app::spool::run_once(&cfg, &engine, &mut guard, &clock)
    })
    .await;
    match spool {
        Ok(Ok(r)) if r.processed + r.failed + r.unchanged > 0 => emit(
            "info",
            &format!(
                "spool: {} processed, {} unchanged, {} failed; {} alerts, {} roll-ups queued",
                r.processed, r.unchanged, r.failed, r.alerts, r.rollups
            ),
        ),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => log(&format!("spool pass failed: {e}")),
        Err(e) => log(&format!("spool pass panicked: {e}")),
    }
    match loaded.outbox.drain_until(now, stopping).await {
        Ok(d) if d.sent + d.retried + d.dead + d.released_digests > 0 => emit(
            "info",
            &format!(
                "outbox: {} sent, {} to retry, {} dead, {} digests released",
                d.sent, d.retried, d.dead, d.released_digests
            ),
        ),
        Ok(_) => {}
        Err(e) => log(&format!("outbox pass failed: {e}")),
    }
}

/// `tripwatch ingest FILE...`: POST each file to the running daemon.
pub fn ingest(cfg: &Config, files: &[PathBuf], token: &str) -> anyhow::Result<Vec<String>> {
    let rt = super::deliver::runtime()?;
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let url = format!("http://{}/api/v1/advisories", cfg.api_listen);
        let mut out = Vec::new();
        for f in files {
            let body = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            let ctype = if f.extension().is_some_and(|e| e == "json") {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            let resp = client
                .post(&url)
                .bearer_auth(token)
                .header("content-type", ctype)
                .body(body)
                .send()
                .await
                .with_context(|| format!("posting to {url} (is `tripwatch run` up?)"))?;
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if status.as_u16() != 202 {
                anyhow::bail!("{}: HTTP {status}: {}", f.display(), text.trim());
            }
            out.push(format!("{}: {}", f.display(), text.trim()));
        }
        Ok(out)
    })
}
