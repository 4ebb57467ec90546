//! `tripwatch run`: the long-running service, as supervised tasks that share one shutdown
//! signal: the HTTP listener, a spool worker (woken by each push), source polls (one task per
//! due source, each with a time budget), delivery workers that claim and send independently,
//! a digest task, and a watchdog task that pings systemd only while every other task's
//! heartbeat is fresh. The store is three SQLite connections (pipeline, outbox, API) used
//! off the async threads. SIGHUP reloads config, triggers, templates, tokens, sources and
//! channels (an invalid config is logged and the old one kept); SIGTERM/SIGINT stop taking
//! work, let work in flight finish within the grace period, and exit 0. Deliveries claimed but
//! not finished are re-claimed when their lease expires — nothing accepted is lost.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use anyhow::Context;

use crate::api::{self, ApiState};
use crate::channels::ssrf::Guard;
use crate::config::Config;
use crate::detect::Engine;
use crate::outbox::{DrainReport, Outbox};
use crate::store::{Lane, Store, blocking};

use crate::telemetry::sd_notify;

/// What a reload replaces, as one value: tasks take the current one at the top of each step.
struct Loaded {
    cfg: Config,
    engine: Arc<Engine>,
    outbox: Arc<Outbox>,
    /// The feed client with its SSRF guard; `None` when no source is configured.
    poller: Option<(reqwest::Client, Arc<Guard>)>,
}

fn load(config: Option<&Path>, outbox_store: &Arc<Mutex<Store>>) -> anyhow::Result<Loaded> {
    let (cfg, engine) = super::load(config)?;
    let outbox = Arc::new(Outbox::new(&cfg, outbox_store.clone())?);
    let poller = if cfg.sources.is_empty() {
        None
    } else {
        let guard = Arc::new(Guard::new(cfg.allow_private.clone()));
        let client =
            crate::sources::poll::client(guard.clone()).map_err(|e| anyhow::anyhow!("feed client: {e}"))?;
        Some((client, guard))
    };
    Ok(Loaded { cfg, engine: Arc::new(engine), outbox, poller })
}

/// Liveness of the tasks that must keep running. Each task beats at least once a second
/// while it is healthy (waiting included); the watchdog task pings systemd only while every
/// beat is recent, so a stuck task — not a long pass — is what gets the service restarted.
#[derive(Default)]
pub struct Heartbeats {
    tasks: Mutex<Vec<(String, Arc<AtomicU64>)>>,
}

/// One task's heartbeat.
#[derive(Clone)]
pub struct Beat(Arc<AtomicU64>);

fn mono_ms() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

impl Beat {
    pub fn beat(&self) {
        self.0.store(mono_ms(), Ordering::Relaxed);
    }
}

impl Heartbeats {
    pub fn register(&self, name: &str) -> Beat {
        let b = Arc::new(AtomicU64::new(mono_ms()));
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).push((name.to_owned(), b.clone()));
        Beat(b)
    }

    /// Tasks whose last beat is older than `max`.
    pub fn stale(&self, max: Duration) -> Vec<String> {
        let now = mono_ms();
        let max = max.as_millis() as u64;
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, b)| now.saturating_sub(b.load(Ordering::Relaxed)) > max)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// Await `fut`, beating every second meanwhile: the task is alive and waiting on work that
/// has its own deadline.
pub async fn beating<F: std::future::Future>(beat: &Beat, fut: F) -> F::Output {
    tokio::pin!(fut);
    let mut t = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            r = &mut fut => { beat.beat(); return r }
            _ = t.tick() => beat.beat(),
        }
    }
}

