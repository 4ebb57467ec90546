//! Delivery against real servers on 127.0.0.1: an aiosmtpd SMTP server and Python HTTP
//! receivers that verify webhook signatures with their own HMAC code. Time is fixed with
//! TRIPWATCH_NOW and advanced between runs; nothing sleeps.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tripwatch"))
}

fn support(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support").join(name)
}

/// A helper server process, killed on drop.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    fn start(script: &str, dir: &Path, args: &[&str]) -> Sink {
        let mut child = Command::new("python3")
            .arg(support(script))
            .arg("--dir")
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs (the test command installs aiosmtpd: python3 -m pip install aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port line");
        let port = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()).unwrap_or_else(|| {
            panic!(
                "{script} did not start (is aiosmtpd installed? python3 -m pip install aiosmtpd): {line:?}"
            )
        });
        Sink { child, port, dir: dir.to_owned() }
    }

    fn files(&self, ext: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == ext))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn mails(&self) -> Vec<String> {
        self.files("eml").iter().map(|p| std::fs::read_to_string(p).expect("read eml")).collect()
    }

    fn requests(&self) -> Vec<serde_json::Value> {
        self.files("json")
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json"))
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T0: &str = "2022-01-06T12:00:00Z";

/// A state folder with two travellers in Kazakhstan and a config whose tail is `extra`.
struct Env {
    dir: tempfile::TempDir,
    cfg: PathBuf,
}

impl Env {
    fn new(email: &str, extra: &str) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = dir.path().join("tripwatch.toml");
        std::fs::write(dir.path().join("secret"), SECRET).expect("secret");
        std::fs::write(
            &cfg,
            format!(
                "state_dir = \"var\"\n[outbox]\nbackoff_base_secs = 10\nbackoff_max_secs = 600\nconcurrency = 4\nbatch = 4\n[network]\nallow_private = [\"127.0.0.0/8\"]\n[email]\n{email}\n{extra}\n"
            ),
        )
        .expect("config");
        let csv = dir.path().join("people.csv");
        std::fs::write(
            &csv,
            "name,email,country,city,start,end,manager,timezone\n\
             Ann Lee,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,,\n",
        )
        .expect("csv");
        let env = Env { dir, cfg };
        let out = env.cmd(&["import", csv.to_str().expect("utf8")], T0);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        env
    }

    fn cmd(&self, args: &[&str], now: &str) -> Output {
        bin()
            .args(args)
            .arg("--config")
            .arg(&self.cfg)
            .env("TRIPWATCH_NOW", now)
            .env("TRIPWATCH_SMTP_PASSWORD", "s3cret")
            .output()
            .expect("run tripwatch")
    }

    fn drop_advisory(&self, name: &str, text: &str) {
        let incoming = self.dir.path().join("var/spool/incoming");
        std::fs::create_dir_all(&incoming).expect("mkdir");
        std::fs::write(incoming.join(format!(".{name}")), text).expect("write");
        std::fs::rename(incoming.join(format!(".{name}")), incoming.join(name)).expect("rename");
    }

    fn run(&self, now: &str) -> String {
        let out = self.cmd(&["run", "--once"], now);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn deliveries(&self) -> Vec<serde_json::Value> {
        let out = self.cmd(&["deliveries", "list"], T0);
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json")).collect()
    }
}

const ADVISORY: &str = "id: kz-2022-01-06\nsource: analyst\ntitle: Kazakhstan: unrest\ndate: 2022-01-06\ncountry: KZ\n\n\
    A state of emergency is in force nationwide. Police used live ammunition against protesters in Almaty.";

fn smtp_config(port: u16) -> String {
    format!(
        "transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"Tripwatch <alerts@example.org>\""
    )
}

/// Header lines named `name`, unfolded.
fn header(mail: &str, name: &str) -> Vec<String> {
    let head = mail.split("\r\n\r\n").next().unwrap_or("").replace("\r\n ", " ").replace("\r\n\t", " ");
    head.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())))
        .map(String::from)
        .collect()
}

