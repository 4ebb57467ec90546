//! The `tripwatch` binary: parses the command line and hands off to `tripwatch::app`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tripwatch::app::{self, Format, evaluate::FileResult};

#[derive(Parser)]
#[command(
    name = "tripwatch",
    version,
    about = "Travel-security alerting: advisories in, explained alerts out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Text,
    Json,
}

impl From<OutFormat> for Format {
    fn from(f: OutFormat) -> Self {
        match f {
            OutFormat::Text => Format::Text,
            OutFormat::Json => Format::Json,
        }
    }
}

#[derive(Subcommand)]
enum SourcesAction {
    /// Poll a configured source now, whatever its schedule (the running daemon picks it up).
    Poll { name: String },
}

#[derive(Subcommand)]
enum Command {
    /// Show what each advisory file would fire: no side effects, no store needed.
    Evaluate {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Evaluate as of this date or RFC 3339 time (undated advisories take its date).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: OutFormat,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Score detection against a labelled corpus (labels.toml + *.txt).
    Eval {
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: OutFormat,
    },
    /// Validate the configuration and trigger files; exit 1 with file:line errors.
    CheckConfig {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Report secret files that cannot be read as warnings (a machine without them).
        #[arg(long)]
        skip_secrets: bool,
    },
    /// Run the service: HTTP API, spool, outbox (until SIGTERM). With --once: process the
    /// spool, deliver what is due, and exit.
    Run {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Process what is waiting and exit.
        #[arg(long)]
        once: bool,
        /// Replay as of this date or RFC 3339 time: trips, event ages and deliveries are judged
        /// then (exercises; the January 2022 example alerts the example trips).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Show the detections and who would be alerted, and why; nothing is written or sent.
    Preview {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Preview as of this date or RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        file: PathBuf,
    },
    /// Bulk add or update travellers and trips from a CSV or TOML file (idempotent).
    Import {
        #[arg(long)]
        config: Option<PathBuf>,
        file: PathBuf,
    },
    /// Add (or update, by email), change, list and remove travellers.
    Traveller {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: app::people_cmd::TravellerCmd,
    },
    /// Add, change, list and remove trips.
    Trip {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: app::people_cmd::TripCmd,
    },
    /// Add, change, list and remove subscriptions.
    Subscription {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: app::people_cmd::SubscriptionCmd,
    },
    /// List deliveries, or queue failed and dead ones again.
    Deliveries {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: DeliveriesCmd,
    },
    /// The review queue: alerts of triggers set to review (`[routing] review_triggers`,
    /// `review_below_confidence`) wait here until approved (they go out) or rejected; decided
    /// reviews export as labelled examples for `tripwatch eval`.
    Review {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<ReviewCmd>,
        /// List decided reviews too.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Who has answered the alerts (safe, help, no answer), per advisory and place; and
    /// accounting for a traveller by hand.
    Accountability {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<AccountabilityCmd>,
        /// Only this advisory's alerts.
        #[arg(long)]
        advisory: Option<String>,
        /// Alerts of the last N days (default 14).
        #[arg(long, default_value_t = 14)]
        days: i64,
        /// `text` (default) or `json`.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Console users: add (or reset the password and role of) a user, list, remove. The password
    /// is read from standard input (first line), never from the command line.
    User {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: UserCmd,
    },
    /// Move an installation's SQLite store into an empty PostgreSQL database (for running
    /// several instances): every table, ids kept, in one transaction.
    MigrateStore {
        /// `sqlite:PATH`: the database file, or the state directory holding tripwatch.db.
        #[arg(long)]
        from: String,
        /// `postgres://user@host:port/database` (an empty database or schema).
        #[arg(long)]
        to: String,
    },
    /// Send a test message through one channel, bypassing the store.
    SendTest {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, conflicts_with = "webhook", required_unless_present = "webhook")]
        email: Option<String>,
        #[arg(long)]
        webhook: Option<String>,
    },
    /// Hand advisory files to the running daemon (POST /api/v1/advisories).
    Ingest {
        #[arg(long)]
        config: Option<PathBuf>,
        /// A token with the ingest scope (or set TRIPWATCH_TOKEN).
        #[arg(long, env = "TRIPWATCH_TOKEN", hide_env_values = true)]
        token: String,
        /// The daemon's base URL (default: http:// and the config's api.listen).
        #[arg(long, env = "TRIPWATCH_URL")]
        url: Option<String>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Make a new API token and print it with the line to put in the config.
    Token {
        #[arg(long)]
        name: String,
        /// admin, manage, ingest or read (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// Show the status of polled sources (last success, last error, items seen).
    Sources {
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<SourcesAction>,
    },
    /// Who is in a country (or city) now, on a date, or within a window — and the standing
    /// risk there (latest travel-advisory level, triggers affirmed in the last 14 days).
    Exposure {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Country code or English name.
        country: String,
        #[arg(long)]
        city: Option<String>,
        /// The day (YYYY-MM-DD; default today, or --as-of's day).
        #[arg(long)]
        at: Option<String>,
        /// With --at: anyone there on any day up to this one ("next week").
        #[arg(long)]
        until: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: OutFormat,
    },
    /// Advisories the pipeline refused (the spool's failed/ folder), newest first, with why.
    Rejected {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), generated from this command line definition.
    Manpage,
    /// List the alerts stored for delivery.
    Alerts {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Only this advisory's alerts.
        #[arg(long)]
        advisory: Option<String>,
    },
}

#[derive(Subcommand)]
enum ReviewCmd {
    /// Approve an advisory's waiting alerts: they are queued for delivery at once.
    Approve {
        advisory_id: String,
        #[arg(long)]
        note: Option<String>,
        /// Who decides (written to the audit log).
        #[arg(long, env = "USER", default_value = "cli")]
        by: String,
    },
    /// Reject an advisory's waiting alerts: nothing is sent; the reason is kept.
    Reject {
        advisory_id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "cli")]
        by: String,
    },
    /// Write decided reviews as a labelled corpus (`labels.toml` and one text file each) into
    /// DIR, for `tripwatch eval --corpus DIR`.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountabilityCmd {
    /// Record an answer for a traveller by hand (e.g. after a phone call); audited.
    Mark {
        /// The alert (its id in `tripwatch accountability`).
        alert_id: i64,
        /// `safe` or `help`.
        #[arg(long, default_value = "safe")]
        answer: String,
        #[arg(long)]
        note: Option<String>,
        /// Who is recording it (written to the audit log).
        #[arg(long, env = "USER", default_value = "cli")]
        by: String,
    },
}

#[derive(clap::Subcommand)]
enum UserCmd {
    /// Add a user, or reset an existing user's password and role (ends their sessions).
    Add {
        email: String,
        /// admin, manager or viewer.
        #[arg(long, default_value = "manager")]
        role: String,
    },
    List,
    Remove {
        email: String,
    },
}

#[derive(clap::Subcommand)]
enum DeliveriesCmd {
    /// List deliveries (all, or one status: pending, failed, held, review, rejected, sent, dead).
    List {
        #[arg(long)]
        status: Option<String>,
    },
    /// Queue a delivery again now (by id), or every dead one.
    Retry {
        #[arg(required_unless_present = "dead")]
        id: Option<i64>,
        #[arg(long)]
        dead: bool,
    },
}

/// Print a line to stdout. A closed pipe (`tripwatch alerts | head`) ends the process quietly
/// with success instead of a panic; other write errors end it with a message.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if let Err(e) = writeln!(o, $($arg)*) {
            stdout_failed(e);
        }
    }};
}

macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if let Err(e) = write!(o, $($arg)*) {
            stdout_failed(e);
        }
    }};
}

fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("tripwatch: writing output: {e}");
    std::process::exit(1);
}

/// Memory freed after a large advisory must go back to the system, not stay in the process.
/// Two allocators are at work: mimalloc (Rust's allocations) keeps freed pages until its purge
/// delay passes, and glibc malloc (the bundled SQLite's allocations, such as a 15 MB record)
/// raises its mmap threshold after each large free, so later large blocks come from per-thread
/// arenas that are never trimmed — one arena per blocking thread the pass happened to run on.
/// Measured: six 15 MB advisories dropped in the spool took RSS from 41 to 160 MB and it
/// stayed; with both settings, 45 to 72 MB. Both allocators read their settings only at
/// process start, so the daemon re-executes itself once with them set (same pid, same
/// descriptors: systemd's notify socket and the journal are unaffected). A `GLIBC_TUNABLES`
/// the operator set is kept, with ours appended unless it names the same tunable.
fn return_memory_promptly() {
    const KEY: &str = "MIMALLOC_PURGE_DELAY";
    if std::env::var_os(KEY).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let tunables = glibc_tunables(std::env::var("GLIBC_TUNABLES").ok().as_deref());
    use std::os::unix::process::CommandExt as _;
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(KEY, "0")
        .env("GLIBC_TUNABLES", tunables)
        .exec();
    // Only reached if exec failed: run on with the default.
    eprintln!("tripwatch: could not re-execute with {KEY}=0 ({err}); memory is returned more slowly");
}