/// Resolves once `rx` says the service is stopping (at once if it already does).
pub async fn stopped(rx: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Everything the daemon's tasks share.
struct Shared {
    loaded: std::sync::RwLock<Arc<Loaded>>,
    /// The pipeline's connection (spool, polls); the outbox and the API have their own.
    pipeline: Arc<Mutex<Store>>,
    outbox_store: Arc<Mutex<Store>>,
    /// Bumped when new deliveries may be due: wakes idle outbox workers at once.
    work: tokio::sync::watch::Sender<u64>,
    spool_wake: Arc<Notify>,
    heartbeats: Heartbeats,
    shutdown: tokio::sync::watch::Receiver<bool>,
    /// Deliveries being carried out now, and what was done since the last report.
    busy: AtomicUsize,
    tally: Mutex<DrainReport>,
}

impl Shared {
    fn current(&self) -> Arc<Loaded> {
        self.loaded.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    fn wake_outbox(&self) {
        self.work.send_modify(|g| *g = g.wrapping_add(1));
    }
}

fn now() -> jiff::Timestamp {
    super::now().unwrap_or_else(|_| jiff::Timestamp::now())
}

/// Run until SIGTERM or SIGINT.
pub fn run(config: Option<&Path>) -> anyhow::Result<()> {
    let rt = super::deliver::runtime()?;
    rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (cfg, _) = super::load(config)?;
        let listener = tokio::net::TcpListener::bind(&cfg.api_listen)
            .await
            .with_context(|| format!("binding {}", cfg.api_listen))?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            let _ = stop_tx.send(true);
        });
        serve(listener, config.map(Path::to_path_buf), stop_rx).await
    })
}

/// The service on `listener` until `shutdown` turns true: the HTTP API, a spool worker woken
/// by pushes, one task per due source poll, `outbox.concurrency` delivery workers, a digest
/// task, a watchdog task fed by their heartbeats, and reload on SIGHUP or `POST /api/v1/reload`.
/// Callable in process (tests pass their own listener and shutdown channel).
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Option<PathBuf>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    if let Ok(addr) = listener.local_addr() {
        let _ = crate::config::BOUND_API.set(addr);
    }
    let (cfg0, _) = super::load(config.as_deref())?;
    crate::telemetry::configure(&cfg0.log);
    create_private_dir(&cfg0.state_dir)?;
    let open =
        || Store::open_configured(&cfg0.state_dir, cfg0.store.url.as_deref()).context("opening the store");
    let pipeline = Arc::new(Mutex::new(open()?));
    let outbox_store = Arc::new(Mutex::new({
        let mut s = open()?;
        s.relax_durability().context("outbox connection")?;
        s
    }));
    let api_store = Arc::new(Mutex::new(open()?));
    // PostgreSQL: several instances share the database; pushes go to its inbox and
    // readiness follows its reachability.
    let shared_db = cfg0.store.url.is_some();
    let health = if shared_db {
        let mut h = open()?;
        h.set_deadline(Duration::from_secs(2));
        Some(Arc::new(Mutex::new(h)))
    } else {
        None
    };
    make_private(&cfg0.state_dir);
    if shared_db {
        share_link_key(&cfg0, &pipeline)?;
    }
    let loaded = load(config.as_deref(), &outbox_store)?;
    crate::app::spool::ensure(&loaded.cfg.spool_dir)
        .with_context(|| format!("spool {}", loaded.cfg.spool_dir.display()))?;
    let ready = Arc::new(AtomicBool::new(false));
    let reload_requested = Arc::new(Notify::new());
    let spool_wake = Arc::new(Notify::new());
    let api_state = Arc::new(ApiState {
        spool_incoming: loaded.cfg.spool_dir.join("incoming"),
        spool_wake: spool_wake.clone(),
        max_body: loaded.cfg.max_advisory_bytes as usize,
        ready: ready.clone(),
        store: Some(api_store),
        live: Mutex::new(live(&loaded)),
        reload: reload_requested.clone(),
        console: Arc::new(crate::api::console::Console::default()),
        inbox: shared_db,
        health,
    });
    let addr = listener.local_addr()?;
    let limits = loaded.cfg.api_limits;
    let (work, _) = tokio::sync::watch::channel(0u64);
    let shared = Arc::new(Shared {
        loaded: std::sync::RwLock::new(Arc::new(loaded)),
        pipeline,
        outbox_store,
        work,
        spool_wake,
        heartbeats: Heartbeats::default(),
        shutdown: shutdown.clone(),
        busy: AtomicUsize::new(0),
        tally: Mutex::new(DrainReport::default()),
    });
    let http = tokio::spawn(crate::api::server::serve(
        listener,
        api::router(api_state.clone()),
        limits,
        shutdown.clone(),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(spool_task(shared.clone(), shared.heartbeats.register("spool")));
    tasks.spawn(poll_task(shared.clone(), shared.heartbeats.register("sources")));
    tasks.spawn(digest_task(shared.clone(), shared.heartbeats.register("digests")));
    // Email and webhooks each have `concurrency` workers of their own: a backed-up channel
    // (a slow relay, a mail folder on a slow disk) does not delay the other's deliveries.
    let workers = shared.current().cfg.outbox.concurrency.max(1);
    for (lane, name) in [(Lane::Email, "email"), (Lane::Webhooks, "webhooks")] {
        for i in 0..workers {
            let beat = shared.heartbeats.register(&format!("outbox-{name}-{i}"));
            tasks.spawn(outbox_worker(shared.clone(), beat, lane));
        }
    }
    let watchdog = tokio::spawn(watchdog_task(shared.clone()));
    let mut hup = signal(SignalKind::hangup())?;
    let reloads_failed = AtomicU64::new(0);
    ready.store(true, Ordering::SeqCst);
    tracing::info!(addr = %format!("http://{addr}"), state = %cfg0.state_dir.display(), "listening");
    sd_notify("READY=1");
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = async { tokio::select! { _ = hup.recv() => (), _ = reload_requested.notified() => () } } => {
                sd_notify("RELOADING=1");
                match load(config.as_deref(), &shared.outbox_store) {
                    Ok(new) => {
                        crate::telemetry::configure(&new.cfg.log);
                        let old = shared.current();
                        for note in restart_only_changes(&old.cfg, &new.cfg) {
                            tracing::warn!(setting = note, "reload: this setting takes effect after a restart");
                        }
                        *api_state.live.lock().unwrap_or_else(|p| p.into_inner()) = live(&new);
                        *shared.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(new);
                        shared.wake_outbox();
                        crate::telemetry::metrics::add("tripwatch_reloads_total", &[("result", "ok")], 1);
                        tracing::info!("configuration reloaded");
                    }
                    Err(e) => {
                        let n = reloads_failed.fetch_add(1, Ordering::SeqCst) + 1;
                        crate::telemetry::metrics::add("tripwatch_reloads_total", &[("result", "failed")], 1);
                        tracing::warn!(failures = n, error = %format!("{e:#}"), "reload failed; keeping the previous configuration");
                    }
                }
                sd_notify("READY=1");
            }
            _ = crate::app::daemon::stopped(&mut stop) => break,
        }
    }
    sd_notify("STOPPING=1");
    ready.store(false, Ordering::SeqCst);
    // Workers finish what they hold (each send has its own deadline) and claim nothing new;
    // past the grace period they are cut off and their leases expire for the next start.
    let grace = limits.shutdown_grace;
    if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "shutdown: work still running is abandoned; its leases expire"
        );
        tasks.abort_all();
    }
    watchdog.abort();
    let _ = http.await;
    tracing::info!("stopped");
    Ok(())
}

