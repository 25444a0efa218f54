//! `carenet`: the command-line face of the vault. Thin over the library: parse, call, print.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    init_logging();
    match cli::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if args.json {
                let body = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
                eprintln!("{body}");
            } else {
                eprintln!("carenet: {e}");
            }
            ExitCode::from(1)
        }
    }
}

/// Warnings only by default; `CARENET_LOG=info` for more. Logs never carry user content.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CARENET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}