#[test]
fn smtp_delivers_threads_corrections_and_escapes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let smtp = Sink::start("smtp_sink.py", &tmp.path().join("smtp"), &[]);
    let env = Env::new(&smtp_config(smtp.port), "");
    env.drop_advisory("a.txt", ADVISORY);
    let out = env.run(T0);
    assert!(out.contains("outbox: 1 sent"), "{out}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(m.starts_with("X-Envelope-To: ann@example.org\r\n"), "{m}");
    assert_eq!(
        header(m, "Subject"),
        ["Subject: [CRITICAL] Kazakhstan =?utf-8?b?4oCU?= State of emergency, Live ammunition"]
    );
    let first_id = header(m, "Message-ID")[0].trim_start_matches("Message-ID: ").to_owned();
    assert!(m.contains("A state of emergency is in force nationwide."), "{m}");

    // An update of the same advisory threads onto the first message.
    env.drop_advisory("b.txt", &format!("{ADVISORY} A nationwide curfew is in force from 11pm."));
    let out = env.run("2022-01-06T13:00:00Z");
    assert!(out.contains("outbox: 1 sent"), "{out}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    assert_eq!(header(&mails[1], "In-Reply-To"), [format!("In-Reply-To: {first_id}")]);
    assert!(header(&mails[1], "Subject")[0].contains("Curfew"), "{}", mails[1]);

    // A hostile advisory: CR/LF in the title, a script in the body.
    let hostile = serde_json::json!({
        "id": "hostile-1", "source": "feed", "title": "Alert\r\nBcc: thief@example.net", "published": "2022-01-06",
        "countries": ["KZ"], "html": "<p>Martial law was declared. <script>steal()</script></p>"
    });
    env.drop_advisory("c.json", &hostile.to_string());
    env.run("2022-01-06T14:00:00Z");
    let mails = smtp.mails();
    let m = mails.last().expect("third mail");
    assert!(header(m, "Bcc").is_empty(), "{m}");
    assert!(m.starts_with("X-Envelope-To: ann@example.org\r\n"), "only the traveller receives it");
    assert!(!m.contains("<script>"), "no raw script in any part: {m}");
}

/// A self-signed certificate for 127.0.0.1 and localhost, as `(cert, key)` in `dir`.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(ok.success());
    (cert, key)
}

/// An advisory dropped in the spool goes out as exactly one mail through `smtp`.
fn sends_one_alert(env: &Env, smtp: &Sink) {
    env.drop_advisory("a.txt", ADVISORY);
    let out = env.run(T0);
    assert!(out.contains("outbox: 1 sent"), "{out} {:?}", env.deliveries());
    assert_eq!(smtp.mails().len(), 1);
}

#[test]
fn smtp_starttls_and_auth() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cert, key) = self_signed(tmp.path());
    let smtp = Sink::start(
        "smtp_sink.py",
        &tmp.path().join("smtp"),
        &["--tls", cert.to_str().expect("utf8"), key.to_str().expect("utf8"), "--auth", "alerts:s3cret"],
    );
    let email = format!(
        "transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\ntls_ca_file = \"{}\"\nusername = \"alerts\"\nfrom = \"Tripwatch <alerts@example.org>\"",
        smtp.port,
        cert.display()
    );
    let env = Env::new(&email, "");
    sends_one_alert(&env, &smtp);
}

#[test]
fn smtp_implicit_tls_and_an_untrusted_certificate() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cert, key) = self_signed(tmp.path());
    let smtp = Sink::start(
        "smtp_sink.py",
        &tmp.path().join("smtp"),
        &["--implicit-tls", cert.to_str().expect("utf8"), key.to_str().expect("utf8")],
    );
    let config = |ca: &str| {
        format!(
            "transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"tls\"\n{ca}from = \"Tripwatch <alerts@example.org>\"",
            smtp.port
        )
    };
    // Without our CA the server's certificate is refused: nothing is sent in clear, the alert
    // waits.
    let env = Env::new(&config(""), "");
    env.drop_advisory("a.txt", ADVISORY);
    assert!(env.run(T0).contains("outbox: 0 sent, 1 to retry"));
    assert!(smtp.mails().is_empty());
    let err = env.deliveries()[0]["last_error"].as_str().unwrap_or("").to_lowercase();
    assert!(err.contains("certificate"), "{err}");
    // Trusting it, the same kind of alert goes out over TLS from the first byte.
    let env = Env::new(&config(&format!("tls_ca_file = \"{}\"\n", cert.display())), "");
    sends_one_alert(&env, &smtp);
}