/// Instances sharing a database sign answer links with one key: the first instance's key file
/// is offered to the database, and every later instance writes the database's key into its
/// own key file, so a link made by one is accepted by all.
fn share_link_key(cfg: &Config, store: &Arc<Mutex<Store>>) -> anyhow::Result<()> {
    use crate::channels::links::LinkKey;
    let path = &cfg.accountability.key_file;
    let local =
        LinkKey::load_or_create(path).with_context(|| format!("accountability key {}", path.display()))?;
    let shared = blocking(|| {
        store.lock().unwrap_or_else(|p| p.into_inner()).shared_secret("respond.key", &local.bytes())
    })
    .context("sharing the answer-link key through the database")?;
    let shared: [u8; 32] =
        shared.try_into().map_err(|_| anyhow::anyhow!("the database's answer-link key is not 32 bytes"))?;
    if shared != local.bytes() {
        LinkKey::from_bytes(shared).save(path).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!("answer-link key taken from the shared database");
    }
    Ok(())
}

/// Settings a reload cannot apply to a running service.
fn restart_only_changes(old: &Config, new: &Config) -> Vec<&'static str> {
    let mut out = Vec::new();
    if old.api_listen != new.api_listen {
        out.push("api.listen");
    }
    if old.state_dir != new.state_dir {
        out.push("state_dir");
    }
    if old.spool_dir != new.spool_dir {
        out.push("spool.dir");
    }
    if old.outbox.concurrency != new.outbox.concurrency {
        out.push("outbox.concurrency (the number of delivery workers)");
    }
    let (a, b) = (old.api_limits, new.api_limits);
    if (a.max_connections, a.header_timeout, a.shutdown_grace)
        != (b.max_connections, b.header_timeout, b.shutdown_grace)
    {
        out.push("api connection limits");
    }
    out
}

