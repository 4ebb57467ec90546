//! Acceptance tests: the real `tripwatch` binary on the project's own fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tripwatch"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run tripwatch")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The seed's facts, paraphrased: exactly these affirmed scored triggers for KZ and none for
/// the countries that are only mentioned.
#[test]
fn seed_paraphrase_fires_exactly_the_kazakhstan_triggers() {
    let file = fixtures().join("corpus/kz-paraphrase.txt");
    let out = run(&["evaluate", "--format", "json", file.to_str().expect("utf8 path")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON line");
    assert_eq!(line["primary_country"], "KZ");
    let scored = tripwatch::app::eval::SCORED;
    let mut affirmed: Vec<(String, String)> = line["detections"]
        .as_array()
        .expect("detections")
        .iter()
        .filter(|d| d["polarity"] == "affirmed" && scored.contains(&d["trigger"].as_str().unwrap_or("")))
        .map(|d| {
            (d["trigger"].as_str().unwrap_or("").to_owned(), d["country"].as_str().unwrap_or("-").to_owned())
        })
        .collect();
    affirmed.sort();
    affirmed.dedup();
    let want: Vec<(String, String)> =
        ["banking_suspension", "entry_ban", "internet_shutdown", "live_ammunition", "state_of_emergency"]
            .iter()
            .map(|t| (t.to_string(), "KZ".to_string()))
            .collect();
    assert_eq!(affirmed, want);
    for d in line["detections"].as_array().expect("detections") {
        let c = d["country"].as_str().unwrap_or("-");
        if d["polarity"] == "affirmed" && scored.contains(&d["trigger"].as_str().unwrap_or("")) {
            assert!(!["RU", "AM", "BY", "KG", "TJ", "CN"].contains(&c), "{d}");
        }
        // The JSON Lines contract.
        for key in ["trigger", "country", "city", "polarity", "severity", "evidence", "span", "confidence"] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
    }
}

#[test]
fn evidence_span_indexes_the_body() {
    let file = fixtures().join("corpus/kz-paraphrase.txt");
    let out = run(&["evaluate", "--format", "json", file.to_str().expect("utf8")]);
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("json");
    let text = std::fs::read_to_string(&file).expect("read");
    let body = text.split_once("\n\n").map(|(_, b)| b.trim()).expect("body");
    let soe = line["detections"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["trigger"] == "state_of_emergency" && d["polarity"] == "affirmed")
        .expect("state of emergency");
    let (s, e) = (soe["span"][0].as_u64().expect("s") as usize, soe["span"][1].as_u64().expect("e") as usize);
    assert_eq!(&body[s..e], soe["evidence"].as_str().expect("evidence"));
}

#[test]
fn text_report_marks_the_matched_phrase() {
    let file = fixtures().join("corpus/kz-paraphrase.txt");
    let out = run(&["evaluate", file.to_str().expect("utf8")]);
    let text = stdout(&out);
    assert!(text.contains("subject: KZ"), "{text}");
    assert!(text.contains("[[live ammunition]]"), "{text}");
    assert!(text.contains("FIRES state_of_emergency"), "{text}");
}

#[test]
fn eval_prints_the_contract_line_last() {
    let dir = fixtures().join("corpus");
    let out = run(&["eval", "--corpus", dir.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.trim_end().lines().last().expect("a line");
    let ok = last.starts_with("micro precision=")
        && last.split(' ').count() == 7
        && last
            .split(' ')
            .skip(1)
            .take(3)
            .all(|kv| kv.split_once('=').is_some_and(|(_, v)| v.len() == 5 && v.contains('.')));
    assert!(ok, "bad last line: {last:?}");
    assert_eq!(last, "micro precision=1.000 recall=1.000 f1=1.000 tp=15 fp=0 fn=0");
}

/// The probe sets (advisories written for the project in the styles of official advice,
/// embassy alerts and wire reports, labelled before the engine saw them) are a floor for
/// changes to the rules. Each was scored before the rules it exposed were written: `probe`
/// P 0.865 R 0.849; `probe2` (written after tuning on the first) P 0.897 R 0.946; `probe3`
/// (after the first two) P 0.892 R 0.892; `probe4` (after the first three) P 0.943 R 0.892;
/// `probe5` (after the first four) P 1.000 R 0.846; `probe6` (after the first five) P 0.929
/// R 0.867; `probe7` (French and Spanish, after the first six) P 0.909 R 0.769. Floors:
/// precision 0.97 (0.93 for `probe6`, which keeps one route suspension read as an airport
/// closure), recall 0.95 (0.92 for `probe7`, which keeps one platform block read as lifted).
#[test]
fn the_probe_sets_stay_above_their_floor() {
    for (set, min_p, min_r) in [
        ("probe", 0.97, 0.95),
        ("probe2", 0.97, 0.95),
        ("probe3", 0.97, 0.95),
        ("probe4", 0.97, 0.95),
        ("probe5", 0.97, 0.95),
        ("probe6", 0.97, 0.95),
        ("probe7", 0.97, 0.97),
        ("probe8", 0.97, 0.97),
        ("probe9", 0.97, 0.97),
        ("probe10", 0.97, 0.97),
        ("probe11", 0.97, 0.97),
        ("probe12", 0.97, 0.97),
        ("probe13", 0.97, 0.97),
        ("probe14", 0.97, 0.97),
        ("probe15", 0.97, 0.97),
        ("probe16", 0.97, 0.97),
    ] {
        probe_floor(set, min_p, min_r);
    }
}

fn probe_floor(set: &str, min_p: f64, min_r: f64) {
    let dir = fixtures().join(set);
    let out = run(&["eval", "--corpus", dir.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.trim_end().lines().last().expect("a line");
    let value = |key: &str| -> f64 {
        last.split(' ')
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {last:?}"))
    };
    assert!(value("precision") >= min_p && value("recall") >= min_r, "{set}: {text}");
}

#[test]
fn bad_inputs_get_clear_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.txt");
    {
        let f = std::fs::File::create(&big).expect("create");
        f.set_len(50 * 1024 * 1024).expect("50 MB sparse file");
    }
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    let garbage = dir.path().join("garbage.bin");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&garbage, bytes).expect("write");
    let missing = dir.path().join("missing.txt");
    for (file, needle) in
        [(&big, "too large"), (&empty, "empty"), (&garbage, "binary"), (&missing, "cannot read")]
    {
        let out = run(&["evaluate", file.to_str().expect("utf8")]);
        assert_eq!(out.status.code(), Some(1), "{file:?}");
        let err = stderr(&out);
        assert!(err.contains(needle), "{file:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // One bad file does not stop the others.
    let good = fixtures().join("corpus/cy-banks.txt");
    let out =
        run(&["evaluate", "--format", "json", empty.to_str().expect("utf8"), good.to_str().expect("utf8")]);
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).expect("utf8").lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("\"error\""));
    assert!(lines[1].contains("banking_suspension"));
}

#[test]
fn bad_trigger_files_are_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("tripwatch.toml");
    std::fs::write(&cfg, "triggers = [\"mine.toml\"]\n").expect("write");
    let cases = [
        (
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"high\"\nphrase = [\"road block\"]\n",
            "mine.toml:5:",
            "unknown field",
        ),
        (
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"high\"\nregex = [\"road (block\"]\n",
            "mine.toml:5:",
            "invalid regular expression",
        ),
        (
            "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"urgent\"\nphrases = [\"road block\"]\n",
            "mine.toml:4:",
            "severity",
        ),
    ];
    for (src, at, needle) in cases {
        std::fs::write(dir.path().join("mine.toml"), src).expect("write");
        for args in [vec!["check-config", "--config"], vec!["evaluate", "--config"]] {
            let mut args = args.clone();
            args.push(cfg.to_str().expect("utf8"));
            if args[0] == "evaluate" {
                args.push("/dev/null");
            }
            let out = run(&args);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            let err = stderr(&out);
            assert!(err.contains(at) && err.contains(needle), "{args:?}: {err}");
        }
    }
    std::fs::write(dir.path().join("mine.toml"), "[[trigger]]\nid = \"road_block\"\nname = \"Road block\"\nseverity = \"low\"\nphrases = [\"road block*\"]\n").expect("write");
    let out = run(&["check-config", "--config", cfg.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 triggers"), "{}", stdout(&out));
    // A user trigger works end to end.
    let adv = dir.path().join("a.txt");
    std::fs::write(&adv, "country: KZ\n\nPolice set up road blocks on the airport road.").expect("write");
    let out = run(&[
        "evaluate",
        "--config",
        cfg.to_str().expect("utf8"),
        "--format",
        "json",
        adv.to_str().expect("utf8"),
    ]);
    assert!(stdout(&out).contains("\"trigger\":\"road_block\""), "{}", stdout(&out));
}

#[test]
fn works_without_config_from_any_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let adv = dir.path().join("a.txt");
    std::fs::write(&adv, "The curfew in Lima remains in force.").expect("write");
    let out = bin().current_dir(dir.path()).args(["evaluate", "a.txt"]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("FIRES curfew"), "{}", stdout(&out));
    let out = run(&["check-config"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("built-in defaults"));
}

/// A temp state with a config, imported travellers and an advisory in the spool.
fn spool_setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("tripwatch.toml");
    std::fs::write(&cfg, "state_dir = \"var\"\n").expect("write config");
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "name,email,country,city,start,end,manager,timezone\n\
         Ann Lee,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,boss@example.org,\n\
         Bob Roe,bob@example.org,KZ,,2022-01-05,2022-01-09,boss@example.org,Europe/Berlin\n",
    )
    .expect("write csv");
    let out = run(&["import", "--config", cfg.to_str().expect("utf8"), csv.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let incoming = dir.path().join("var/spool/incoming");
    std::fs::create_dir_all(&incoming).expect("mkdir");
    std::fs::copy(fixtures().join("corpus/kz-paraphrase.txt"), incoming.join("kz.txt")).expect("copy");
    (dir, cfg)
}

fn alerts(cfg: &Path) -> Vec<serde_json::Value> {
    let out = run(&["alerts", "--config", cfg.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

fn run_once(cfg: &Path, failpoint: Option<&str>) -> Output {
    let mut cmd = bin();
    cmd.args(["run", "--once", "--config", cfg.to_str().expect("utf8")])
        .env("TRIPWATCH_NOW", "2022-01-06T12:00:00Z");
    if let Some(f) = failpoint {
        cmd.env("TRIPWATCH_FAILPOINT", f);
    }
    cmd.output().expect("run")
}

/// Killed between detection and commit: nothing is written; after restart every alert is
/// there exactly once; a re-delivery of the same file adds nothing.
#[test]
#[cfg(feature = "failpoints")]
fn crash_between_detection_and_commit_loses_and_duplicates_nothing() {
    let (dir, cfg) = spool_setup();
    let out = run_once(&cfg, Some("before_commit"));
    assert!(!out.status.success(), "the failpoint aborts the process");
    assert!(alerts(&cfg).is_empty(), "nothing committed before the crash");
    assert!(dir.path().join("var/spool/processing/kz.txt").exists(), "the claimed file waits in processing/");

    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = alerts(&cfg);
    let kinds: Vec<(String, String)> = after
        .iter()
        .map(|a| {
            (a["kind"].as_str().unwrap_or("").to_owned(), a["recipient"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("alert".to_string(), "ann@example.org".to_string()),
            ("alert".to_string(), "bob@example.org".to_string()),
            ("rollup".to_string(), "boss@example.org".to_string())
        ]
    );
    assert!(dir.path().join("var/spool/processed/kz.txt").exists());

    // A crash after the commit but before the file moved: the file is processed again, and
    // nothing is duplicated.
    std::fs::copy(
        dir.path().join("var/spool/processed/kz.txt"),
        dir.path().join("var/spool/processing/kz.txt"),
    )
    .expect("copy");
    let out = run_once(&cfg, None);
    assert!(stdout(&out).contains("1 unchanged"), "{}", stdout(&out));
    assert_eq!(alerts(&cfg).len(), 3);
}

#[test]
fn spool_rejects_bad_files_with_a_reason_and_skips_partial_ones() {
    let (dir, cfg) = spool_setup();
    let incoming = dir.path().join("var/spool/incoming");
    std::fs::write(incoming.join("empty.txt"), "").expect("write");
    std::fs::write(incoming.join("half-written.txt.part"), "title: partial").expect("write");
    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 processed, 0 unchanged, 1 failed"), "{}", stdout(&out));
    let reason =
        std::fs::read_to_string(dir.path().join("var/spool/failed/empty.txt.reason")).expect("reason file");
    assert!(reason.contains("empty"), "{reason}");
    assert!(incoming.join("half-written.txt.part").exists(), "a file still being written is left alone");
}

#[test]
fn import_reports_bad_rows_by_line_and_applies_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("tripwatch.toml");
    std::fs::write(&cfg, "state_dir = \"var\"\n").expect("write");
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "name,email,country,city,start,end,manager,timezone\n\
         Ann Lee,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,,\n\
         Bob Roe,bob@example,KZ,,2022-01-05,2022-01-09,,\n\
         Cy Doe,cy@example.org,KZ,,2022-01-05,2022-01-09,,Mars/Base\n",
    )
    .expect("write");
    let out = run(&["import", "--config", cfg.to_str().expect("utf8"), csv.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("line 3: email")
            && err.contains("line 4: timezone")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let out = run(&["traveller", "list", "--config", cfg.to_str().expect("utf8")]);
    assert_eq!(stdout(&out).trim(), "", "no traveller from a failed import");
}

/// `change` alters only what is given, validates like `add`, and the change is what routing sees.
#[test]
fn change_commands_edit_travellers_trips_and_subscriptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("tripwatch.toml");
    std::fs::write(&cfg, "state_dir = \"var\"\n").expect("write");
    let c = cfg.to_str().expect("utf8");
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    ok(&["traveller", "add", "--config", c, "--name", "Ann Lee", "--email", "ann@example.org"]);
    ok(&[
        "trip",
        "add",
        "--config",
        c,
        "--email",
        "ann@example.org",
        "--country",
        "FR",
        "--city",
        "Paris",
        "--start",
        "2022-01-03",
        "--end",
        "2022-01-20",
    ]);
    // A new country drops the old city; dates not given stay.
    assert!(
        ok(&["trip", "change", "1", "--config", c, "--country", "KZ"])
            .contains("trip 1 changed: KZ 2022-01-03..2022-01-20")
    );
    ok(&["trip", "change", "1", "--config", c, "--city", "Almaty", "--end", "2022-01-25"]);
    assert!(ok(&["trip", "list", "--config", c]).contains("Almaty, KZ\t2022-01-03..2022-01-25"));
    let bad = run(&["trip", "change", "1", "--config", c, "--end", "2021-12-31"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("before start"), "{}", stderr(&bad));
    assert!(
        stderr(&run(&["trip", "change", "9", "--config", c, "--country", "FR"]))
            .contains("not found: trip 9")
    );
    assert!(stderr(&run(&["trip", "change", "1", "--config", c, "--city", "Atlantis"])).contains("Atlantis"));
    // Traveller: one field changes, the rest stay.
    ok(&[
        "traveller",
        "change",
        "--config",
        c,
        "--email",
        "ann@example.org",
        "--manager",
        "boss@example.org",
        "--timezone",
        "Asia/Almaty",
    ]);
    let list = ok(&["traveller", "list", "--config", c]);
    assert!(list.contains("Ann Lee\tann@example.org\tAsia/Almaty\tmanager boss@example.org"), "{list}");
    // Subscription: triggers, severity and mode change; the places stay.
    ok(&["subscription", "add", "--config", c, "--email", "soc@example.org", "--place", "KZ"]);
    ok(&[
        "subscription",
        "change",
        "1",
        "--config",
        c,
        "--trigger",
        "curfew",
        "--min-severity",
        "high",
        "--digest",
        "0 8 * * 1-5",
    ]);
    let subs = ok(&["subscription", "list", "--config", c]);
    assert!(subs.contains("soc@example.org\tKZ\tcurfew\t>= high\temail\tdigest \"0 8 * * 1-5\""), "{subs}");
    ok(&[
        "subscription",
        "change",
        "1",
        "--config",
        c,
        "--all-triggers",
        "--immediate",
        "--place",
        "FR:Paris",
    ]);
    let subs = ok(&["subscription", "list", "--config", c]);
    assert!(subs.contains("soc@example.org\tParis, FR\tall triggers\t>= high\temail\timmediate"), "{subs}");
    let bad = run(&["subscription", "change", "1", "--config", c, "--trigger", "no_such_trigger"]);
    assert!(stderr(&bad).contains("unknown trigger"), "{}", stderr(&bad));
    let bad = run(&["subscription", "change", "1", "--config", c, "--follow-trips"]);
    assert!(stderr(&bad).contains("needs a traveller"), "{}", stderr(&bad));
    let bad = run(&["subscription", "change", "1", "--config", c, "--digest", "61 * * * *"]);
    assert_eq!(bad.status.code(), Some(1), "bad cron refused");
    // Routing sees the changed trip: the Kazakhstan advisory reaches Ann in Almaty.
    let file = fixtures().join("corpus/kz-paraphrase.txt");
    let out = bin()
        .args(["preview", "--config", c, file.to_str().expect("utf8")])
        .env("TRIPWATCH_NOW", "2022-01-06T12:00:00Z")
        .output()
        .expect("run");
    assert!(stdout(&out).contains("because trip 1 to Almaty, KZ 2022-01-03..2022-01-25"), "{}", stdout(&out));
}

#[test]
fn preview_explains_who_and_why_and_writes_nothing() {
    let (dir, cfg) = spool_setup();
    let file = fixtures().join("corpus/kz-paraphrase.txt");
    let out = bin()
        .args(["preview", "--config", cfg.to_str().expect("utf8"), file.to_str().expect("utf8")])
        .env("TRIPWATCH_NOW", "2022-01-06T12:00:00Z")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Ann Lee <ann@example.org> [CRITICAL] now via email"), "{text}");
    assert!(text.contains("because trip 1 to Almaty, KZ 2022-01-03..2022-01-20"), "{text}");
    assert!(text.contains("boss@example.org — 2 traveller(s)"), "{text}");
    assert!(alerts(&cfg).is_empty(), "preview commits nothing");
    assert!(!text.contains("would wait for review"), "{text}");
    // With live ammunition set to review, preview says the alerts would wait.
    std::fs::write(&cfg, "state_dir = \"var\"\n[routing]\nreview_triggers = [\"live_ammunition\"]\n")
        .expect("config");
    let out = bin()
        .args(["preview", "--config", cfg.to_str().expect("utf8"), file.to_str().expect("utf8")])
        .env("TRIPWATCH_NOW", "2022-01-06T12:00:00Z")
        .output()
        .expect("run");
    let text = stdout(&out);
    assert!(
        text.contains("would wait for review (live_ammunition is set to review)")
            && text.contains("live_ammunition/KZ"),
        "{text}"
    );
    drop(dir);
}

/// The README's first command, run as written (with `cargo run --release --` standing for the
/// built binary) in a scratch copy of `config/`: the alert emails appear as files.
#[test]
fn readme_quick_start_runs_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let block = readme.split("```sh\n").nth(1).expect("a sh block");
    let first = block.lines().next().expect("first command");
    assert!(first.contains("run --once"), "the quick start runs the main job: {first}");
    let bin = env!("CARGO_BIN_EXE_tripwatch");
    let command = first.replace("cargo run --release --", bin);
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config"), &dir.path().join("config"));
    let out = Command::new("sh").arg("-c").arg(&command).current_dir(dir.path()).output().expect("sh");
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("outbox: 3 sent"), "{text}");
    let mails: Vec<String> = std::fs::read_dir(dir.path().join("var/mail"))
        .expect("var/mail")
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).expect("eml"))
        .collect();
    assert_eq!(mails.len(), 3);
    let ann =
        mails.iter().find(|m| m.contains("To: \"Ann Lee\" <ann.lee@example.org>")).expect("Ann's alert");
    assert!(ann.contains("Subject: [CRITICAL] Kazakhstan"), "{ann}");
    assert!(ann.contains("Live ammunition (critical)"), "{ann}");
    assert!(!mails.iter().any(|m| m.contains("cy.doe@example.org")), "Cy is in Paris");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// The documented example config is valid (given the credential file it names).
#[test]
fn example_config_is_valid() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tripwatch.toml"))
        .expect("example");
    let cred = dir.path().join("smtp");
    std::fs::write(&cred, "password").expect("cred");
    let text = src
        .replace("/run/credentials/tripwatch.service/smtp", cred.to_str().expect("utf8"))
        .replace("state_dir = \"/var/lib/tripwatch\"", "state_dir = \"var\"");
    std::fs::write(dir.path().join("tripwatch.toml"), text).expect("write");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/triggers.toml"),
        dir.path().join("triggers.toml"),
    )
    .expect("copy");
    let out = run(&["check-config", "--config", dir.path().join("tripwatch.toml").to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `TRIPWATCH_STATE_DIR` moves the store, spool and mail; `TRIPWATCH_CONFIG` names the config.
#[test]
fn environment_overrides_paths() {
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("elsewhere");
    let csv = fixtures().join("../../config/travellers.example.csv");
    let out = bin()
        .args(["import"])
        .arg(&csv)
        .current_dir(dir.path())
        .env("TRIPWATCH_STATE_DIR", &state)
        .output()
        .expect("import");
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::create_dir_all(state.join("spool/incoming")).expect("mkdir");
    std::fs::copy(fixtures().join("corpus/kz-paraphrase.txt"), state.join("spool/incoming/kz.txt"))
        .expect("copy");
    // Today the January 2022 report is an old event: previewed, it would alert nobody …
    let out = bin()
        .args(["preview"])
        .arg(state.join("spool/incoming/kz.txt"))
        .current_dir(dir.path())
        .env("TRIPWATCH_STATE_DIR", &state)
        .output()
        .expect("preview");
    assert!(
        stdout(&out).contains(
            "held, nobody alerted: event dated 2022-01-06 is older than the maximum event age (72 h)"
        ),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // … replayed as of its day, it alerts the example trips of that time.
    let out = bin()
        .args(["run", "--once", "--as-of", "2022-01-06"])
        .current_dir(dir.path())
        .env("TRIPWATCH_STATE_DIR", &state)
        .output()
        .expect("run");
    assert!(stdout(&out).contains("outbox: 3 sent"), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(std::fs::read_dir(state.join("mail")).expect("mail").count(), 3);
    assert!(!dir.path().join("var").exists(), "nothing written to ./var");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "state_dir = \"viaenv\"\n").expect("write");
    let out = bin().args(["check-config"]).env("TRIPWATCH_CONFIG", &cfg).output().expect("check");
    assert!(stdout(&out).contains("viaenv"), "{}", stdout(&out));
}

/// "Who is in Kazakhstan now / next week?", the standing risk shown on adding a trip, and
/// listings that survive `| head`.
#[test]
fn exposure_standing_risk_and_closed_pipes() {
    let dir = tempfile::tempdir().expect("tmp");
    let csv = fixtures().join("../../config/travellers.example.csv");
    let ex = fixtures().join("../../config/examples/kazakhstan-2022-01-06.txt");
    let at = |args: &[&str]| {
        let out = bin()
            .args(args)
            .current_dir(dir.path())
            .env("TRIPWATCH_NOW", "2022-01-07T00:00:00Z")
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    at(&["import", csv.to_str().expect("utf8")]);
    std::fs::create_dir_all(dir.path().join("var/spool/incoming")).expect("mkdir");
    std::fs::copy(&ex, dir.path().join("var/spool/incoming/kz.txt")).expect("copy");
    at(&["run", "--once"]);
    let now = at(&["exposure", "KZ", "--at", "2022-01-06"]);
    assert!(now.starts_with("2 traveller(s) in KZ on 2022-01-06"), "{now}");
    assert!(now.contains("Ann Lee <ann.lee@example.org>  KZ, Almaty  2022-01-03..2022-01-20"), "{now}");
    let later = at(&["exposure", "Kazakhstan", "--at", "2022-01-10", "--until", "2022-01-17"]);
    assert!(later.starts_with("1 traveller(s)") && later.contains("Ann Lee"), "{later}");
    let city = at(&["exposure", "KZ", "--city", "Almaty", "--at", "2022-01-06", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&city).expect("json");
    assert_eq!(v["travellers"].as_array().map(Vec::len), Some(1), "{v}");
    assert!(
        v["standing_risk"]["active"]
            .as_array()
            .is_some_and(|a| a.iter().any(|t| t["trigger"] == "state_of_emergency")),
        "{v}"
    );
    let added = at(&[
        "trip",
        "add",
        "--email",
        "ann.lee@example.org",
        "--country",
        "KZ",
        "--start",
        "2022-02-01",
        "--end",
        "2022-02-10",
    ]);
    assert!(added.contains("live_ammunition (critical)"), "the destination's standing risk: {added}");
    let bad = bin().args(["exposure", "Narnia"]).current_dir(dir.path()).output().expect("run");
    assert!(!bad.status.success() && stderr(&bad).contains("unknown country"), "{}", stderr(&bad));
    // A listing piped into `head` ends quietly.
    let exe = env!("CARGO_BIN_EXE_tripwatch");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{exe}' alerts | true; '{exe}' alerts | true; '{exe}' evaluate '{}' | true",
            ex.display()
        ))
        .current_dir(dir.path())
        .output()
        .expect("sh");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// A typo in a webhook name or a token scope is refused when it is typed, with the valid
/// names listed — not accepted and failed at delivery.
#[test]
fn typos_in_references_are_refused_when_given() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "state_dir = \"var\"\n[[webhook]]\nname = \"soc\"\nurl = \"https://hooks.example.org/a\"\n",
    )
    .expect("config");
    let c = cfg.to_str().expect("utf8");
    let run_in = |args: &[&str]| bin().args(args).current_dir(dir.path()).output().expect("run");
    let ok = run_in(&[
        "traveller",
        "add",
        "--config",
        c,
        "--name",
        "Ann",
        "--email",
        "ann@example.org",
        "--webhook",
        "soc",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let bad = run_in(&[
        "traveller",
        "add",
        "--config",
        c,
        "--name",
        "Bo",
        "--email",
        "bo@example.org",
        "--webhook",
        "scc",
    ]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("unknown webhook \"scc\" (configured: soc)"), "{}", stderr(&bad));
    let bad =
        run_in(&["traveller", "change", "--config", c, "--email", "ann@example.org", "--webhook", "nope"]);
    assert!(stderr(&bad).contains("unknown webhook \"nope\""), "{}", stderr(&bad));
    let bad = run_in(&[
        "subscription",
        "add",
        "--config",
        c,
        "--email",
        "ops@example.org",
        "--place",
        "KZ",
        "--channel",
        "webhook:nope",
    ]);
    assert!(stderr(&bad).contains("unknown webhook \"nope\" (configured: soc)"), "{}", stderr(&bad));
    let ok = run_in(&[
        "subscription",
        "add",
        "--config",
        c,
        "--email",
        "ops@example.org",
        "--place",
        "KZ",
        "--channel",
        "webhook:soc",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    std::fs::write(
        dir.path().join("p.toml"),
        "[[traveller]]\nname = \"Cy\"\nemail = \"cy@example.org\"\nwebhooks = [\"typo\"]\n",
    )
    .expect("toml");
    let bad = run_in(&["import", "--config", c, dir.path().join("p.toml").to_str().expect("utf8")]);
    assert!(!bad.status.success() && stderr(&bad).contains("unknown webhook \"typo\""), "{}", stderr(&bad));
    let bad = run_in(&["token", "--name", "x", "--scope", "superuser"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("unknown scope \"superuser\" (use admin, manage, ingest, read, metrics)"),
        "{}",
        stderr(&bad)
    );
}

/// `check-config --skip-secrets` validates a production config on a machine without its
/// credential files; without the flag a missing secret file is an error.
#[test]
fn check_config_can_skip_missing_secret_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "state_dir = \"var\"\n[email]\ntransport = \"smtp\"\nhost = \"smtp.example.org\"\nusername = \"u\"\npassword_file = \"/run/credentials/tripwatch.service/smtp\"\n[[webhook]]\nname = \"soc\"\nurl = \"https://hooks.example.org/a\"\nsecret_file = \"/run/credentials/tripwatch.service/soc\"\n",
    )
    .expect("config");
    let c = cfg.to_str().expect("utf8");
    let strict = bin().args(["check-config", "--config", c]).output().expect("run");
    assert!(!strict.status.success() && stderr(&strict).contains("cannot read"), "{}", stderr(&strict));
    let lenient = bin().args(["check-config", "--skip-secrets", "--config", c]).output().expect("run");
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert!(
        stderr(&lenient).contains("warning: cannot read /run/credentials/tripwatch.service/smtp"),
        "{}",
        stderr(&lenient)
    );
    // The environment overrides password_file.
    let env = bin()
        .args(["check-config", "--config", c])
        .env("TRIPWATCH_SMTP_PASSWORD", "from-env")
        .env("TRIPWATCH_WEBHOOK_SECRET_SOC", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .output()
        .expect("run");
    assert!(env.status.success(), "{}", stderr(&env));
}

fn mail_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("var/mail")).map(|d| d.count()).unwrap_or(0)
}

fn reviews(cfg: &Path) -> Vec<serde_json::Value> {
    let out = run(&["review", "--all", "--format", "json", "--config", cfg.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("json");
    v["reviews"].as_array().expect("reviews").clone()
}

/// A trigger set to review holds its advisory's alerts: nothing is sent until a manager
/// approves; a rejection sends nothing and keeps the reason; both export as labelled examples
/// that `tripwatch eval` reads.
#[test]
fn review_queue_holds_until_a_manager_decides_and_exports_labels() {
    let (dir, cfg) = spool_setup();
    std::fs::write(&cfg, "state_dir = \"var\"\n[routing]\nreview_triggers = [\"live_ammunition\"]\n")
        .expect("config");
    let c = cfg.to_str().expect("utf8");
    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mail_count(dir.path()), 0, "held for review: nothing sent");
    let list = reviews(&cfg);
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0]["decision"].is_null());
    assert_eq!(list[0]["detections"], serde_json::json!(["live_ammunition/KZ"]));
    assert!(list[0]["reason"].as_str().unwrap_or("").contains("live_ammunition is set to review"));
    let first = list[0]["advisory_id"].as_str().expect("id").to_owned();
    let out = run(&["deliveries", "list", "--status", "review", "--config", c]);
    assert!(stdout(&out).lines().count() >= 2, "{}", stdout(&out));

    // Rejected: nothing goes out, now or later; the reason is kept and audited.
    let out = run(&[
        "review",
        "reject",
        &first,
        "--reason",
        "rubber bullets, not live rounds",
        "--by",
        "desk",
        "--config",
        c,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("rejected"), "{}", stdout(&out));
    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mail_count(dir.path()), 0, "a rejected review sends nothing");
    let out = run(&["review", "approve", &first, "--config", c]);
    assert!(!out.status.success(), "a decided review cannot be decided again");
    assert!(stderr(&out).contains("no review is waiting"), "{}", stderr(&out));

    // A second advisory (another report of the same events) is approved: it goes out.
    let text = std::fs::read_to_string(fixtures().join("corpus/kz-paraphrase.txt")).expect("fixture");
    std::fs::write(
        dir.path().join("var/spool/incoming/kz2.txt"),
        format!("{text}\nA later update from the desk.\n"),
    )
    .expect("write");
    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mail_count(dir.path()), 0, "the second advisory waits as well");
    let second = reviews(&cfg)
        .into_iter()
        .find(|r| r["decision"].is_null())
        .and_then(|r| r["advisory_id"].as_str().map(str::to_owned))
        .expect("a waiting review");
    let out = run(&["review", "approve", &second, "--config", c]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(mail_count(dir.path()) >= 2, "approved: the travellers' alerts and the roll-up are sent");

    // The decisions as a labelled corpus that eval reads.
    let corpus = dir.path().join("labels");
    let out = run(&["review", "export", "--out", corpus.to_str().expect("utf8"), "--config", c]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = std::fs::read_to_string(corpus.join("labels.toml")).expect("labels");
    assert!(labels.contains("fires = [{ trigger = \"live_ammunition\", country = \"KZ\" }]"), "{labels}");
    assert!(labels.contains("why = \"rubber bullets, not live rounds\""), "{labels}");
    assert!(corpus.join("review-0001.txt").exists() && corpus.join("review-0002.txt").exists());
    let out = run(&["eval", "--corpus", corpus.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("live_ammunition"), "{}", stdout(&out));
}

/// CAP's status and cancel come only from a CAP document: a text advisory whose header says
/// `cap_status: Exercise` or `cap_msg_type: Cancel`, or a JSON one with those fields, is an
/// ordinary advisory — it alerts as any other, and cancels nothing.
#[test]
fn cap_fields_in_other_formats_carry_no_cap_meaning() {
    let (dir, cfg) = spool_setup();
    let incoming = dir.path().join("var/spool/incoming");
    let seed = std::fs::read_to_string(fixtures().join("corpus/kz-paraphrase.txt")).expect("seed");
    std::fs::remove_file(incoming.join("kz.txt")).expect("rm");
    std::fs::write(
        incoming.join("exercise.txt"),
        format!("cap_status: Exercise\ncap_msg_type: Cancel\n\n{seed}"),
    )
    .expect("write");
    let json = serde_json::json!({
        "source": "desk", "id": "J-1", "title": "Kazakhstan: curfew in Almaty",
        "body": "A curfew is in force in Almaty from 11pm to 7am.",
        "cap_status": "Test", "cap_msg_type": "Cancel", "cap_area_cities": "FR:Paris"
    });
    std::fs::write(incoming.join("desk.json"), json.to_string()).expect("write");
    let out = run_once(&cfg, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 processed, 0 unchanged, 0 failed"), "{}", stdout(&out));
    let all = alerts(&cfg);
    let count = |text: &str| all.iter().filter(|a| a.to_string().contains(text)).count();
    assert!(count("ann@example.org") >= 2, "both advisories alerted Ann: {all:?}");
    assert_eq!(count("\"held\""), 0, "nothing held as a CAP exercise: {all:?}");
}
