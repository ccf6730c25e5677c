//! The command line's flags and dispatch.

use crate::{bench, layer, route, train};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "moe-clinic",
    version,
    about = "A Mixture-of-Experts layer on WGSL compute shaders, with its CPU reference."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one MoE layer on hidden states read from a safetensors file.
    Layer(layer::LayerArgs),
    /// Time the MoE layer against every expert on every token and against one dense FFN.
    Bench(bench::BenchArgs),
    /// Route a complaint through a shipped clinic model and print the trace as JSON.
    Route(route::RouteArgs),
    /// Regenerate the tokenizer, the shipped clinic models and their cards.
    Train(train::TrainArgs),
}

pub fn main() -> ExitCode {
    quiet_graphics_stack();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line: clap's own message, without the usage block that follows it. Some
            // messages list what they are about on the lines after the first ("the
            // following required arguments were not provided:" then each flag): keep those.
            let rendered = e.render().to_string();
            let reason: Vec<&str> =
                rendered.lines().take_while(|line| !line.trim().is_empty()).map(str::trim).collect();
            let reason = reason.join(" ");
            let reason = reason.trim_start_matches("error: ");
            eprintln!("moe-clinic: {} (see --help)", if reason.is_empty() { "invalid arguments" } else { reason });
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Layer(args) => layer::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Route(args) => route::run(args),
        Command::Train(args) => train::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("moe-clinic: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid or not set" on every
/// device when that variable is unset (as under cron, ssh without a login session, or
/// `sudo`), which a user reads as this tool's own error. Compute needs no display, so
/// point the variable at a private folder when it is missing or not a folder.
fn quiet_graphics_stack() {
    use std::os::unix::fs::DirBuilderExt;
    let valid = std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| std::path::Path::new(&dir).is_dir());
    if valid {
        return;
    }
    let dir = std::env::temp_dir().join("moe-clinic-runtime");
    if std::fs::DirBuilder::new().mode(0o700).create(&dir).is_ok() || dir.is_dir() {
        // SAFETY: the first thing main does, before any thread exists that could read the
        // environment concurrently.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}