fn live(loaded: &Loaded) -> crate::api::Live {
    crate::api::Live {
        engine: loaded.engine.clone(),
        policy: loaded.cfg.policy.clone(),
        tokens: Arc::new(loaded.cfg.api_tokens.clone()),
        sources: Arc::new(loaded.cfg.sources.iter().map(|s| s.name.clone()).collect()),
        webhooks: Arc::new(loaded.cfg.webhooks.iter().map(|w| w.name.clone()).collect()),
        respond: loaded.outbox.respond_config().map(Arc::new),
    }
}

/// The state directory is private to the service: 0700 for the directory, 0600 for the
/// database files (systemd's `StateDirectoryMode=` does the same for the unit).
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

fn make_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(crate::store::DB_FILE) {
            let _ = std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o600));
        }
    }
}

/// Longest one spool pass takes new files for; the rest wait for the next pass.
const SPOOL_PASS_BUDGET: Duration = Duration::from_secs(10);

/// The spool worker: woken at once by a push, else once a second for files dropped by hand.
async fn spool_task(shared: Arc<Shared>, beat: Beat) {
    let mut stop = shared.shutdown.clone();
    let mut last_prune: Option<Instant> = None;
    loop {
        beat.beat();
        if shared.stopping() {
            break;
        }
        let loaded = shared.current();
        let (cfg, engine, store) = (loaded.cfg.clone(), loaded.engine.clone(), shared.pipeline.clone());
        let pass = tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            let mut r =
                crate::app::spool::run_once_within(&cfg, &engine, &mut guard, &now, Some(SPOOL_PASS_BUDGET))?;
            // PostgreSQL: pushes accepted by any instance wait in the shared inbox.
            if cfg.store.url.is_some() {
                let i = crate::app::spool::run_inbox_once_within(
                    &cfg,
                    &engine,
                    &mut guard,
                    &now,
                    Some(SPOOL_PASS_BUDGET),
                )?;
                r.processed += i.processed;
                r.unchanged += i.unchanged;
                r.failed += i.failed;
                r.alerts += i.alerts;
                r.rollups += i.rollups;
                r.more |= i.more;
            }
            Ok::<_, crate::app::spool::SpoolError>(r)
        });
        match beating(&beat, pass).await {
            Ok(Ok(r)) => {
                if r.alerts + r.rollups > 0 {
                    shared.wake_outbox();
                }
                if r.processed + r.failed + r.unchanged > 0 {
                    tracing::info!(
                        processed = r.processed,
                        unchanged = r.unchanged,
                        failed = r.failed,
                        alerts = r.alerts,
                        rollups = r.rollups,
                        "spool pass"
                    );
                }
                if r.more {
                    continue;
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "spool pass failed"),
            Err(e) => tracing::error!(error = %e, "spool pass panicked"),
        }
        if last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
            last_prune = Some(Instant::now());
            let (dir, keep) = (loaded.cfg.spool_dir.clone(), loaded.cfg.spool_keep);
            let pruned = tokio::task::spawn_blocking(move || {
                crate::app::spool::prune(&dir, keep, std::time::SystemTime::now())
            })
            .await
            .unwrap_or(0);
            if pruned > 0 {
                tracing::info!(pruned, "spool: old files pruned");
            }
        }
        tokio::select! {
            _ = shared.spool_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = crate::app::daemon::stopped(&mut stop) => {}
        }
    }
}