#[test]
fn a_refused_smtp_password_keeps_the_alert_for_a_retry() {
    let tmp = tempfile::tempdir().expect("tmp");
    // The server wants another password than the one tripwatch is given.
    let smtp = Sink::start("smtp_sink.py", &tmp.path().join("smtp"), &["--auth", "alerts:rotated"]);
    let email = format!("{}\nusername = \"alerts\"", smtp_config(smtp.port));
    let env = Env::new(&email, "");
    env.drop_advisory("a.txt", ADVISORY);
    let out = env.run(T0);
    assert!(out.contains("outbox: 0 sent, 1 to retry"), "{out}");
    let d = &env.deliveries()[0];
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("pending"), Some(1)));
    let err = d["last_error"].as_str().unwrap_or("");
    // The server's 535 answer, not a timeout.
    assert!(err.contains("authentication refused") && err.contains("535"), "{d}");
    assert!(!err.contains("s3cret"), "no password in the error: {err}");
    assert!(smtp.mails().is_empty());
}

#[test]
fn smtp_faults_421_550_and_a_dropped_connection() {
    let tmp = tempfile::tempdir().expect("tmp");
    // 421 first: retried later, delivered exactly once.
    let smtp = Sink::start("smtp_sink.py", &tmp.path().join("a"), &["--fail-first", "1"]);
    let env = Env::new(&smtp_config(smtp.port), "");
    env.drop_advisory("a.txt", ADVISORY);
    assert!(env.run(T0).contains("outbox: 0 sent, 1 to retry"));
    let d = &env.deliveries()[0];
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("pending"), Some(1)));
    assert!(d["last_error"].as_str().unwrap_or("").contains("421"), "{d}");
    assert!(env.run("2022-01-06T12:00:05Z").contains("outbox: 0 sent, 0 to retry"), "not due yet");
    assert!(env.run("2022-01-06T12:05:00Z").contains("outbox: 1 sent"));
    assert_eq!(smtp.mails().len(), 1);

    // 550: dead after one attempt.
    let smtp = Sink::start("smtp_sink.py", &tmp.path().join("b"), &["--reject"]);
    let env = Env::new(&smtp_config(smtp.port), "");
    env.drop_advisory("a.txt", ADVISORY);
    assert!(env.run(T0).contains("1 dead"));
    let d = &env.deliveries()[0];
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("dead"), Some(1)));
    let out = env.cmd(&["deliveries", "list", "--status", "dead"], T0);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);

    // The connection dropped mid-DATA: retried and delivered.
    let smtp = Sink::start("smtp_sink.py", &tmp.path().join("c"), &["--drop-first", "1"]);
    let env = Env::new(&smtp_config(smtp.port), "");
    env.drop_advisory("a.txt", ADVISORY);
    assert!(env.run(T0).contains("1 to retry"));
    assert!(env.run("2022-01-06T12:05:00Z").contains("outbox: 1 sent"));
    assert_eq!(smtp.mails().len(), 1);
}

fn webhook_config(name: &str, port: u16, extra: &str) -> String {
    format!(
        "[[webhook]]\nname = \"{name}\"\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret_file = \"secret\"\ntimeout_secs = 1\n{extra}\n"
    )
}

fn with_subscription(env: &Env, channel: &str) {
    let out = env.cmd(
        &["subscription", "add", "--email", "soc@example.org", "--place", "KZ", "--channel", channel],
        T0,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn webhooks_are_signed_and_retried() {
    let tmp = tempfile::tempdir().expect("tmp");
    let hook =
        Sink::start("webhook_sink.py", &tmp.path().join("h"), &["--script", "500,200", "--secret", SECRET]);
    let env = Env::new("transport = \"file\"", &webhook_config("soc", hook.port, ""));
    with_subscription(&env, "webhook:soc");
    env.drop_advisory("a.txt", ADVISORY);
    assert!(env.run(T0).contains("1 to retry"), "{:?}", env.deliveries());
    assert!(env.run("2022-01-06T12:05:00Z").contains("outbox: 1 sent"));
    let reqs = hook.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r["valid_signature"], true, "{r}");
    }
    assert_eq!(
        reqs[0]["headers"]["webhook-id"], reqs[1]["headers"]["webhook-id"],
        "stable id across retries"
    );
    let body = &reqs[1]["body"];
    assert_eq!(body["kind"], "alert");
    assert!(body["alert_id"].as_str().unwrap_or("").starts_with("alert-"));
    let triggers: Vec<&str> = body["detections"]
        .as_array()
        .expect("detections")
        .iter()
        .filter_map(|d| d["trigger"].as_str())
        .collect();
    assert_eq!(triggers, ["state_of_emergency", "live_ammunition"]);
    assert_eq!(body["detections"][0]["country"], "KZ");
    assert_eq!(body["detections"][0]["evidence"], "A state of emergency is in force nationwide.");
}