/// glibc malloc settings that keep large blocks out of the arenas (a fixed mmap threshold, so
/// they are unmapped when freed) and cap the number of arenas, merged into the operator's.
fn glibc_tunables(existing: Option<&str>) -> String {
    let ours = [("glibc.malloc.mmap_threshold", "131072"), ("glibc.malloc.arena_max", "2")];
    let mut parts: Vec<String> =
        existing.unwrap_or("").split(':').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    for (name, value) in ours {
        if !parts.iter().any(|p| p.split('=').next() == Some(name)) {
            parts.push(format!("{name}={value}"));
        }
    }
    parts.join(":")
}

fn main() -> ExitCode {
    tripwatch::telemetry::init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tripwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Evaluate { config, format, files, as_of } => {
            if let Some(a) = as_of {
                app::set_as_of(app::parse_as_of(&a)?);
            }
            let (cfg, engine) = app::load(config.as_deref())?;
            let mut failed = false;
            for (name, res) in app::evaluate::run(&cfg, &engine, &files) {
                match res {
                    FileResult::Ok { advisory, analysis } => match Format::from(format) {
                        Format::Json => out!("{}", app::evaluate::json_line(&name, &advisory, &analysis)),
                        Format::Text => {
                            out_raw!("{}", app::evaluate::text_report(&name, &advisory, &analysis))
                        }
                    },
                    FileResult::Err { message } => {
                        failed = true;
                        eprintln!("tripwatch: {name}: {message}");
                        if let Format::Json = Format::from(format) {
                            out!("{}", serde_json::json!({"file": name, "error": message}));
                        }
                    }
                }
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Eval { corpus, config, format } => {
            let (cfg, engine) = app::load(config.as_deref())?;
            let report = app::eval::run(&cfg, &engine, &corpus)?;
            match Format::from(format) {
                Format::Text => out!("{}", app::eval::text(&report)),
                Format::Json => out!("{}", serde_json::to_string_pretty(&report)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { config, once, as_of } => {
            if let Some(a) = as_of {
                app::set_as_of(app::parse_as_of(&a)?);
            }
            if !once {
                return_memory_promptly();
                app::daemon::run(config.as_deref())?;
                return Ok(ExitCode::SUCCESS);
            }
            let (cfg, engine) = app::load(config.as_deref())?;
            let mut store = app::open_store(&cfg)?;
            let clock = || app::now().unwrap_or_else(|_| jiff::Timestamp::now());
            let report = app::spool::run_once(&cfg, &engine, &mut store, &clock)?;
            out!(
                "spool {}: {} processed, {} unchanged, {} failed; {} alerts, {} roll-ups queued",
                cfg.spool_dir.display(),
                report.processed,
                report.unchanged,
                report.failed,
                report.alerts,
                report.rollups
            );
            let (d, _) = app::deliver::drain(&cfg, store, clock())?;
            out!(
                "outbox: {} sent, {} to retry, {} dead, {} digests released",
                d.sent,
                d.retried,
                d.dead,
                d.released_digests
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Preview { config, file, as_of } => {
            if let Some(a) = as_of {
                app::set_as_of(app::parse_as_of(&a)?);
            }
            let (cfg, engine) = app::load(config.as_deref())?;
            let advisories = tripwatch::sources::read_all(&file, cfg.max_advisory_bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let db = cfg.state_dir.join(tripwatch::store::DB_FILE);
            let store = if db.exists() || cfg.store.url.is_some() {
                app::open_store(&cfg)?
            } else {
                tripwatch::store::Store::memory()?
            };
            let now = app::now()?;
            // A feed is previewed item by item, FILE#N.
            let many = advisories.len() > 1;
            for (i, adv) in advisories.iter().enumerate() {
                let outcome = app::process::plan(&store, &engine, &cfg.policy, adv, now, now)?;
                let name =
                    if many { format!("{}#{}", file.display(), i + 1) } else { file.display().to_string() };
                out_raw!("{}", app::preview::text(&name, adv, &outcome));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { config, file } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let rows = app::import::read(&file)?;
            let webhooks: Vec<&str> = cfg.webhooks.iter().map(|w| w.name.as_str()).collect();
            app::people::check_imported_webhooks(&rows.travellers, &webhooks)?;
            let mut store = app::open_store(&cfg)?;
            let r = store.import(&rows.travellers, &rows.trips)?;
            out!(
                "{}: {} travellers created, {} updated, {} trips created, {} rows unchanged",
                file.display(),
                r.travellers_created,
                r.travellers_updated,
                r.trips_created,
                r.unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Traveller { config, action } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let webhooks: Vec<&str> = cfg.webhooks.iter().map(|w| w.name.as_str()).collect();
            let out = app::people_cmd::traveller(&mut app::open_store(&cfg)?, &webhooks, action)?;
            out!("{}", out.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Command::Trip { config, action } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let out = app::people_cmd::trip(&mut app::open_store(&cfg)?, action)?;
            out!("{}", out.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Command::Subscription { config, action } => {
            let (cfg, engine) = app::load(config.as_deref())?;
            let known: Vec<&str> = engine.triggers().triggers().iter().map(|t| t.id.as_str()).collect();
            let webhooks: Vec<&str> = cfg.webhooks.iter().map(|w| w.name.as_str()).collect();
            let out = app::people_cmd::subscription(&mut app::open_store(&cfg)?, &known, &webhooks, action)?;
            out!("{}", out.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Command::Deliveries { config, action } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let mut store = app::open_store(&cfg)?;
            match action {
                DeliveriesCmd::List { status } => {
                    for d in store.deliveries(status.as_deref())? {
                        out!("{}", serde_json::to_string(&d)?);
                    }
                }
                DeliveriesCmd::Retry { id, dead } => {
                    let n = store.retry_delivery(if dead { None } else { id }, app::now()?)?;
                    out!("{n} deliveries queued again");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Review { config, action, all, format } => {
            use tripwatch::store::reviews::Decision;
            let (cfg, _) = app::load(config.as_deref())?;
            let mut store = app::open_store(&cfg)?;
            let now = app::now()?;
            match action {
                Some(ReviewCmd::Approve { advisory_id, note, by }) => {
                    let n = store.decide_review(
                        &advisory_id,
                        Decision::Approve,
                        note.as_deref(),
                        &format!("cli:{by}"),
                        now,
                    )?;
                    out!("{advisory_id}: approved, {n} deliveries queued");
                }
                Some(ReviewCmd::Reject { advisory_id, reason, by }) => {
                    let n = store.decide_review(
                        &advisory_id,
                        Decision::Reject,
                        Some(&reason),
                        &format!("cli:{by}"),
                        now,
                    )?;
                    out!("{advisory_id}: rejected, {n} deliveries withdrawn");
                }
                Some(ReviewCmd::Export { out }) => {
                    let n = app::review::export(&store, &out)?;
                    out!("{n} decided reviews written to {}", out.display());
                }
                None => {
                    let rows = store.reviews(!all)?;
                    if format == "json" {
                        out!("{}", serde_json::json!({ "reviews": rows }));
                    } else if rows.is_empty() {
                        out!("{}", if all { "no reviews" } else { "no reviews waiting" });
                    } else {
                        for r in rows {
                            out!(
                                "{}  v{}  {:<9} {} alerts  {}  [{}]  {}",
                                r.advisory_id,
                                r.version,
                                r.decision.as_deref().unwrap_or("waiting"),
                                r.alerts,
                                r.title.as_deref().unwrap_or("(untitled)"),
                                r.detections.join(", "),
                                r.note.as_deref().unwrap_or(&r.reason)
                            );
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Accountability { config, action, advisory, days, format } => {
            use tripwatch::store::accountability::{EscalationPolicy, GivenAnswer, summarize};
            let (cfg, _) = app::load(config.as_deref())?;
            let mut store = app::open_store(&cfg)?;
            let now = app::now()?;
            match action {
                Some(AccountabilityCmd::Mark { alert_id, answer, note, by }) => {
                    let traveller = store
                        .traveller_of_alert(alert_id)?
                        .ok_or_else(|| anyhow::anyhow!("alert {alert_id} did not go to a traveller"))?;
                    let policy = EscalationPolicy::from(&cfg.accountability);
                    let by = format!("manager:{by}");
                    let given = GivenAnswer {
                        alert_id,
                        traveller_id: traveller,
                        answer: &answer,
                        message: note.as_deref(),
                        by: &by,
                    };
                    let escalated = store.record_answer(&given, now, &policy)?;
                    out!(
                        "alert {alert_id}: recorded {answer} by {by}{}",
                        if escalated > 0 { ", manager escalated" } else { "" }
                    );
                }
                None => {
                    if !(1..=3650).contains(&days) {
                        anyhow::bail!("--days must be 1 to 3650");
                    }
                    let rows = store.accountability(advisory.as_deref(), now.as_second() - days * 86400)?;
                    let summary = summarize(&rows);
                    match format.as_str() {
                        "json" => out!("{}", serde_json::json!({ "summary": summary, "alerts": rows })),
                        "text" => {
                            for s in &summary {
                                out!(
                                    "{}  {:<24} alerted {:>4}  safe {:>4}  help {:>4}  no answer {:>4}",
                                    s.advisory_id,
                                    s.place,
                                    s.alerted,
                                    s.safe,
                                    s.help,
                                    s.no_answer
                                );
                            }
                            for r in &rows {
                                out!(
                                    "alert {:<6} {:<8} {:<24} {:<10} {}{}",
                                    r.alert_id,
                                    r.answer,
                                    r.traveller,
                                    r.places.join(","),
                                    r.answered_at.as_deref().unwrap_or("-"),
                                    if r.escalated { "  (escalated)" } else { "" }
                                );
                            }
                        }
                        other => anyhow::bail!("unknown --format {other:?} (use text or json)"),
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::MigrateStore { from, to } => {
            let path = PathBuf::from(from.strip_prefix("sqlite:").ok_or_else(|| {
                anyhow::anyhow!("--from {from:?}: use sqlite:PATH (the database file or state directory)")
            })?);
            let state_dir = if path.is_dir() {
                path.clone()
            } else if path.file_name().is_some_and(|n| n == tripwatch::store::DB_FILE) {
                path.parent().map(PathBuf::from).unwrap_or_default()
            } else {
                anyhow::bail!("--from {}: no {} there", path.display(), tripwatch::store::DB_FILE);
            };
            if !state_dir.join(tripwatch::store::DB_FILE).exists() {
                anyhow::bail!("--from {}: no {} there", path.display(), tripwatch::store::DB_FILE);
            }
            if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
                anyhow::bail!("--to: use postgres://user@host:port/database");
            }
            let source = tripwatch::store::Store::open(&state_dir)?;
            let mut target = tripwatch::store::Store::connect(&to)?;
            let copied = source.copy_into(&mut target)?;
            let total: usize = copied.iter().map(|(_, n)| n).sum();
            for (table, n) in copied.iter().filter(|(_, n)| *n > 0) {
                out!("{table}: {n}");
            }
            out!("{total} rows copied from {} to {}", state_dir.display(), target.path().display());
            Ok(ExitCode::SUCCESS)
        }
        Command::User { config, action } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let mut store = app::open_store(&cfg)?;
            match action {
                UserCmd::Add { email, role } => {
                    tripwatch::route::model::Email::parse(&email)?;
                    if !tripwatch::store::users::ROLES.contains(&role.as_str()) {
                        anyhow::bail!(
                            "unknown role {role:?} (use {})",
                            tripwatch::store::users::ROLES.join(", ")
                        );
                    }
                    let mut password = String::new();
                    std::io::stdin().read_line(&mut password)?;
                    let password = password.trim_end_matches(['\r', '\n']);
                    let hash = tripwatch::api::console::hash_password(password)?;
                    let now = app::now()?.as_second();
                    store.upsert_user(&email, &role, &hash, now)?;
                    store.audit(
                        "cli",
                        "user:add",
                        &serde_json::json!({"email": email, "role": role}).to_string(),
                        now,
                    )?;
                    out!("user {email} saved ({role})");
                }
                UserCmd::List => {
                    for u in store.users()? {
                        out!("{}\t{}", u.email, u.role);
                    }
                }
                UserCmd::Remove { email } => {
                    store.remove_user(&email)?;
                    store.audit(
                        "cli",
                        "user:remove",
                        &serde_json::json!({"email": email}).to_string(),
                        app::now()?.as_second(),
                    )?;
                    out!("user {email} removed");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::SendTest { config, email, webhook } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let now = app::now()?;
            let msg = match (email, webhook) {
                (Some(e), _) => app::deliver::send_test_email(&cfg, &e, now)?,
                (None, Some(w)) => app::deliver::send_test_webhook(&cfg, &w, now)?,
                (None, None) => anyhow::bail!("give --email ADDR or --webhook NAME"),
            };
            out!("{msg}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest { config, token, url, files } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let base = url.unwrap_or_else(|| format!("http://{}", cfg.api_listen));
            let mut failed = false;
            for line in app::daemon::ingest(&base, &files, &token)? {
                match line {
                    Ok(l) => out!("{l}"),
                    Err(e) => {
                        failed = true;
                        eprintln!("tripwatch: {e}");
                    }
                }
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Token { name, scopes } => {
            if let Some(bad) = scopes.iter().find(|s| !tripwatch::config::SCOPES.contains(&s.as_str())) {
                anyhow::bail!("unknown scope {bad:?} (use {})", tripwatch::config::SCOPES.join(", "));
            }
            let (token, hash) = tripwatch::api::new_token()?;
            let scopes: Vec<String> = scopes.iter().map(|s| format!("{s:?}")).collect();
            out!("token (give it to the client; it is not stored): {token}");
            out!(
                "[api] tokens entry: {{ name = {name:?}, sha256 = \"{hash}\", scopes = [{}] }}",
                scopes.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { config, action: Some(SourcesAction::Poll { name }) } => {
            let (cfg, _) = app::load(config.as_deref())?;
            if !cfg.sources.iter().any(|s| s.name == name) {
                let names: Vec<&str> = cfg.sources.iter().map(|s| s.name.as_str()).collect();
                anyhow::bail!("no configured source {name:?} (configured: {})", names.join(", "));
            }
            let mut store = app::open_store(&cfg)?;
            store.source_poll_now(&name, app::now()?)?;
            out!("{name}: due now; a running `tripwatch run` polls it within a second");
            Ok(ExitCode::SUCCESS)
        }
        Command::Exposure { config, country, city, at, until, format } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let store = app::open_store(&cfg)?;
            let now = app::now()?;
            let today = now.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
            let at = at.unwrap_or(today);
            let list = app::people::exposure(&store, &country, city.as_deref(), &at, until.as_deref())?;
            let place = tripwatch::route::model::Place::parse(&country, None)?;
            let risk = store.standing_risk(
                place.country.as_str(),
                now.as_second() - app::people::STANDING_RISK_DAYS * 86400,
            )?;
            match Format::from(format) {
                Format::Json => out!("{}", serde_json::json!({"travellers": list, "standing_risk": risk})),
                Format::Text => {
                    let window = until.as_deref().map(|u| format!("{at}..{u}")).unwrap_or(at.clone());
                    out!(
                        "{} traveller(s) in {}{} on {window}:",
                        list.len(),
                        place.country,
                        city.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
                    );
                    for e in &list {
                        out!(
                            "  {} <{}>  {}{}  {}..{}  trip {}{}",
                            e.name,
                            e.email,
                            e.country,
                            e.city.as_deref().map(|c| format!(", {c}")).unwrap_or_default(),
                            e.start,
                            e.end,
                            e.trip_id,
                            e.manager.as_deref().map(|m| format!("  manager {m}")).unwrap_or_default()
                        );
                    }
                    out!("{}", app::people::standing_risk_text(&risk).trim_start());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rejected { config, limit } => {
            let (cfg, _) = app::load(config.as_deref())?;
            for r in app::spool::rejected(&cfg.spool_dir, limit)? {
                out!("{}  {}  {}", r.at.as_deref().unwrap_or("-"), r.file, r.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { config, action: None } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let store = app::open_store(&cfg)?;
            let date = |t: Option<i64>| {
                t.filter(|t| *t > 0).and_then(|t| jiff::Timestamp::from_second(t).ok()).map(|t| t.to_string())
            };
            for s in &cfg.sources {
                let st = store.source_state(&s.name)?;
                out!(
                    "{}",
                    serde_json::json!({
                        "name": st.name, "last_success": date(st.last_success), "last_error": st.last_error,
                        "last_error_at": date(st.last_error_at), "items_seen": st.items_seen,
                        "failures": st.failures, "next_run": date(Some(st.next_run)),
                    })
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "tripwatch", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Manpage => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Alerts { config, advisory } => {
            let (cfg, _) = app::load(config.as_deref())?;
            let store = app::open_store(&cfg)?;
            for a in store.alerts(advisory.as_deref())? {
                out!("{}", serde_json::to_string(&a)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { config, skip_secrets } => {
            if skip_secrets {
                tripwatch::config::delivery::skip_missing_secrets();
            }
            check_config_report(app::check_config(config.as_deref()))
        }
    }
}

fn check_config_report(result: anyhow::Result<String>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(line) => {
            for w in tripwatch::config::delivery::skipped_secrets() {
                eprintln!("tripwatch: warning: {w} (skipped with --skip-secrets)");
            }
            out!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glibc_tunables;

    #[test]
    fn glibc_tunables_keep_the_operators_own() {
        assert_eq!(glibc_tunables(None), "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2");
        assert_eq!(
            glibc_tunables(Some("glibc.malloc.arena_max=4:glibc.cpu.x86_shstk=on")),
            "glibc.malloc.arena_max=4:glibc.cpu.x86_shstk=on:glibc.malloc.mmap_threshold=131072"
        );
    }
}