/// Source polling: each due source is polled in its own task with its own time budget, so a
/// slow feed delays nobody else; a source is never polled twice at once.
async fn poll_task(shared: Arc<Shared>, beat: Beat) {
    let mut stop = shared.shutdown.clone();
    let mut running: tokio::task::JoinSet<(String, crate::sources::poll::PollOne)> =
        tokio::task::JoinSet::new();
    let mut in_flight = std::collections::HashSet::new();
    let mut report = crate::sources::poll::PollReport::default();
    loop {
        beat.beat();
        while let Some(done) = running.try_join_next() {
            settle(&shared, &mut report, &mut in_flight, done);
        }
        if running.is_empty() && report.polled > 0 {
            tracing::info!(
                polled = report.polled,
                items = report.items,
                processed = report.processed,
                failed = report.failed,
                "sources pass"
            );
            report = Default::default();
        }
        if shared.stopping() {
            break;
        }
        let loaded = shared.current();
        if let Some((client, guard)) = loaded.poller.clone() {
            let t = now();
            let polling: Vec<String> = in_flight.iter().cloned().collect();
            blocking(|| {
                crate::sources::poll::renew_leases(
                    &loaded.cfg,
                    &shared.pipeline,
                    &polling,
                    t,
                    crate::sources::poll::instance_id(),
                )
            });
            let due = blocking(|| {
                crate::sources::poll::due(
                    &loaded.cfg,
                    &shared.pipeline,
                    t,
                    crate::sources::poll::instance_id(),
                )
            });
            for (s, state) in due {
                if !in_flight.insert(s.name.clone()) {
                    continue;
                }
                let (loaded, shared, client, guard) =
                    (loaded.clone(), shared.clone(), client.clone(), guard.clone());
                running.spawn(async move {
                    let budget = crate::sources::poll::budget(&s);
                    let intake: Arc<dyn crate::sources::poll::Intake> =
                        Arc::new(crate::app::process::Pipeline {
                            engine: loaded.engine.clone(),
                            policy: loaded.cfg.policy.clone(),
                        });
                    let one = crate::sources::poll::poll_one(
                        &intake,
                        &shared.pipeline,
                        &client,
                        &guard,
                        &s,
                        &state,
                        t,
                        budget,
                    )
                    .await;
                    (s.name.clone(), one)
                });
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            Some(done) = running.join_next(), if !running.is_empty() => {
                settle(&shared, &mut report, &mut in_flight, done);
            }
            _ = crate::app::daemon::stopped(&mut stop) => {}
        }
    }
    // Polls in progress are dropped: nothing of theirs was acknowledged, the next start
    // fetches again.
    running.abort_all();
}

/// Account for one finished poll.
fn settle(
    shared: &Shared,
    report: &mut crate::sources::poll::PollReport,
    in_flight: &mut std::collections::HashSet<String>,
    done: Result<(String, crate::sources::poll::PollOne), tokio::task::JoinError>,
) {
    let Ok((name, one)) = done else { return };
    in_flight.remove(&name);
    report.polled += 1;
    report.items += one.items;
    report.processed += one.processed;
    report.failed += usize::from(one.failed);
    if one.processed > 0 {
        shared.wake_outbox();
    }
}

/// Digests come due on their own clock: release them, then wake the workers.
async fn digest_task(shared: Arc<Shared>, beat: Beat) {
    let mut stop = shared.shutdown.clone();
    loop {
        beat.beat();
        if shared.stopping() {
            break;
        }
        let t = now();
        let released =
            blocking(|| shared.outbox_store.lock().unwrap_or_else(|p| p.into_inner()).release_digests(t));
        match released {
            Ok(n) if n > 0 => {
                shared.tally.lock().unwrap_or_else(|p| p.into_inner()).released_digests += n;
                shared.wake_outbox();
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "releasing digests failed"),
        }
        // Travellers who did not answer in time: their managers are told, once.
        match shared.current().outbox.escalate(t) {
            Ok(n) if n > 0 => {
                shared.tally.lock().unwrap_or_else(|p| p.into_inner()).escalations += n;
                tracing::warn!(escalated = n, "unanswered alerts escalated to managers");
                shared.wake_outbox();
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "escalating failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = crate::app::daemon::stopped(&mut stop) => {}
        }
    }
}

/// One delivery worker of a lane (email or webhooks): claims due deliveries of its lane,
/// carries them out, records them; when nothing is due it waits to be woken (new work) or for
/// a second (retries coming due). Workers are independent: one slow endpoint holds one
/// worker, not a round, and never a worker of the other lane.
async fn outbox_worker(shared: Arc<Shared>, beat: Beat, lane: Lane) {
    let mut work = shared.work.subscribe();
    let mut stop = shared.shutdown.clone();
    loop {
        beat.beat();
        if shared.stopping() {
            break;
        }
        work.borrow_and_update();
        let outbox = shared.current().outbox.clone();
        shared.busy.fetch_add(1, Ordering::SeqCst);
        let batch = shared.current().cfg.outbox.batch;
        let steps = beating(&beat, outbox.try_execute_batch(now(), batch, lane)).await;
        let idle = shared.busy.fetch_sub(1, Ordering::SeqCst) == 1;
        match steps {
            Ok(steps) if !steps.is_empty() => {
                let mut t = shared.tally.lock().unwrap_or_else(|p| p.into_inner());
                for step in steps {
                    match step.outcome {
                        crate::outbox::Outcome::Sent => t.sent += 1,
                        crate::outbox::Outcome::Retry { .. } => t.retried += 1,
                        crate::outbox::Outcome::Dead { .. } => t.dead += 1,
                    }
                }
                continue;
            }
            Ok(_) => {
                if idle {
                    let d = std::mem::take(&mut *shared.tally.lock().unwrap_or_else(|p| p.into_inner()));
                    if d.sent + d.retried + d.dead + d.released_digests > 0 {
                        tracing::info!(
                            sent = d.sent,
                            retry = d.retried,
                            dead = d.dead,
                            digests = d.released_digests,
                            "outbox pass"
                        );
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "outbox step failed"),
        }
        tokio::select! {
            _ = work.changed() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = crate::app::daemon::stopped(&mut stop) => {}
        }
    }
}

/// Pings systemd's watchdog every second while every task's heartbeat is fresh. A task that
/// stops beating for half of `WatchdogSec` (or 10 s without one) stops the pings, is named in
/// the log, and systemd restarts the service.
async fn watchdog_task(shared: Arc<Shared>) {
    let limit = std::env::var("WATCHDOG_USEC")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Duration::from_secs(10), |us| Duration::from_micros(us / 2))
        .max(Duration::from_secs(2));
    let mut reported = false;
    let mut t = tokio::time::interval(Duration::from_secs(1));
    loop {
        t.tick().await;
        let stale = shared.heartbeats.stale(limit);
        if stale.is_empty() {
            sd_notify("WATCHDOG=1");
            reported = false;
        } else if !reported {
            reported = true;
            tracing::error!(limit_secs = limit.as_secs(), tasks = %stale.join(", "), "watchdog: tasks stopped beating");
        }
    }
}

/// `tripwatch ingest FILE...`: POST each file to the running daemon. Every file gets its own
/// result line (`Ok`: the daemon's answer; `Err`: why not), and a bad file does not stop the
/// rest; only a daemon that cannot be reached at all ends the run early.
pub fn ingest(base: &str, files: &[PathBuf], token: &str) -> anyhow::Result<Vec<Result<String, String>>> {
    let rt = super::deliver::runtime()?;
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let url = format!("{}/api/v1/advisories", base.trim_end_matches('/'));
        let mut out = Vec::new();
        for f in files {
            let body = match std::fs::read(f) {
                Ok(b) => b,
                Err(e) => {
                    out.push(Err(format!("{}: cannot read: {e}", f.display())));
                    continue;
                }
            };
            let ctype = match f.extension().and_then(|e| e.to_str()) {
                Some("json") => "application/json",
                Some("xml" | "cap" | "rss" | "atom") => "application/xml",
                _ => "text/plain; charset=utf-8",
            };
            let send = || {
                client.post(&url).bearer_auth(token).header("content-type", ctype).body(body.clone()).send()
            };
            // A pooled connection the daemon closed after refusing the previous file (a 413
            // answered before the body was read) fails the next request: pushing is
            // idempotent (the same content is the same advisory), so try once more.
            let resp = match send().await {
                Err(e) if e.is_request() && !e.is_timeout() => send().await,
                r => r,
            };
            let resp = match resp {
                Ok(r) => r,
                Err(e) if e.is_connect() => {
                    anyhow::bail!("posting to {url}: {e} (is `tripwatch run` up?)");
                }
                Err(e) => {
                    out.push(Err(format!("{}: {e}", f.display())));
                    continue;
                }
            };
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if status.as_u16() == 202 {
                out.push(Ok(format!("{}: {}", f.display(), text.trim())));
            } else {
                out.push(Err(format!("{}: HTTP {status}: {}", f.display(), text.trim())));
            }
        }
        Ok(out)
    })
}