#[test]
fn webhook_429_410_redirect_and_hang() {
    let tmp = tempfile::tempdir().expect("tmp");
    let slow = Sink::start("webhook_sink.py", &tmp.path().join("slow"), &["--script", "429:120,200"]);
    let gone = Sink::start("webhook_sink.py", &tmp.path().join("gone"), &["--script", "410"]);
    let redirect =
        Sink::start("webhook_sink.py", &tmp.path().join("redir"), &["--script", "302:http://10.0.0.1/steal"]);
    let hang = Sink::start("webhook_sink.py", &tmp.path().join("hang"), &["--script", "hang"]);
    let ok = Sink::start("webhook_sink.py", &tmp.path().join("ok"), &["--script", "200"]);
    let cfg = [
        webhook_config("slow", slow.port, ""),
        webhook_config("gone", gone.port, ""),
        webhook_config("redir", redirect.port, ""),
        webhook_config("hang", hang.port, ""),
        webhook_config("ok", ok.port, ""),
    ]
    .concat();
    let env = Env::new("transport = \"file\"", &cfg);
    for c in ["webhook:slow", "webhook:gone", "webhook:redir", "webhook:hang", "webhook:ok"] {
        with_subscription(&env, c);
    }
    env.drop_advisory("a.txt", ADVISORY);
    env.run(T0);
    let by_channel = |ch: &str| env.deliveries().into_iter().find(|d| d["channel"] == ch).expect("delivery");
    // The healthy endpoint got its alert although another one hangs.
    assert_eq!(by_channel("webhook:ok")["status"], "sent");
    assert_eq!(ok.requests().len(), 1);
    let h = by_channel("webhook:hang");
    assert_eq!(h["status"], "pending");
    assert!(h["last_error"].as_str().unwrap_or("").contains("hang"), "{h}");
    // 429 honours Retry-After: 120 s.
    let s = by_channel("webhook:slow");
    assert_eq!(s["next_attempt_at"].as_i64(), Some(1_641_470_400 + 120), "{s}");
    // 410 is dead and disables the endpoint.
    assert_eq!(by_channel("webhook:gone")["status"], "dead");
    // A redirect is a failure and is not followed.
    let r = by_channel("webhook:redir");
    assert_eq!(r["status"], "dead");
    assert!(r["last_error"].as_str().unwrap_or("").contains("redirect not followed"), "{r}");
    assert_eq!(redirect.requests().len(), 1);
    // Later: the 429 endpoint accepts.
    env.run("2022-01-06T12:02:01Z");
    assert_eq!(by_channel("webhook:slow")["status"], "sent");
    // A second advisory to the disabled endpoint is not sent there.
    env.drop_advisory(
        "b.txt",
        &ADVISORY.replace("kz-2022-01-06", "kz-2").replace("state of emergency", "curfew"),
    );
    env.run("2022-01-06T12:03:00Z");
    assert_eq!(gone.requests().len(), 1, "no request after 410");
}

