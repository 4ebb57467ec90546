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
enum Command {
    /// Show what each advisory file would fire: no side effects, no store needed.
    Evaluate {
        #[arg(long)]
        config: Option<PathBuf>,
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
    },
}

fn main() -> ExitCode {
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
        Command::Evaluate { config, format, files } => {
            let (cfg, engine) = app::load(config.as_deref())?;
            let mut failed = false;
            for (name, res) in app::evaluate::run(&cfg, &engine, &files) {
                match res {
                    FileResult::Ok { advisory, analysis } => match Format::from(format) {
                        Format::Json => println!("{}", app::evaluate::json_line(&name, &advisory, &analysis)),
                        Format::Text => print!("{}", app::evaluate::text_report(&name, &advisory, &analysis)),
                    },
                    FileResult::Err { message } => {
                        failed = true;
                        eprintln!("tripwatch: {name}: {message}");
                        if let Format::Json = Format::from(format) {
                            println!("{}", serde_json::json!({"file": name, "error": message}));
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
                Format::Text => println!("{}", app::eval::text(&report)),
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { config } => match app::check_config(config.as_deref()) {
            Ok(line) => {
                println!("{line}");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e:#}");
                Ok(ExitCode::FAILURE)
            }
        },
    }
}
