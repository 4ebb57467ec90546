//! Delivery fan-out: 10,000 webhook deliveries to a loopback HTTP receiver and 10,000 emails to
//! a loopback SMTP sink, through the real outbox (SQLite claims, rendering, signing, recording).
//!
//! Run: `cargo bench --bench fanout`. Prints deliveries per second and p50/p99 latency from
//! enqueue (commit) to acceptance by the receiver, and, side by side in the same run, a bare
//! reqwest loop posting the same number of requests to the same receiver with the same
//! concurrency (the reference), with the ratio. `TRIPWATCH_BENCH_N` scales the counts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tripwatch::config::Config;
use tripwatch::detect::places::CountryCode;
use tripwatch::detect::{Analysis, Severity};
use tripwatch::outbox::Outbox;
use tripwatch::route::model::{Channel, Email, Recipient, Zone};
use tripwatch::route::policy::{Delivery, Item, Message, Plan};
use tripwatch::store::{AdvisoryState, Store};

/// Listen on 127.0.0.1:0 and run `conn` for every connection (TCP_NODELAY set).
async fn serve<F, Fut>(stamps: Arc<Mutex<Vec<Instant>>>, conn: F) -> u16
where
    F: Fn(tokio::net::TcpStream, Arc<Mutex<Vec<Instant>>>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = l.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = l.accept().await else { return };
            let _ = sock.set_nodelay(true);
            tokio::spawn(conn(sock, stamps.clone()));
        }
    });
    port
}

/// A minimal keep-alive HTTP/1.1 receiver that answers 200 and timestamps each request.
async fn http_receiver(stamps: Arc<Mutex<Vec<Instant>>>) -> u16 {
    serve(stamps, |sock, stamps| async move {
        let mut r = BufReader::new(sock);
        loop {
            let mut len = 0usize;
            let mut line = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).await.is_err() {
                return;
            }
            stamps.lock().expect("lock").push(Instant::now());
            if r.get_mut().write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.is_err() {
                return;
            }
        }
    })
    .await
}

/// A minimal SMTP sink: accepts every message and timestamps it.
async fn smtp_sink(stamps: Arc<Mutex<Vec<Instant>>>) -> u16 {
    serve(stamps, |sock, stamps| async move {
        let (rd, mut wr) = sock.into_split();
        let mut r = BufReader::new(rd);
        if wr.write_all(b"220 sink ESMTP\r\n").await.is_err() {
            return;
        }
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match cmd.as_str() {
                "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                "DATA" => {
                    let _ = wr.write_all(b"354 go\r\n").await;
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == ".\r\n" {
                            break;
                        }
                    }
                    stamps.lock().expect("lock").push(Instant::now());
                    b"250 ok\r\n"
                }
                "QUIT" => {
                    let _ = wr.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => b"250 ok\r\n",
            };
            if wr.write_all(reply).await.is_err() {
                return;
            }
        }
    })
    .await
}

fn plan(n: usize, channel: Channel) -> Plan {
    let kz = CountryCode::parse("KZ").expect("cc");
    let messages = (0..n)
        .map(|i| Message {
            recipient: Recipient {
                email: Email::parse(&format!("t{i}@example.org")).expect("email"),
                name: format!("Traveller {i}"),
                timezone: Zone::utc(),
            },
            traveller_id: Some(i as i64),
            channels: vec![channel.clone()],
            delivery: Delivery::Now,
            severity: Severity::High,
            items: vec![Item {
                trigger: "state_of_emergency".into(),
                name: "State of emergency".into(),
                severity: Severity::High,
                country: kz,
                city: None,
                regions: Vec::new(),
                elsewhere: false,
                evidence: "A state of emergency is in force nationwide.".into(),
                reasons: vec![],
                bypass: None,
            }],
        })
        .collect();
    Plan { messages, ..Default::default() }
}

fn percentile(v: &[Duration], p: f64) -> Duration {
    v.get(((v.len() as f64 - 1.0) * p) as usize).copied().unwrap_or_default()
}

async fn run(label: &str, cfg: &Config, n: usize, channel: Channel, stamps: Arc<Mutex<Vec<Instant>>>) -> f64 {
    let dir = std::env::temp_dir().join(format!("tripwatch-fanout-{}-{label}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open(&dir).expect("store");
    let adv = tripwatch::sources::parse_bytes(
        format!("id: fanout-{label}\nsource: bench\ncountry: KZ\n\nA state of emergency is in force.")
            .as_bytes(),
        "bench",
    )
    .expect("advisory");
    let now = Timestamp::now();
    let analysis = Analysis { primary_country: None, detections: vec![] };
    store
        .commit_processed(&adv, &AdvisoryState::New, &analysis, &plan(n, channel), now, now)
        .expect("commit");
    let enqueued = Instant::now();
    let outbox = Arc::new(Outbox::new(cfg, Arc::new(Mutex::new(store))).expect("outbox"));
    let report = outbox.drain(now).await.expect("drain");
    let elapsed = enqueued.elapsed();
    let mut lat: Vec<Duration> =
        stamps.lock().expect("lock").iter().map(|t| t.duration_since(enqueued)).collect();
    lat.sort();
    let rate = report.sent as f64 / elapsed.as_secs_f64();
    println!(
        "{label}: {} sent in {:.2} s = {:.0} deliveries/s; enqueue→accepted p50 {:.0} ms, p99 {:.0} ms",
        report.sent,
        elapsed.as_secs_f64(),
        rate,
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );
    drop(outbox);
    let _ = std::fs::remove_dir_all(&dir);
    rate
}

fn main() {
    let n: usize = std::env::var("TRIPWATCH_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let http_stamps = Arc::new(Mutex::new(Vec::new()));
        let smtp_stamps = Arc::new(Mutex::new(Vec::new()));
        let http = http_receiver(http_stamps.clone()).await;
        let smtp = smtp_sink(smtp_stamps.clone()).await;
        let concurrency: usize = std::env::var("TRIPWATCH_BENCH_CONCURRENCY").ok().and_then(|v| v.parse().ok()).unwrap_or(128);
        let toml = format!(
            "state_dir = \"/tmp\"\n[outbox]\nconcurrency = {concurrency}\n[network]\nallow_private = [\"127.0.0.0/8\"]\n\
             [email]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {smtp}\ntls = \"none\"\npool_size = {concurrency}\n\
             [[webhook]]\nname = \"bench\"\nurl = \"http://127.0.0.1:{http}/hook\"\nmax_concurrency = {concurrency}\n"
        );
        let cfg = Config::parse(&toml, std::path::Path::new("/tmp/bench.toml")).expect("config");
        let webhook_rate = run("webhooks", &cfg, n, Channel::Webhook("bench".into()), http_stamps.clone()).await;
        run("emails", &cfg, n, Channel::Email, smtp_stamps).await;

        // The reference: the same number of POSTs with a bare reqwest client, same concurrency.
        let client = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{http}/hook");
        let body = serde_json::to_vec(&serde_json::json!({"alert_id": "x", "severity": "high", "detections": [{"trigger": "state_of_emergency", "country": "KZ", "evidence": "A state of emergency is in force nationwide."}]})).expect("json");
        let next = Arc::new(AtomicUsize::new(0));
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (client, url, body, next) = (client.clone(), url.clone(), body.clone(), next.clone());
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::SeqCst) < n {
                    let _ = client.post(&url).header("content-type", "application/json").body(body.clone()).send().await;
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        let raw = n as f64 / t.elapsed().as_secs_f64();
        println!("reference (bare reqwest, no store): {raw:.0} requests/s; outbox/reference ratio {:.2}", webhook_rate / raw);
    });
}