#[test]
fn ssrf_guard_refuses_loopback_without_an_allowlist() {
    let tmp = tempfile::tempdir().expect("tmp");
    let hook = Sink::start("webhook_sink.py", &tmp.path().join("h"), &["--script", "200"]);
    let env = Env::new("transport = \"file\"", "");
    // Rewrite the config without the allowlist and with a name that resolves to 127.0.0.1.
    let text = std::fs::read_to_string(&env.cfg)
        .expect("read")
        .replace("allow_private = [\"127.0.0.0/8\"]", "allow_private = []");
    let text = format!(
        "{text}[[webhook]]\nname = \"internal\"\nurl = \"http://localhost:{}/hook\"\n[[webhook]]\nname = \"literal\"\nurl = \"http://127.0.0.1:{}/hook\"\n",
        hook.port, hook.port
    );
    std::fs::write(&env.cfg, text).expect("write");
    with_subscription(&env, "webhook:internal");
    with_subscription(&env, "webhook:literal");
    env.drop_advisory("a.txt", ADVISORY);
    env.run(T0);
    for d in env.deliveries().iter().filter(|d| d["channel"].as_str().unwrap_or("").starts_with("webhook:")) {
        assert_eq!(d["status"], "dead", "{d}");
        assert!(
            d["last_error"].as_str().unwrap_or("").contains("refused")
                || d["last_error"].as_str().unwrap_or("").contains("private"),
            "{d}"
        );
    }
    assert!(hook.requests().is_empty(), "nothing reached the internal address");
}

/// 1,000 due deliveries; the process is killed five times right after a send and before it
/// is recorded (the worst moment), then restarted with the clock past the lease. Every alert
/// arrives at least once, duplicates per kill stay within what a process holds claimed
/// (workers × batch), and
/// nothing is left pending.
#[test]
#[cfg(feature = "failpoints")]
fn crash_safety_under_repeated_kills() {
    let tmp = tempfile::tempdir().expect("tmp");
    let hook = Sink::start("webhook_sink.py", &tmp.path().join("h"), &["--script", "200"]);
    let env = Env::new("transport = \"file\"", &webhook_config("soc", hook.port, ""));
    let mut toml = String::new();
    for i in 0..1000 {
        toml.push_str(&format!(
            "[[traveller]]\nname = \"T {i}\"\nemail = \"t{i}@example.org\"\nwebhooks = [\"soc\"]\n[[trip]]\nemail = \"t{i}@example.org\"\ncountry = \"KZ\"\nstart = \"2022-01-01\"\nend = \"2022-01-30\"\n"
        ));
    }
    let people = tmp.path().join("people.toml");
    std::fs::write(&people, toml).expect("write");
    assert!(env.cmd(&["import", people.to_str().expect("utf8")], T0).status.success());
    env.drop_advisory("a.txt", ADVISORY);
    // [outbox] concurrency and batch in Env's config: what one process holds claimed.
    let claimed = 4 * 4;
    let mut now = jiff::Timestamp::from_second(1_641_470_400).expect("t0");
    let mut seen_before = 0;
    for (kill, after) in [137, 311, 59, 421, 200].into_iter().enumerate() {
        let out = bin()
            .args(["run", "--once", "--config"])
            .arg(&env.cfg)
            .env("TRIPWATCH_NOW", now.to_string())
            .env("TRIPWATCH_FAILPOINT", format!("abort_after_send:{after}"))
            .output()
            .expect("run");
        assert!(!out.status.success(), "kill {kill} should abort");
        let seen = hook.requests().len();
        assert!(seen >= seen_before, "progress");
        seen_before = seen;
        // Past the lease, so deliveries claimed by the dead process can be taken again.
        now = now.checked_add(jiff::SignedDuration::from_mins(10)).expect("time");
    }
    let out = env.run(&now.to_string());
    assert!(out.contains("0 to retry, 0 dead"), "{out}");
    let deliveries = env.deliveries();
    assert_eq!(deliveries.len(), 2001, "one email and one webhook per imported traveller, one email for Ann");
    assert!(deliveries.iter().all(|d| d["status"] == "sent"), "nothing left pending");
    let mut ids: Vec<String> = hook
        .requests()
        .iter()
        .map(|r| r["headers"]["webhook-id"].as_str().unwrap_or("").to_owned())
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000, "every alert delivered at least once");
    let duplicates = total - ids.len();
    eprintln!("crash test: {total} webhook requests for 1000 alerts, {duplicates} duplicates after 5 kills");
    assert!(duplicates <= 5 * claimed, "{duplicates} duplicates for 5 kills holding {claimed} claimed each");
}
